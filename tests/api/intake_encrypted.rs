//! ODK encrypted forms end to end: a form published encrypted carries the case's public
//! key; a submission encrypted as a phone encrypts it (tests/client/odk_encrypt.py,
//! Python's `cryptography` from the spec) and sent by the OpenRosa client
//! (tests/client/openrosa.py) in two POSTs is decrypted on arrival, its content readable
//! through the service and nowhere at rest; a key that does not unwrap, a tampered file
//! and a tampered signature are refused with nothing kept.

use std::path::{Path, PathBuf};
use std::process::Command;

use diesel::prelude::*;
use md5::Digest as _;

use crate::canary::assert_absent;
use crate::helpers::*;
use crate::intake::{Field, stored, xform};
use custodia::cases::sealed::Sealer;
use custodia::intake::receive::{Content, FileMeta};
use custodia::store::schema::{intake_files, intake_submissions};

const FORM: &str = "intake";
const VERSION: &str = "2026120501";

/// The base64 public key of the form as a phone downloads it.
async fn published_key(field: &Field) -> String {
    let form = expect(field.publish(&xform(FORM, VERSION), true).await, 201, "publish encrypted").await;
    assert_eq!(form["encrypted"], true, "{form}");
    let list = field.client(&["formlist"]);
    let url = list["forms"][0]["downloadUrl"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("form.xml");
    let got = field.client(&["download", &url, out.to_str().unwrap()]);
    assert_eq!(got["status"], 200, "{got}");
    let text = std::fs::read_to_string(out).unwrap();
    let start = text.find("base64RsaPublicKey=\"").expect("the form carries the key") + 20;
    let end = start + text[start..].find('"').unwrap();
    text[start..end].to_owned()
}

/// An encrypted submission in `dir`: (manifest, [media .enc], xml .enc).
fn encrypt(
    dir: &Path,
    key: &str,
    instance_id: &str,
    xml: &str,
    media: &[(&str, &[u8])],
) -> (PathBuf, Vec<PathBuf>, PathBuf) {
    let plain = dir.join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    let xml_path = plain.join("submission.xml");
    std::fs::write(&xml_path, xml).unwrap();
    let mut args = vec![key.to_owned(), FORM.into(), VERSION.into(), instance_id.into()];
    args.push(xml_path.to_str().unwrap().into());
    let out = dir.join("out");
    args.push(out.to_str().unwrap().into());
    for (name, bytes) in media {
        let p = plain.join(name);
        std::fs::write(&p, bytes).unwrap();
        args.push(p.to_str().unwrap().into());
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client/odk_encrypt.py");
    let run = Command::new("python3").arg(script).args(&args).output().expect("python3 runs");
    assert!(run.status.success(), "odk_encrypt.py: {}", String::from_utf8_lossy(&run.stderr));
    let media = media.iter().map(|(n, _)| out.join(format!("{n}.enc"))).collect();
    (out.join("submission.xml"), media, out.join("submission.xml.enc"))
}

fn submit(field: &Field, manifest: &Path, files: &[&Path], split: Option<usize>) -> Vec<serde_json::Value> {
    let mut args: Vec<String> = vec!["submit".into(), manifest.to_str().unwrap().into()];
    args.extend(files.iter().map(|p| p.to_str().unwrap().to_owned()));
    if let Some(n) = split {
        args.extend(["--split".into(), n.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    field.client(&args)["posts"].as_array().unwrap().clone()
}

fn instance(instance_id: &str, account: &str) -> String {
    crate::intake::instance(FORM, VERSION, instance_id, account)
}

/// The case's submissions' sealed content and files' metadata, opened as the service
/// opens them.
async fn opened(field: &Field) -> Vec<(Content, Vec<FileMeta>)> {
    let case = field.case.as_str().to_owned();
    field
        .app
        .state
        .context()
        .write(move |c, k| {
            let subs: Vec<(String, Option<Vec<u8>>)> = intake_submissions::table
                .filter(intake_submissions::case_id.eq(&case))
                .select((intake_submissions::id, intake_submissions::content))
                .load(c)?;
            let mut out = Vec::new();
            for (id, content) in subs {
                let content: Content =
                    Sealer::open(c, k, "intake_submissions", &id)?.unseal("content", &content.unwrap())?;
                let rows: Vec<(String, Vec<u8>)> = intake_files::table
                    .filter(intake_files::submission_id.eq(&id))
                    .select((intake_files::id, intake_files::meta))
                    .load(c)?;
                let mut metas = Vec::new();
                for (file, meta) in rows {
                    metas.push(Sealer::open(c, k, "intake_files", &file)?.unseal::<FileMeta>("meta", &meta)?);
                }
                metas.sort_by(|a, b| a.name.cmp(&b.name));
                out.push((content, metas));
            }
            Ok(out)
        })
        .await
        .unwrap()
}

/// On PostgreSQL, the intake tables' rows as text (SQLite's file and WAL are searched
/// byte by byte with the rest of what is at rest).
async fn intake_rows(app: &TestApp) -> String {
    app.state
        .context()
        .read(|c| {
            let mut lines = Vec::new();
            for table in ["intake_submissions", "intake_files", "intake_keys", "intake_forms", "audit_log"] {
                let sql = match c {
                    #[cfg(feature = "postgres")]
                    custodia::store::DbConnection::Postgres(_) => {
                        format!("SELECT CAST(row_to_json(t) AS TEXT) AS line FROM {table} t")
                    }
                    #[allow(unreachable_patterns)]
                    _ => continue,
                };
                lines.extend(diesel::sql_query(sql).load::<Line>(c)?.into_iter().map(|r| r.line));
            }
            Ok(lines.join("\n"))
        })
        .await
        .unwrap()
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

#[tokio::test]
async fn an_encrypted_submission_in_two_posts_is_decrypted_on_arrival_and_kept_only_encrypted() {
    let field = Field::new().await;
    let key = published_key(&field).await;
    assert!(field.app.audit_actions().await.iter().any(|a| a == "intake.key_create"));

    let tag = uuid::Uuid::new_v4().simple().to_string();
    let canary = |what: &str| format!("CANARY{tag}{what} Алина Канарейкина");
    let canaries: Vec<String> = ["account", "photo", "voice"].iter().map(|w| canary(w)).collect();
    let photo = canary("photo").repeat(2000).into_bytes();
    let voice = canary("voice").into_bytes();
    let iid = format!("uuid:{}", uuid::Uuid::new_v4());
    let xml = instance(&iid, &canary("account"));
    let dir = tempfile::tempdir().unwrap();
    let (manifest, media, xml_enc) =
        encrypt(dir.path(), &key, &iid, &xml, &[("photo.jpg", &photo), ("voice.m4a", &voice)]);

    // The photo in the first POST; the recording and the encrypted XML in the second.
    let posts = submit(&field, &manifest, &[&media[0], &media[1], &xml_enc], Some(1));
    assert_eq!(posts.len(), 2, "{posts:?}");
    for p in &posts {
        assert_eq!(p["status"], 201, "{posts:?}");
    }
    assert_eq!(stored(&field.app, &field.case).await, (1, 2, vec!["pending".to_owned()]));

    // Readable through the service: the document decrypted, the files' content hashes
    // those of the plain files (the received ones those of the ciphertext).
    let opened = opened(&field).await;
    let (content, files) = &opened[0];
    assert_eq!(content.document, xml);
    assert_eq!(content.form, Some((FORM.to_owned(), VERSION.to_owned())));
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["photo.jpg.enc", "voice.m4a.enc"]);
    for (meta, (plain, enc)) in files.iter().zip([(&photo, &media[0]), (&voice, &media[1])]) {
        assert_eq!(meta.sha256, hex::encode(sha2::Sha256::digest(plain)), "{}", meta.name);
        assert_eq!(meta.md5, hex::encode(md5::Md5::digest(plain)), "{}", meta.name);
        let enc = std::fs::read(enc).unwrap();
        assert_eq!(meta.received_sha256, hex::encode(sha2::Sha256::digest(&enc)), "{}", meta.name);
    }
    let actions = field.app.audit_actions().await;
    assert!(actions.iter().filter(|a| *a == "intake.key_use").count() >= 2, "each POST unwraps: {actions:?}");

    // Sent again: a duplicate, nothing stored twice.
    let again = submit(&field, &manifest, &[&media[0], &media[1], &xml_enc], None);
    assert_eq!(again[0]["status"], 202, "{again:?}");
    assert_eq!(stored(&field.app, &field.case).await, (1, 2, vec!["pending".to_owned()]));

    // Nothing decrypted is at rest: not in the database, its WAL or the blob store.
    for (path, bytes) in field.app.bytes_at_rest() {
        assert_absent(&path.display().to_string(), &bytes, &canaries);
    }
    assert_absent("intake rows", intake_rows(&field.app).await.as_bytes(), &canaries);
    assert_absent("logs", &captured_logs(), &canaries);
}

/// Replaces the text of `element` in a manifest.
fn set(manifest: &Path, element: &str, value: &str) {
    let text = std::fs::read_to_string(manifest).unwrap();
    let (open, close) = (format!("<{element}>"), format!("</{element}>"));
    let start = text.find(&open).unwrap() + open.len();
    let end = text.find(&close).unwrap();
    std::fs::write(manifest, format!("{}{value}{}", &text[..start], &text[end..])).unwrap();
}

fn get(manifest: &Path, element: &str) -> String {
    let text = std::fs::read_to_string(manifest).unwrap();
    let (open, close) = (format!("<{element}>"), format!("</{element}>"));
    text[text.find(&open).unwrap() + open.len()..text.find(&close).unwrap()].to_owned()
}

#[tokio::test]
async fn a_key_that_does_not_unwrap_a_tampered_file_or_signature_is_refused_and_nothing_kept() {
    use base64::Engine;
    let field = Field::new().await;
    let key = published_key(&field).await;
    let photo = vec![42u8; 5000];
    let refused = |posts: &[serde_json::Value]| posts.last().is_some_and(|p| p["status"] == 400);

    // A wrapped key made for another key pair (here: random bytes of the right length).
    let iid = format!("uuid:{}", uuid::Uuid::new_v4());
    let dir = tempfile::tempdir().unwrap();
    let (manifest, media, xml_enc) =
        encrypt(dir.path(), &key, &iid, &instance(&iid, "a"), &[("photo.jpg", &photo)]);
    set(&manifest, "base64EncryptedKey", &base64::engine::general_purpose::STANDARD.encode([7u8; 256]));
    let posts = submit(&field, &manifest, &[&media[0], &xml_enc], None);
    assert!(refused(&posts), "{posts:?}");
    assert_eq!(stored(&field.app, &field.case).await, (0, 0, vec![]));

    // A file altered in transit (its padding intact): the signature no longer matches.
    let iid = format!("uuid:{}", uuid::Uuid::new_v4());
    let dir = tempfile::tempdir().unwrap();
    let (manifest, media, xml_enc) =
        encrypt(dir.path(), &key, &iid, &instance(&iid, "b"), &[("photo.jpg", &photo)]);
    let mut bytes = std::fs::read(&media[0]).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&media[0], &bytes).unwrap();
    let posts = submit(&field, &manifest, &[&media[0], &xml_enc], None);
    assert!(refused(&posts), "{posts:?}");
    assert_eq!(stored(&field.app, &field.case).await, (0, 0, vec![]));

    // A file cut short: it does not decrypt.
    let iid = format!("uuid:{}", uuid::Uuid::new_v4());
    let dir = tempfile::tempdir().unwrap();
    let (manifest, media, xml_enc) =
        encrypt(dir.path(), &key, &iid, &instance(&iid, "c"), &[("photo.jpg", &photo)]);
    let bytes = std::fs::read(&media[0]).unwrap();
    std::fs::write(&media[0], &bytes[..bytes.len() - 3]).unwrap();
    let posts = submit(&field, &manifest, &[&media[0], &xml_enc], None);
    assert!(refused(&posts), "{posts:?}");
    assert_eq!(stored(&field.app, &field.case).await, (0, 0, vec![]));

    // A signature from another submission (it decrypts, but signs other files).
    let iid = format!("uuid:{}", uuid::Uuid::new_v4());
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (manifest, media, xml_enc) =
        encrypt(d1.path(), &key, &iid, &instance(&iid, "d"), &[("photo.jpg", &photo)]);
    let (other, _, _) = encrypt(d2.path(), &key, &iid, &instance(&iid, "e"), &[("photo.jpg", &photo)]);
    set(&manifest, "base64EncryptedElementSignature", &get(&other, "base64EncryptedElementSignature"));
    let posts = submit(&field, &manifest, &[&media[0], &xml_enc], None);
    assert!(refused(&posts), "{posts:?}");
    assert_eq!(stored(&field.app, &field.case).await, (0, 0, vec![]));

    let actions = field.app.audit_actions().await;
    assert!(actions.iter().any(|a| a == "intake.refuse"), "{actions:?}");

    // And the untouched submission still goes through.
    let iid = format!("uuid:{}", uuid::Uuid::new_v4());
    let dir = tempfile::tempdir().unwrap();
    let (manifest, media, xml_enc) =
        encrypt(dir.path(), &key, &iid, &instance(&iid, "f"), &[("photo.jpg", &photo)]);
    let posts = submit(&field, &manifest, &[&media[0], &xml_enc], None);
    assert_eq!(posts[0]["status"], 201, "{posts:?}");
    assert_eq!(stored(&field.app, &field.case).await, (1, 1, vec!["pending".to_owned()]));
}
