//! Evidence bundles as a recipient checks them: a lawyer exports a case whose witnesses
//! gave different consents; LoC's `bagit` validates the bag, `minisign -V` accepts the
//! signature, `age -d` opens the encrypted form, our verifier passes it and fails on
//! every kind of tampering, and no withheld name or account appears in any byte.
//!
//! The external tools are installed by `.ci/run`; elsewhere a missing tool skips its
//! check with a note, unless CUSTODIA_REQUIRE_TOOLS is set (as CI does).

use std::path::{Path, PathBuf};
use std::process::Command;

use custodia::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures::{Zhodino, zhodino};
use crate::helpers::*;

fn tool(name: &str, probe: &[&str]) -> bool {
    let found = Command::new(name).args(probe).output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CUSTODIA_REQUIRE_TOOLS").is_none(),
            "{name} is required (CUSTODIA_REQUIRE_TOOLS)"
        );
        eprintln!("note: {name} not installed; its check is skipped (.ci/run installs it)");
    }
    found
}

/// The lawyer's export, once built: its view.
async fn export(w: &Zhodino, request: BundleRequest) -> Value {
    w.app.export(&w.lawyer, &w.case, request).await
}

async fn download(w: &Zhodino, id: &str) -> Vec<u8> {
    let res = w.app.get(&format!("/api/v1/cases/{}/bundles/{id}/download", w.case), &w.lawyer).await;
    assert_eq!(res.status(), 200);
    res.bytes().await.unwrap().to_vec()
}

fn extract(tar_bytes: &[u8], into: &Path) -> PathBuf {
    let mut archive = tar::Archive::new(tar_bytes);
    archive.unpack(into).unwrap();
    let bag = std::fs::read_dir(into).unwrap().next().unwrap().unwrap().path();
    assert!(bag.file_name().unwrap().to_str().unwrap().starts_with("custodia-bundle-"));
    bag
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn verify(path: &Path, key: &str) -> custodia::export::verify::Report {
    custodia::export::verify::verify_path(path, Some(key)).unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_case_exported_for_prosecutors_validates_everywhere_and_withholds_what_consent_does_not_cover() {
    let w = zhodino().await;
    let key_res = w.app.get("/api/v1/bundles/public-key", &w.lawyer).await;
    assert_eq!(key_res.status(), 200);
    let public_key = key_res.text().await.unwrap();
    assert!(public_key.starts_with("untrusted comment: minisign public key "));

    let view = export(&w, BundleRequest::to("prosecutors")).await;
    assert_eq!(view["progress"], 100);
    let tar_bytes = download(&w, view["id"].as_str().unwrap()).await;
    assert_eq!(tar_bytes.len() as u64, view["size"].as_u64().unwrap());
    assert_eq!(sha256_hex(&tar_bytes), view["archive_sha256"].as_str().unwrap());

    // No withheld name, contact, account or canary in any byte of the bag.
    for needle in [
        format!("Канарейкина{}", w.tag),
        format!("contact-canary-{}", w.tag),
        format!("un-only-canary-{}", w.tag),
        format!("withdrawn-canary-{}", w.tag),
        "Третий Свидетель".to_owned(),
        "Четвёртый Свидетель".to_owned(),
    ] {
        assert!(!contains(&tar_bytes, &needle), "{needle} leaked into the bundle");
    }
    assert!(contains(&tar_bytes, &format!("Named Witness{}", w.tag)), "a consenting witness is named");
    assert!(contains(&tar_bytes, "Начальник Смены"), "perpetrators are named");

    let dir = tempfile::tempdir().unwrap();
    let bag = extract(&tar_bytes, dir.path());
    let tar_path = dir.path().join("bundle.tar");
    std::fs::write(&tar_path, &tar_bytes).unwrap();
    for path in [&bag, &tar_path] {
        let report = verify(path, &public_key);
        assert!(report.ok(), "{}", report.render());
    }

    // What the recipient reads.
    let redactions: Value =
        serde_json::from_slice(&std::fs::read(bag.join("data/redactions.json")).unwrap()).unwrap();
    let withheld: Vec<(String, String)> = redactions["withheld_testimonies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["witness"].as_str().unwrap().to_owned(), t["reason"].as_str().unwrap().to_owned()))
        .collect();
    assert!(withheld.contains(&("W-0003".into(), "consent_does_not_cover_recipient".into())), "{withheld:?}");
    assert!(withheld.contains(&("W-0004".into(), "consent_withdrawn".into())), "{withheld:?}");
    let hidden_dir = std::fs::read_dir(bag.join("data/testimonies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with("W-0001"))
        .expect("W-0001's account is exported");
    let t: Value =
        serde_json::from_slice(&std::fs::read(hidden_dir.join("testimony.json")).unwrap()).unwrap();
    assert_eq!(t["witness"]["identity_withheld"], true);
    let account = t["versions"][0]["account"].as_str().unwrap();
    assert!(account.starts_with("Меня зовут [W-0001]."), "{account}");
    assert!(
        account.contains("«[W-0001], к стене!»"),
        "unmarked mentions of a withheld name go too: {account}"
    );
    let attachment = &t["versions"][0]["attachments"][0];
    assert!(attachment["original_filename"].is_null());
    let file = std::fs::read(bag.join(attachment["file"].as_str().unwrap())).unwrap();
    assert_eq!(file.len(), 300_000);
    let units: Value = serde_json::from_slice(&std::fs::read(bag.join("data/units.json")).unwrap()).unwrap();
    assert_eq!(units.as_array().unwrap().len(), 2, "the unit and the chain of command above it");
    assert!(bag.join("data/custody/checkpoint.txt").exists());

    // Standard tools, as a recipient would use them.
    if tool("python3", &["-c", "import bagit"]) {
        let out = Command::new("python3")
            .args(["-c", "import bagit,sys; b=bagit.Bag(sys.argv[1]); b.validate(); print(b.info['External-Identifier'])"])
            .arg(&bag)
            .output()
            .unwrap();
        assert!(out.status.success(), "bagit: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("BY-2021-0007/"));
    }
    if tool("minisign", &["-v"]) {
        let key_line = public_key.lines().nth(1).unwrap();
        let out = Command::new("minisign")
            .args(["-V", "-P", key_line, "-m"])
            .arg(bag.join("tagmanifest-sha256.txt"))
            .output()
            .unwrap();
        assert!(out.status.success(), "minisign: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains(view["id"].as_str().unwrap()));
    }

    // Tampering of every kind fails the verifier.
    let tamper = |name: &str, change: &dyn Fn(&Path)| {
        let copy = dir.path().join(name);
        copy_dir(&bag, &copy);
        change(&copy);
        let report = verify(&copy, &public_key);
        assert!(!report.ok(), "{name} went unnoticed");
    };
    let attachment_path = attachment["file"].as_str().unwrap().to_owned();
    tamper("changed-byte", &|b| {
        let p = b.join(&attachment_path);
        let mut bytes = std::fs::read(&p).unwrap();
        bytes[1000] ^= 1;
        std::fs::write(p, bytes).unwrap();
    });
    tamper("added-file", &|b| std::fs::write(b.join("data/extra.txt"), "added").unwrap());
    tamper("removed-file", &|b| std::fs::remove_file(b.join("data/links.json")).unwrap());
    tamper("swapped-signature", &|b| {
        let minisign::KeyPair { pk, sk } = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let data = std::fs::read(b.join("tagmanifest-sha256.txt")).unwrap();
        let sig = minisign::sign(Some(&pk), &sk, &data[..], Some("forged"), None).unwrap();
        std::fs::write(b.join("tagmanifest-sha256.txt.minisig"), sig.into_string()).unwrap();
    });
    tamper("rewritten-manifest", &|b| {
        let p = b.join("data/export.json");
        std::fs::write(&p, "{}").unwrap();
        let manifest = std::fs::read_to_string(b.join("manifest-sha256.txt")).unwrap();
        let fixed: String = manifest
            .lines()
            .map(|l| {
                if l.ends_with("data/export.json") {
                    format!("{}  data/export.json\n", sha256_hex(b"{}"))
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        std::fs::write(b.join("manifest-sha256.txt"), fixed).unwrap();
    });

    // At rest the stored bundle, the database and its WAL hold none of it in plaintext.
    for path in files_under(w.app.db.dir.path()) {
        let bytes = std::fs::read(&path).unwrap();
        for needle in
            [format!("Канарейкина{}", w.tag), format!("Named Witness{}", w.tag), "Начальник Смены".to_owned()]
        {
            assert!(!contains(&bytes, &needle), "{needle} at rest in {}", path.display());
        }
    }
    for (id, bytes) in w.app.stored_blobs() {
        for needle in [format!("Канарейкина{}", w.tag), format!("Named Witness{}", w.tag)] {
            assert!(!contains(&bytes, &needle), "{needle} at rest in blob {id}");
        }
    }

    // A client that goes away mid-download leaves the bundle downloadable.
    let url =
        w.app.url(&format!("/api/v1/cases/{}/bundles/{}/download", w.case, view["id"].as_str().unwrap()));
    let mut res = w.app.client.get(&url).bearer_auth(&w.lawyer).send().await.unwrap();
    assert!(res.chunk().await.unwrap().is_some());
    drop(res);
    assert_eq!(sha256_hex(&download(&w, view["id"].as_str().unwrap()).await), sha256_hex(&tar_bytes));

    // Once delivered, the stored archive and its key are destroyed; the record stays.
    let bundle_path = format!("/api/v1/cases/{}/bundles/{}", w.case, view["id"].as_str().unwrap());
    let stored: Vec<_> = custodia_blobs(&w);
    let res = w.app.call(Method::DELETE, &bundle_path, Some(&w.lawyer), None).await;
    assert_eq!(res.status(), 204);
    let after: Vec<_> = custodia_blobs(&w);
    assert_eq!(after.len() + 1, stored.len(), "the archive's file is gone");
    let v: Value = w.app.get(&bundle_path, &w.lawyer).await.json().await.unwrap();
    assert_eq!(v["status"], "deleted");
    assert_problem(w.app.get(&format!("{bundle_path}/download"), &w.lawyer).await, 409, "conflict").await;
    let res = w.app.call(Method::DELETE, &bundle_path, Some(&w.outsider), None).await;
    assert_problem(res, 404, "not_found").await;

    // Every step is in the audit log, the export with the manifest's digest.
    let actions = w.app.audit_actions().await;
    for a in [
        "bundle.request",
        "bundle.collect",
        "testimony.export",
        "bundle.export",
        "bundle.download",
        "bundle.delete",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} missing from {actions:?}");
    }
    let manifest = std::fs::read(bag.join("manifest-sha256.txt")).unwrap();
    assert_eq!(sha256_hex(&manifest), view["manifest_sha256"].as_str().unwrap());
}

#[tokio::test]
async fn an_age_encrypted_bundle_opens_with_the_recipients_key_only() {
    let w = zhodino().await;
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let request =
        BundleRequest::to("prosecutors").encrypted_to(&recipient).selection(json!({"perpetrators": []}));
    let view = export(&w, request).await;
    assert_eq!(view["encrypted_to_recipient"], true);
    let sealed = download(&w, view["id"].as_str().unwrap()).await;
    assert!(sealed.starts_with(b"age-encryption.org/v1\n"));
    assert!(!contains(&sealed, "bagit.txt"));
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key.txt");
    let secret = {
        use age::secrecy::ExposeSecret;
        identity.to_string().expose_secret().to_owned()
    };
    std::fs::write(&key_file, format!("{secret}\n")).unwrap();
    let sealed_path = dir.path().join("bundle.tar.age");
    std::fs::write(&sealed_path, &sealed).unwrap();
    let tar_bytes = if tool("age", &["--version"]) {
        let out = Command::new("age").args(["-d", "-i"]).arg(&key_file).arg(&sealed_path).output().unwrap();
        assert!(out.status.success(), "age: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    } else {
        age::decrypt(&identity, &sealed).unwrap()
    };
    let wrong = age::x25519::Identity::generate();
    assert!(age::decrypt(&wrong, &sealed).is_err());
    let tar_path = dir.path().join("bundle.tar");
    std::fs::write(&tar_path, &tar_bytes).unwrap();
    let key = w.app.get("/api/v1/bundles/public-key", &w.lawyer).await.text().await.unwrap();
    let report = verify(&tar_path, &key);
    assert!(report.ok(), "{}", report.render());
}

#[tokio::test]
async fn bad_export_requests_are_refused_and_leave_nothing_behind() {
    let w = zhodino().await;
    let path = format!("/api/v1/cases/{}/bundles", w.case);
    let ok = json!({"recipient": "prosecutors", "password": PASSWORD});
    // Not a member: the case does not exist for them.
    assert_problem(w.app.post(&path, &w.outsider, ok.clone()).await, 404, "not_found").await;
    // A documenter may not export (lead of this case, though: leads may).
    let (_, investigator) = w.app.user_with_token(Role::Investigator).await;
    assert_problem(w.app.post(&path, &investigator, ok.clone()).await, 404, "not_found").await;
    let res = w.app.post(&path, &w.lawyer, json!({"recipient": "journalists", "password": PASSWORD})).await;
    assert!(res.status().is_client_error(), "unknown recipient category");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = w
        .app
        .post(
            &path,
            &w.lawyer,
            json!({"recipient": "prosecutors", "password": PASSWORD, "age_recipient": "age1nope"}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_error").await;
    assert_eq!(body["errors"][0]["code"], "invalid_age_recipient");
    let res = w
        .app
        .post(
            &path,
            &w.lawyer,
            json!({"recipient": "prosecutors", "password": PASSWORD,
            "selection": {"testimonies": [w.other_case_testimony]}}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_error").await;
    assert_eq!(body["errors"][0]["code"], "not_in_case");
    let res = w
        .app
        .post(&path, &w.lawyer, json!({"recipient": "prosecutors", "password": "wrong password!"}))
        .await;
    assert_problem(res, 401, "invalid_credentials").await;
    let res = w.app.post(&path, &w.lawyer, json!({"recipient": "prosecutors"})).await;
    assert!(res.status().is_client_error(), "re-authentication is required");
    // Nothing was queued by any of these.
    let list: Value = w.app.get(&path, &w.lawyer).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    // A download of a bundle that does not exist, or of another case's.
    let res = w.app.get(&format!("{path}/{}/download", uuid::Uuid::new_v4()), &w.lawyer).await;
    assert_problem(res, 404, "not_found").await;
    // The case lead (the documenter who opened it) may export.
    let res = w.app.post(&path, &w.documenter, ok).await;
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
}

#[tokio::test]
async fn a_bundle_larger_than_the_free_space_is_refused_and_nothing_is_queued() {
    // Keep more free than any disk has: the export cannot fit.
    // About the folder's disk: a bucket has no free space to run out of.
    let app = spawn_app_with(|s| {
        pin_folder(s);
        s.storage.reserve_free_bytes = u64::MAX / 4
    })
    .await;
    let (lawyer_id, lawyer) = app.user_with_token(Role::Lawyer).await;
    let case_id = app.create_case(&app.admin, NewCase::new("X-1", "x")).await.id;
    app.add_member(&case_id, lawyer_id).await;
    let path = format!("/api/v1/cases/{case_id}/bundles");
    let res = app.post(&path, &lawyer, BundleRequest::to("prosecutors").json()).await;
    assert_problem(res, 507, "insufficient_storage").await;
    let list: Value = app.get(&path, &lawyer).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let blobs = app.db.dir.path().join("blobs");
    let files: Vec<_> = files_under(&blobs);
    assert!(files.is_empty(), "no partial bundle: {files:?}");
}

#[tokio::test]
async fn an_enrolled_second_factor_must_be_presented_again_to_export() {
    let w = zhodino().await;
    let enrol: Value = w
        .app
        .call(Method::POST, "/api/v1/auth/totp/enrol", Some(&w.lawyer), None)
        .await
        .json()
        .await
        .unwrap();
    let secret =
        totp_rs::Secret::Encoded(enrol["secret_base32"].as_str().unwrap().to_owned()).to_bytes().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let code = custodia::auth::totp::code_at(&secret, now).unwrap();
    let res = w.app.post("/api/v1/auth/totp/confirm", &w.lawyer, json!({"code": code})).await;
    assert_eq!(res.status(), 204);
    let path = format!("/api/v1/cases/{}/bundles", w.case);
    let res = w.app.post(&path, &w.lawyer, BundleRequest::to("prosecutors").json()).await;
    assert_problem(res, 401, "totp_required").await;
    // The code already used to confirm enrolment is refused: it must be fresh.
    let res = w.app.post(&path, &w.lawyer, BundleRequest::to("prosecutors").totp(&code).json()).await;
    assert_problem(res, 401, "totp_invalid").await;
    let next = custodia::auth::totp::code_at(&secret, now + 30).unwrap();
    w.app.request_bundle(&w.lawyer, &w.case, BundleRequest::to("prosecutors").totp(&next)).await;
}

fn custodia_blobs(w: &Zhodino) -> Vec<uuid::Uuid> {
    w.app.stored_blobs().into_iter().map(|(id, _)| id).collect()
}

/// The commands of docs/evidence-bundles.md's marked blocks (```` ```sh recipient ````),
/// in order: what a recipient is told to type.
fn documented_commands(tag: &str) -> Vec<String> {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/evidence-bundles.md")).unwrap();
    let mut commands = Vec::new();
    let mut inside = false;
    for line in doc.lines().map(str::trim) {
        if inside && line.starts_with("```") {
            inside = false;
        } else if inside {
            commands.push(line.to_owned());
        } else if line == format!("```sh {tag}") {
            inside = true;
        }
    }
    assert!(!commands.is_empty(), "no ```sh {tag} block in docs/evidence-bundles.md");
    commands
}

/// The commands the bundle page shows, as text.
fn shown_commands(html: &str) -> Vec<String> {
    html.split("<pre><code>")
        .skip(1)
        .filter_map(|rest| rest.split("</code></pre>").next())
        .map(|c| c.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&"))
        .collect()
}

async fn download_named(w: &Zhodino, id: &str) -> (String, Vec<u8>) {
    let res = w.app.get(&format!("/api/v1/cases/{}/bundles/{id}/download", w.case), &w.lawyer).await;
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
    let name = disposition.split("filename=\"").nth(1).unwrap().trim_end_matches('"').to_owned();
    (name, res.bytes().await.unwrap().to_vec())
}

/// Runs commands as a recipient would: in `dir`, with the built `custodia` on PATH and
/// no Custodia configuration or environment of any kind.
fn run_as_recipient(dir: &Path, commands: &[String]) -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_custodia")).parent().unwrap().to_owned();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = Command::new("sh");
    cmd.arg("-ec").arg(commands.join("\n")).current_dir(dir).env("PATH", path);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("CUSTODIA")) {
        cmd.env_remove(k);
    }
    let out = cmd.output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{commands:#?}\n{text}");
    text
}

#[tokio::test]
async fn the_recipients_documented_commands_run_as_written_in_an_empty_folder() {
    let tools = [
        ("minisign", &["-v"][..]),
        ("bagit.py", &["--version"][..]),
        ("sha256sum", &["--version"][..]),
        ("tar", &["--version"][..]),
        ("age", &["--version"][..]),
    ];
    if !tools.iter().all(|(name, probe)| tool(name, probe)) {
        return;
    }
    let w = zhodino().await;
    let key = w.app.get("/api/v1/bundles/public-key", &w.lawyer).await.text().await.unwrap();
    let identity = age::x25519::Identity::generate();
    let (lawyer_id, browser) = w.app.web_user(Role::Lawyer).await;
    w.app.add_member(&w.case, lawyer_id).await;
    for encrypted in [false, true] {
        let mut request = BundleRequest::to("prosecutors");
        if encrypted {
            request = request.encrypted_to(&identity.to_public().to_string());
        }
        let view = export(&w, request).await;
        let id = view["id"].as_str().unwrap();
        let (name, bytes) = download_named(&w, id).await;
        assert!(name.starts_with("custodia-bundle-"), "{name}");

        // The folder holds what the recipient was given: the bundle as downloaded, the
        // key obtained separately saved as export.pub, and their own age key.
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join(&name), &bytes).unwrap();
        std::fs::write(folder.path().join("export.pub"), &key).unwrap();
        let mut commands = Vec::new();
        if encrypted {
            use age::secrecy::ExposeSecret;
            let secret = identity.to_string().expose_secret().to_owned();
            std::fs::write(folder.path().join("my-age-key.txt"), format!("{secret}\n")).unwrap();
            commands.extend(documented_commands("recipient-age"));
        }
        commands.extend(documented_commands("recipient"));

        // The page the lawyer passes on shows the same commands.
        let page = w.app.page(&browser, &format!("/cases/{}/bundles/{id}", w.case)).await;
        assert_eq!(shown_commands(&page), commands, "the page and the guide agree");
        assert!(page.contains("id=\"verify-key-channel\""), "the page says how the key travels");

        let out = run_as_recipient(folder.path(), &commands);
        assert!(out.contains("Signature and comment signature verified"), "{out}");
        assert!(out.contains("manifest-sha256.txt: OK") && !out.contains("FAILED"), "{out}");
        assert!(out.contains("bundle verified"), "{out}");
        assert!(!folder.path().join("data").exists(), "the verifier wrote nothing where it ran");
        assert!(!folder.path().join("config").exists());
    }
}

#[tokio::test]
async fn bundles_keep_cyrillic_readable_and_leave_empty_fields_out_of_the_text() {
    let w = zhodino().await;
    let view = export(&w, BundleRequest::to("prosecutors")).await;
    let tar_bytes = download(&w, view["id"].as_str().unwrap()).await;
    let dir = tempfile::tempdir().unwrap();
    let bag = extract(&tar_bytes, dir.path());
    let mut json_files = 0;
    for path in files_under(&bag).into_iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("\\u04"), "{} escapes Cyrillic:\n{text}", path.display());
        json_files += 1;
    }
    assert!(json_files > 5);
    let named = std::fs::read_dir(bag.join("data/testimonies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with("W-0002"))
        .unwrap();
    let json_text = std::fs::read_to_string(named.join("testimony.json")).unwrap();
    assert!(json_text.contains("Нас держали в камере"), "{json_text}");
    let text = std::fs::read_to_string(named.join("testimony.txt")).unwrap();
    assert!(text.contains("Нас держали в камере") && text.contains("Languages: ru"), "{text}");
    // These accounts were recorded with no interviewer, interpreter, place or summary.
    for empty in ["Interviewer", "Interpreter", "Interview place", "Summary"] {
        assert!(!text.contains(empty), "{empty} printed empty:\n{text}");
    }
    assert!(!text.lines().any(|l| l.trim_end().ends_with(':') || l.contains("()")), "{text}");
}

#[tokio::test]
async fn when_consent_lets_no_account_go_neither_preview_nor_bundle_carries_incidents() {
    let w = zhodino().await;
    let (lawyer_id, browser) = w.app.web_user(Role::Lawyer).await;
    w.app.add_member(&w.case, lawyer_id).await;
    // No witness of this case agreed to the media.
    let res = w
        .app
        .web_post(
            &browser,
            &format!("/cases/{}/export/preview", w.case),
            &[("recipient", "media"), ("scope", "all")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"preview-nothing\""), "{html}");
    assert!(!html.contains("perpetrators are included"), "{html}");
    // The preview for prosecutors still counts them.
    let res = w
        .app
        .web_post(
            &browser,
            &format!("/cases/{}/export/preview", w.case),
            &[("recipient", "prosecutors"), ("scope", "all")],
        )
        .await;
    let html = res.text().await.unwrap();
    assert!(!html.contains("id=\"preview-nothing\"") && html.contains("perpetrators"), "{html}");

    // And the bundle matches its preview.
    let view = export(&w, BundleRequest::to("media")).await;
    let tar_bytes = download(&w, view["id"].as_str().unwrap()).await;
    assert!(!contains(&tar_bytes, "Начальник Смены"), "no perpetrator goes");
    let dir = tempfile::tempdir().unwrap();
    let bag = extract(&tar_bytes, dir.path());
    for file in ["incidents.json", "perpetrators.json", "units.json"] {
        let v: Value = serde_json::from_slice(&std::fs::read(bag.join("data").join(file)).unwrap()).unwrap();
        assert_eq!(v, json!([]), "{file}");
    }
    let redactions: Value =
        serde_json::from_slice(&std::fs::read(bag.join("data/redactions.json")).unwrap()).unwrap();
    assert_eq!(redactions["withheld_testimonies"].as_array().unwrap().len(), 4);
}

/// A bundle whose stored archive was damaged is refused before any byte is sent, and the
/// log holds the integrity failure, not a download that never happened.
#[tokio::test]
async fn a_damaged_bundle_is_refused_before_its_first_byte_and_no_download_is_recorded() {
    let w = zhodino().await;
    let before = custodia_blobs(&w);
    let view = export(&w, BundleRequest::to("prosecutors")).await;
    let id = view["id"].as_str().unwrap().to_owned();
    let archive: Vec<_> = custodia_blobs(&w).into_iter().filter(|p| !before.contains(p)).collect();
    assert_eq!(archive.len(), 1, "{archive:?}");
    w.app.tamper_blob(archive[0], |bytes| bytes[custodia::crypto::STREAM_HEADER_LEN + 10] ^= 0x01);

    let res = w.app.get(&format!("/api/v1/cases/{}/bundles/{id}/download", w.case), &w.lawyer).await;
    assert_problem(res, 500, "integrity_error").await;
    let actions = w.app.audit_actions().await;
    assert!(actions.iter().any(|a| a == "integrity_error"), "{actions:?}");
    assert!(!actions.iter().any(|a| a == "bundle.download"), "{actions:?}");
}
