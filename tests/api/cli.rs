//! The binary as an operator uses it.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::*;

fn custodia(db: &TestDb) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_custodia"));
    cmd.env("CUSTODIA_CONFIG_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/config"))
        .env("CUSTODIA_ENV", "test")
        .env("CUSTODIA__DATABASE__URL", db.url());
    cmd
}

#[test]
fn help_explains_each_command() {
    let db = TestDb::new();
    let out = custodia(&db).arg("--help").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for word in ["serve", "migrate", "user"] {
        assert!(text.contains(word), "{text}");
    }
    let out = custodia(&db).args(["user", "--help"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for word in ["add", "disable", "list"] {
        assert!(text.contains(word), "{text}");
    }
}

#[test]
fn an_operator_adds_lists_and_disables_users() {
    let db = TestDb::new();
    let out = custodia(&db).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let mut child = custodia(&db)
        .args(["user", "add", "Zoya", "--role", "auditor", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("created zoya (auditor)"));

    let out = custodia(&db).args(["user", "add", "yuri", "--role", "overlord"]).output().unwrap();
    assert!(!out.status.success());

    let out = custodia(&db).args(["user", "disable", "zoya"]).output().unwrap();
    assert!(out.status.success());
    let out = custodia(&db).args(["user", "list"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("zoya") && text.contains("disabled"), "{text}");
    assert!(!text.contains(PASSWORD));
}
