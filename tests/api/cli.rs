//! The binary as an operator uses it.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::fixtures::sealed_testimony_in_new_case;
use crate::helpers::*;

/// The binary as installed elsewhere: run from `dir`, with no configuration folder and no
/// `CUSTODIA…` variable at all.
fn installed(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_custodia"));
    cmd.current_dir(dir);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("CUSTODIA")) {
        cmd.env_remove(k);
    }
    cmd
}

/// Every file and folder under `dir`, relative to it.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut all: Vec<String> =
        files_under(dir).iter().map(|p| p.strip_prefix(dir).unwrap().display().to_string()).collect();
    all.sort();
    all
}

fn custodia(db: &TestDb) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_custodia"));
    cmd.env("CUSTODIA_CONFIG_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/config"))
        .env("CUSTODIA_ENV", "test")
        .env("CUSTODIA__DATABASE__URL", db.url())
        .env("CUSTODIA__KEYS__KEY_FILE", db.dir.path().join("root.key"))
        .env("CUSTODIA__STORAGE__BLOB_DIR", db.dir.path().join("blobs"))
        .envs(store_env(db));
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

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{:?}: {}", cmd, String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn an_operator_initialises_rotates_rewraps_retires_backs_up_and_restores() {
    let db = TestDb::new();
    run_ok(custodia(&db).arg("migrate"));
    let out = run_ok(custodia(&db).args(["init", "--source", "file"]));
    assert!(out.contains("keyring created"), "{out}");
    let key_file = db.dir.path().join("root.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let again = custodia(&db).args(["init", "--source", "file"]).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already initialised"));

    let status: serde_json::Value =
        serde_json::from_str(&run_ok(custodia(&db).args(["keys", "status"]))).unwrap();
    assert_eq!(status["sealed"], false);
    assert_eq!(status["primary_version"], 1);
    assert!(run_ok(custodia(&db).args(["keys", "rotate"])).contains("version 2"));
    assert!(run_ok(custodia(&db).args(["keys", "rewrap"])).contains("every record key"));
    assert!(run_ok(custodia(&db).args(["keys", "retire", "1"])).contains("destroyed"));
    let refused = custodia(&db).args(["keys", "retire", "2"]).output().unwrap();
    assert!(!refused.status.success());

    if db.is_postgres() {
        return;
    }
    let backup = db.dir.path().join("backup");
    assert!(run_ok(custodia(&db).arg("backup").arg(&backup)).contains("no key material"));
    let restored = db.dir.path().join("restored.db");
    let out = run_ok(
        custodia(&db)
            .env("CUSTODIA__DATABASE__URL", format!("sqlite://{}", restored.display()))
            .env("CUSTODIA__STORAGE__BLOB_DIR", db.dir.path().join("restored-blobs"))
            .arg("restore")
            .arg(&backup),
    );
    assert!(out.contains("restored"), "{out}");
    let status: serde_json::Value = serde_json::from_str(&run_ok(
        custodia(&db)
            .env("CUSTODIA__DATABASE__URL", format!("sqlite://{}", restored.display()))
            .args(["keys", "status"]),
    ))
    .unwrap();
    assert_eq!(status["primary_version"], 2, "the restored keyring opens with the same root key");
}

#[tokio::test]
async fn an_operator_verifies_the_audit_log_and_a_kept_checkpoint() {
    let app = spawn_app().await;
    let db = &app.db;
    let key = run_ok(custodia(db).args(["audit", "pubkey"])).trim().to_owned();
    assert!(key.starts_with("custodia-audit/"), "{key}");
    let note = run_ok(custodia(db).args(["audit", "checkpoint"]));
    assert!(note.contains("\n\u{2014} custodia-audit/"), "{note}");
    let kept = db.dir.path().join("kept.note");
    std::fs::write(&kept, &note).unwrap();
    app.user_with_token(custodia::domain::Role::Lawyer).await;

    let out = run_ok(custodia(db).args(["audit", "verify", "--pubkey", &key]));
    assert!(out.starts_with("ok:"), "{out}");
    let out = run_ok(custodia(db).args(["audit", "verify", "--pubkey", &key, "--checkpoint"]).arg(&kept));
    assert!(out.starts_with("ok:"), "{out}");
    // An outside party checks the checkpoint they kept on their own machine: no
    // configuration, no database; nothing is created where they run it.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::copy(&kept, elsewhere.path().join("kept.note")).unwrap();
    let out = run_ok(installed(elsewhere.path()).args([
        "audit",
        "verify",
        "--checkpoint",
        "kept.note",
        "--pubkey",
        &key,
    ]));
    assert!(out.starts_with("ok: checkpoint signed by custodia-audit"), "{out}");
    assert!(out.contains("only the signature was checked"), "{out}");
    assert_eq!(listing(elsewhere.path()), ["kept.note"]);
    let other_key =
        custodia::audit::checkpoint::NoteSigner::generate("custodia-audit").unwrap().verifier_key();
    let out = installed(elsewhere.path())
        .args(["audit", "verify", "--checkpoint", "kept.note", "--pubkey", &other_key])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a checkpoint signed by another key is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not verify"));
    let proof: serde_json::Value =
        serde_json::from_str(&run_ok(custodia(db).args(["audit", "prove", "--entry", "1"]))).unwrap();
    assert_eq!(proof["leaf_index"], 1);

    app.state
        .context()
        .read(|c| {
            use diesel::RunQueryDsl;
            diesel::sql_query("UPDATE audit_log SET outcome = 'failure' WHERE seq = 2").execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let out = custodia(db).args(["audit", "verify", "--pubkey", &key]).output().unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("first bad entry: 2"), "{text}");
    let out =
        custodia(db).args(["audit", "verify", "--pubkey", &key, "--checkpoint"]).arg(&kept).output().unwrap();
    assert!(!out.status.success(), "the kept checkpoint no longer matches the rewritten log");
}

/// A third party checks an entry proof with the documented algorithm, in Python, using
/// nothing from Custodia.
#[tokio::test]
async fn an_outsider_checks_an_entry_proof_with_the_documented_script() {
    if Command::new("python3").arg("--version").output().is_err() {
        return;
    }
    let app = spawn_app().await;
    for _ in 0..5 {
        app.user_with_token(custodia::domain::Role::Documenter).await;
    }
    let db = &app.db;
    let key = run_ok(custodia(db).args(["audit", "pubkey"])).trim().to_owned();
    for entry in ["0", "3", "6"] {
        let proof = run_ok(custodia(db).args(["audit", "prove", "--entry", entry]));
        let path = db.dir.path().join(format!("proof{entry}.json"));
        std::fs::write(&path, &proof).unwrap();
        let out = run_ok(
            Command::new("python3")
                .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/verify_audit_proof.py"))
                .arg(&path)
                .arg(&key),
        );
        assert!(out.contains("inclusion: ok"), "{out}");
        assert!(!out.contains("FAILED"), "{out}");
        // A changed entry no longer proves.
        let forged = proof.replacen("\\\"action\\\":\\\"", "\\\"action\\\":\\\"x", 1);
        std::fs::write(&path, forged).unwrap();
        let out = Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/verify_audit_proof.py"))
            .arg(&path)
            .output()
            .unwrap();
        assert!(!out.status.success());
    }
}

#[tokio::test]
async fn a_lawyer_exports_a_bundle_from_the_command_line_and_a_recipient_verifies_it() {
    let app = spawn_app().await;
    app.add_user("cli.doc", custodia::domain::Role::Documenter).await;
    let doc = app.login("cli.doc", PASSWORD).await;
    let (CaseId(case_id), _) = sealed_testimony_in_new_case(&app, &doc).await;

    let out_dir = tempfile::tempdir().unwrap();
    let archive = out_dir.path().join("bundle.tar");
    let mut child = custodia(&app.db)
        .args(["bundle", "export", "--case", &case_id, "--recipient", "prosecutors", "--username", "cli.doc"])
        .arg("--out")
        .arg(&archive)
        .arg("--password-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("manifest SHA-256"));

    let out = custodia(&app.db).args(["bundle", "pubkey"]).output().unwrap();
    assert!(out.status.success());
    let key_file = out_dir.path().join("export.pub");
    std::fs::write(&key_file, &out.stdout).unwrap();
    // The recipient runs the verifier where the bundle was downloaded: no configuration,
    // no database, and nothing is written there.
    let verify = |path: &std::path::Path| {
        installed(out_dir.path())
            .args(["bundle", "verify"])
            .arg(path)
            .arg("--pubkey")
            .arg(&key_file)
            .output()
            .unwrap()
    };
    let out = verify(&archive);
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{report}{}", String::from_utf8_lossy(&out.stderr));
    assert!(report.contains("bundle verified") && report.contains("ok   signature"), "{report}");
    assert_eq!(listing(out_dir.path()), ["bundle.tar", "export.pub"]);
    assert!(!out_dir.path().join("data").exists() && !out_dir.path().join("config").exists());

    // Without the separately obtained key, the key inside the bundle is not trusted
    // silently: the origin is said to be unverified, and the exit status says so too.
    let out = installed(out_dir.path()).args(["bundle", "verify", "bundle.tar"]).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(2), "{report}");
    assert!(report.contains("ORIGIN IS NOT VERIFIED") && !report.contains("bundle verified"), "{report}");
    assert!(report.contains("proves nothing"), "{report}");

    // One changed byte inside a file of the bag: the verifier says so and exits 1.
    let mut bytes = std::fs::read(&archive).unwrap();
    let at = bytes.windows(13).position(|w| w == b"BagIt-Version").unwrap();
    bytes[at] = b'b';
    let tampered = out_dir.path().join("tampered.tar");
    std::fs::write(&tampered, bytes).unwrap();
    let out = verify(&tampered);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL"));
}

/// Installed as a package would be: no `config/` folder where it runs. It starts on the
/// built-in defaults and says where its data is, as absolute paths.
#[test]
fn the_binary_runs_outside_the_checkout_and_states_where_its_data_is() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let out = installed(dir.path()).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("data/custodia.db").is_file());
    let out = installed(dir.path()).args(["--config", "missing.toml", "migrate"]).output().unwrap();
    assert!(!out.status.success(), "a named settings file must exist");

    let mut child = installed(dir.path())
        .arg("serve")
        .env("CUSTODIA__SERVER__PORT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = String::new();
    for line in std::io::BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        said.push_str(&line);
        said.push('\n');
        if line.contains("(when the keyring uses one)") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let data = dir.path().canonicalize().unwrap().join("data");
    assert!(said.contains("Settings: built-in defaults\n"), "{said}");
    assert!(said.contains(&format!("database SQLite {}", data.join("custodia.db").display())), "{said}");
    assert!(said.contains(&format!("attachments {}", data.join("blobs").display())), "{said}");
}

/// Following the README leaves nothing untracked in the checkout: every file its
/// commands write (`> FILE`, `--out FILE`) is outside the repository or ignored by git,
/// and so is what `serve` and `demo` create.
#[test]
fn the_readme_writes_nothing_git_would_pick_up() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let mut written =
        vec!["data/custodia.db".to_owned(), "data/root.key".to_owned(), "data/blobs/x".to_owned()];
    let mut inside = false;
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        for pair in words.windows(2).filter(|_| inside) {
            if pair[0] == ">" || pair[0] == "--out" {
                written.push(pair[1].to_owned());
            }
        }
    }
    assert!(written.len() > 3, "the README's bundle example writes files: {written:?}");
    for path in written.iter().filter(|p| !p.starts_with("/tmp/")) {
        assert!(!path.starts_with('/'), "{path} is outside /tmp and the checkout");
        let Ok(out) = Command::new("git")
            .args(["check-ignore", "-q", "--no-index"])
            .arg(path)
            .current_dir(root)
            .output()
        else {
            return; // no git here: nothing to compare with
        };
        assert!(out.status.success(), "the README writes {path}, which git does not ignore");
    }
}

/// `search reindex` says what it builds, prints its progress batch by batch when its
/// output is not a terminal, and, run again after a stop, says that it resumes.
#[tokio::test]
async fn search_reindex_prints_progress_and_resumes_a_stopped_build() {
    let app = spawn_app().await;
    let (_, doc) = app.user_with_token(custodia::domain::Role::Documenter).await;
    sealed_testimony_in_new_case(&app, &doc).await;
    let out = custodia(&app.db).args(["search", "reindex"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    for line in
        ["building index 2 beside the one in use", "records (", "switched to index 2: 1 testimony versions"]
    {
        assert!(said.contains(line), "{line:?} in {said}");
    }
    // Stopped after its start: run again with --new-key, it resumes the same keys.
    let now = app.state.context().clock().now_naive();
    app.state.context().write_plain(move |c| custodia::search::reindex::begin(c, false, now)).await.unwrap();
    let out = custodia(&app.db).args(["search", "reindex", "--new-key"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("resuming build 3 (same key generation 1) after 0 records"), "{said}");
    assert!(said.contains("run again with --new-key"), "{said}");
    assert!(said.contains("switched to index 3"), "{said}");
}
