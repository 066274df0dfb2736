//! Invariant 1: no sensitive plaintext anywhere at rest or in logs. Plants unique canary
//! strings in sealed records, an attachment, and in every HTTP surface that takes input
//! (bodies, query strings, paths, passwords), then searches every byte of the database
//! (file, WAL and, on PostgreSQL, every row), the attachment store, a backup and the log
//! output for the canary in UTF-8, UTF-16 (both byte orders), hex and base64.

use custodia::crypto::{FieldContext, open_field, seal_field};
use custodia::keys::store;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

fn forms(canary: &str) -> Vec<(String, Vec<u8>)> {
    use base64::Engine;
    let utf8 = canary.as_bytes().to_vec();
    let le: Vec<u8> = canary.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let be: Vec<u8> = canary.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    let mut forms = vec![
        ("utf-8".to_owned(), utf8.clone()),
        ("utf-16le".to_owned(), le),
        ("utf-16be".to_owned(), be),
        ("hex".to_owned(), hex::encode(&utf8).into_bytes()),
        ("HEX".to_owned(), hex::encode_upper(&utf8).into_bytes()),
    ];
    // base64 of the canary at each of the three alignments it could start at; the
    // middle of the encoding is stable whatever precedes it.
    for skip in 0..3 {
        for engine in [&base64::engine::general_purpose::STANDARD, &base64::engine::general_purpose::URL_SAFE]
        {
            let encoded = engine.encode(&utf8[skip..]);
            let stable = &encoded[4..encoded.len() - 4];
            forms.push((format!("base64+{skip}"), stable.as_bytes().to_vec()));
        }
    }
    forms
}

pub(crate) fn assert_absent(place: &str, bytes: &[u8], canaries: &[String]) {
    for canary in canaries {
        for (form, needle) in forms(canary) {
            if let Some(at) = bytes.windows(needle.len()).position(|w| w == needle.as_slice()) {
                let from = at.saturating_sub(300);
                let context = String::from_utf8_lossy(&bytes[from..(at + 100).min(bytes.len())]);
                panic!("canary ({form}) found in {place}: …{context}…");
            }
        }
    }
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

#[tokio::test]
async fn no_canary_reaches_the_database_attachments_backups_or_logs() {
    let app = spawn_app().await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let record = format!("CANARY{tag} Иван Петров бил меня дубинкой");
    let attachment = format!("CANARY{tag}-attachment медицинское заключение");
    let typed = format!("canary{tag}-typed");
    let canaries = vec![record.clone(), attachment.clone(), typed.clone()];

    // Sealed records and an attachment, written as the services write them.
    app.state
        .context()
        .read(|c| {
            diesel::sql_query("CREATE TABLE canary_records (id TEXT PRIMARY KEY, body BYTEA)").execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let keyring = app.state.keys.keyring().unwrap();
    let ids: Vec<String> = {
        let record = record.clone();
        app.state
            .context()
            .write_plain(move |c| {
                (0..3)
                    .map(|_| {
                        let id = uuid::Uuid::new_v4().to_string();
                        let dek = store::create_record_key(c, &keyring, "canary_records", &id)?;
                        let ctx = FieldContext::new("canary_records", &id, "body");
                        let blob = seal_field(&dek, keyring.primary_version(), &ctx, record.as_bytes())?;
                        diesel::sql_query("INSERT INTO canary_records (id, body) VALUES ($1, $2)")
                            .bind::<diesel::sql_types::Text, _>(&id)
                            .bind::<diesel::sql_types::Binary, _>(blob)
                            .execute(c)?;
                        Ok(id)
                    })
                    .collect()
            })
            .await
            .unwrap()
    };
    let dek = custodia::crypto::Dek::generate();
    let ctx = FieldContext::new("attachments", "canary", "content");
    let content = attachment.repeat(5000);
    app.state.attachments.blobs().put_encrypted(&dek, &ctx, content.as_bytes()).unwrap();

    // Every HTTP surface that takes input.
    let login = app.url("/api/v1/auth/login");
    app.client.post(&login).json(&json!({"username": typed, "password": typed})).send().await.unwrap();
    app.client.post(&login).json(&json!({"username": 1, "password": typed})).send().await.unwrap();
    app.client
        .post(&login)
        .header("content-type", "application/json")
        .body(format!("{{\"x\": \"{typed}"))
        .send()
        .await
        .unwrap();
    app.call(Method::GET, &format!("/api/v1/users?{typed}=1&limit={typed}"), Some(&app.admin), None).await;
    app.call(Method::GET, &format!("/api/v1/users/{typed}"), Some(&app.admin), None).await;
    app.call(Method::GET, &format!("/api/v1/{typed}"), Some(&app.admin), None).await;
    app.call(Method::GET, "/api/v1/auth/me", Some(&typed), None).await;
    let res = app
        .post("/api/v1/users", &app.admin, json!({"username": "vasil", "password": typed, "role": "lawyer"}))
        .await;
    assert_eq!(res.status(), 201);
    app.login("vasil", &typed).await;
    app.post("/api/v1/auth/password", &app.admin, json!({"current_password": typed, "new_password": typed}))
        .await;

    // A backup, then a restore that reads the records back with the same root key.
    let backup_dir = app.db.dir.path().join("backup");
    let progress = |n: u64, _: &str| {
        let bar = indicatif::ProgressBar::hidden();
        bar.set_length(n);
        bar
    };
    let backed_up = custodia::backup::backup(&app.state, &backup_dir, &progress).await;

    let mut scanned = 0;
    for (path, bytes) in app.bytes_at_rest() {
        assert_absent(&path.display().to_string(), &bytes, &canaries);
        scanned += bytes.len();
    }
    assert!(scanned > 100_000, "scanned only {scanned} bytes");

    // Every row of every table, as the database itself renders it.
    let dump = app
        .state
        .context()
        .read(|c| {
            let tables = [
                "users",
                "sessions",
                "role_policies",
                "audit_head",
                "audit_log",
                "keyring_meta",
                "keyring_keys",
                "data_keys",
                "canary_records",
            ];
            let mut lines = Vec::new();
            for table in tables {
                let sql = match c {
                    #[cfg(feature = "postgres")]
                    custodia::store::DbConnection::Postgres(_) => {
                        format!("SELECT CAST(row_to_json(t) AS TEXT) AS line FROM {table} t")
                    }
                    // SQLite: every byte of its file and WAL was searched above.
                    #[allow(unreachable_patterns)]
                    _ => continue,
                };
                lines.extend(
                    diesel::sql_query(sql).load::<Row>(c).unwrap_or_default().into_iter().map(|r| r.line),
                );
            }
            Ok(lines.join("\n"))
        })
        .await
        .unwrap();
    assert_absent("database rows", dump.as_bytes(), &canaries);
    assert_absent("logs", &captured_logs(), &canaries);

    // The ciphertext really is there and opens with the key.
    let keyring = app.state.keys.keyring().unwrap();
    let id = ids[0].clone();
    let opened = app
        .state
        .context()
        .read(move |c| {
            let blob: Vec<u8> =
                diesel::sql_query(format!("SELECT body AS line FROM canary_records WHERE id = '{id}'"))
                    .load::<BlobRow>(c)?
                    .remove(0)
                    .line;
            let dek = store::record_key(c, &keyring, "canary_records", &id)?;
            Ok(open_field(&dek, &FieldContext::new("canary_records", &id, "body"), &blob)?.to_vec())
        })
        .await
        .unwrap();
    assert_eq!(opened, record.as_bytes());

    if app.db.is_postgres() {
        assert!(backed_up.is_err(), "PostgreSQL backups are pg_dump's job");
        return;
    }
    let report = backed_up.unwrap();
    // The database and the blobs; with a bucket, the store backs the blobs up itself.
    assert!(report.files >= if app.stores_in_folder() { 2 } else { 1 });
    let mut settings = test_settings(&app.db);
    let elsewhere = app.db.dir.path().join("restored");
    settings.database.url = format!("sqlite://{}", elsewhere.join("custodia.db").display()).into();
    settings.storage.blob_dir = elsewhere.join("blobs");
    custodia::backup::restore(&settings, &backup_dir, false, &progress).unwrap();
    assert!(
        custodia::backup::restore(&settings, &backup_dir, false, &progress).is_err(),
        "no silent overwrite"
    );
    let restored = custodia::services::Services::open(&settings, false).await.unwrap();
    let keyring = restored.keys.keyring().unwrap();
    let id = ids[1].clone();
    let reopened = restored
        .context()
        .read(move |c| {
            let blob =
                diesel::sql_query(format!("SELECT body AS line FROM canary_records WHERE id = '{id}'"))
                    .load::<BlobRow>(c)?
                    .remove(0)
                    .line;
            let dek = store::record_key(c, &keyring, "canary_records", &id)?;
            Ok(open_field(&dek, &FieldContext::new("canary_records", &id, "body"), &blob)?.to_vec())
        })
        .await
        .unwrap();
    assert_eq!(reopened, record.as_bytes());

    // A damaged backup is refused.
    let db_copy = backup_dir.join("custodia.db");
    let mut bytes = std::fs::read(&db_copy).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&db_copy, bytes).unwrap();
    assert!(custodia::backup::restore(&settings, &backup_dir, true, &progress).is_err());
}

#[derive(QueryableByName)]
struct BlobRow {
    #[diesel(sql_type = diesel::sql_types::Binary)]
    line: Vec<u8>,
}

/// The same search after the real case model has been driven through HTTP: a case,
/// persons, a place, an incident, a testimony with a correction, an attachment.
#[tokio::test]
async fn no_canary_from_the_case_model_reaches_disk_rows_or_logs() {
    use custodia::domain::Role;
    let app = spawn_app().await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let canary = |what: &str| format!("CANARY{tag}{what} Алина Канарейкина");
    let canaries: Vec<String> = [
        "title",
        "name",
        "contact",
        "place",
        "incident",
        "account",
        "summary",
        "file",
        "filename",
        "correction",
    ]
    .iter()
    .map(|w| canary(w))
    .collect();
    let (_, doc) = app.user_with_token(Role::Documenter).await;
    let case = app.create_case(&doc, NewCase::new("CN-0001", &canary("title"))).await.id;
    let witness = NewPerson::witness().named(&canary("name")).contact(&canary("contact"));
    let witness = app.create_person(&doc, &case, witness).await.id;
    let place = app.create_place(&doc, &case, NewPlace::new("prison", &canary("place"))).await.id;
    let incident = NewIncident::of("torture").at(&place).description(&canary("incident"));
    app.create_incident(&doc, &case, incident).await;
    let testimony = NewTestimony::by(&witness)
        .languages(&["ru"])
        .account(&canary("account"))
        .summary(&canary("summary"))
        .consent(Consent::shared_with(&[]).how_given("oral_recorded"));
    let tid = app.record_testimony(&doc, &case, testimony.clone()).await.id;
    let filename: String = canary("filename").bytes().map(|b| format!("%{b:02X}")).collect();
    app.upload(&doc, &tid, Upload::bytes(canary("file").repeat(3000)).filename(&filename)).await;
    app.seal(&doc, &tid).await;
    app.correct(&doc, &tid, testimony.correcting(&canary("correction"))).await;
    let read: serde_json::Value =
        app.get(&format!("/api/v1/testimonies/{tid}"), &doc).await.json().await.unwrap();
    assert_eq!(read["account"], canary("account"), "and it all reads back");

    for (path, bytes) in app.bytes_at_rest() {
        assert_absent(&path.display().to_string(), &bytes, &canaries);
    }
    let dump = database_rows(&app).await;
    assert_absent("database rows", dump.as_bytes(), &canaries);
    assert_absent("logs", &captured_logs(), &canaries);
}

/// An import: the canaries arrive in a workbook (names, an account, an external id, a
/// sheet name, a vocabulary word the mapping translates), are planned, applied and
/// imported again corrected; none reaches the disk, the rows or the logs.
#[tokio::test]
async fn no_canary_from_an_imported_workbook_reaches_disk_rows_or_logs() {
    use crate::imports::{apply, plan, xlsx};
    use custodia::domain::Role;
    let app = spawn_app().await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let canary = |what: &str| format!("CANARY{tag}{what} Алина Канарейкина");
    let canaries: Vec<String> =
        ["name", "account", "id", "word", "corrected", "filename"].iter().map(|w| canary(w)).collect();
    let (_, lead) = app.user_with_token(Role::Documenter).await;
    let case = app.create_case(&lead, NewCase::any()).await.id;
    let mapping = format!(
        "[values.source_connection]\n\"{}\" = \"victim\"\n\n\
         [[records]]\nkind = \"person\"\nsheet = \"People\"\nid = \"ID\"\ncolumns = {{ kind = \"Role\", names = \"Name\" }}\n\n\
         [[records]]\nkind = \"testimony\"\nsheet = \"Accounts\"\nid = \"ID\"\nseal = false\n\
         columns = {{ witness = \"Witness\", account = \"Text\", source_connection = \"Source\" }}\n",
        canary("word")
    );
    let book = |account: &str| {
        let (id, name, word) = (canary("id"), canary("name"), canary("word"));
        xlsx(&[
            ("People", &[&["ID", "Role", "Name"], &[id.as_str(), "victim", name.as_str()]]),
            (
                "Accounts",
                &[&["ID", "Witness", "Text", "Source"], &["T1", id.as_str(), account, word.as_str()]],
            ),
        ])
    };
    let filename = format!("{}.xlsx", canary("filename"));
    for account in [canary("account"), canary("corrected")] {
        let res = plan(&app, &lead, &case, &mapping, &filename, book(&account)).await;
        assert_eq!(res.status(), 201);
        let planned: serde_json::Value = res.json().await.unwrap();
        assert_eq!(planned["status"], "planned", "{}", planned["plan"]["issues"]);
        assert_eq!(apply(&app, &lead, &planned).await.status(), 200);
    }
    let people: serde_json::Value =
        app.get(&format!("/api/v1/cases/{case}/persons"), &lead).await.json().await.unwrap();
    assert_eq!(people["items"][0]["names"][0], canary("name"), "and it all reads back");

    for (path, bytes) in app.bytes_at_rest() {
        assert_absent(&path.display().to_string(), &bytes, &canaries);
    }
    let dump = database_rows(&app).await;
    assert_absent("database rows", dump.as_bytes(), &canaries);
    assert_absent("logs", &captured_logs(), &canaries);
}

/// On PostgreSQL, every row of the tables holding records, as JSON text (on SQLite the
/// file and WAL searched byte by byte already cover them).
pub(crate) async fn database_rows(app: &TestApp) -> String {
    app.state
        .context()
        .read(|c| {
            let mut lines = Vec::new();
            for table in [
                "cases",
                "persons",
                "places",
                "incidents",
                "testimonies",
                "attachments",
                "audit_log",
                "search_queries",
                "search_digests",
                "search_postings",
                "bundles",
                "bundle_claims",
                "login_failures",
                "cluster_seal",
                "imports",
                "import_keys",
                "consent_entries",
                "care_preferences",
                "feedback_given",
                "referrals",
            ] {
                let sql = match c {
                    #[cfg(feature = "postgres")]
                    custodia::store::DbConnection::Postgres(_) => {
                        format!("SELECT CAST(row_to_json(t) AS TEXT) AS line FROM {table} t")
                    }
                    // SQLite: every byte of its file and WAL is searched instead.
                    #[allow(unreachable_patterns)]
                    _ => continue,
                };
                lines.extend(diesel::sql_query(sql).load::<Row>(c)?.into_iter().map(|r| r.line));
            }
            Ok(lines.join("\n"))
        })
        .await
        .unwrap()
}

/// The pages: what is typed into forms (a case title, a new witness's name, an account
/// with a marked name, a search) reaches neither the disk, the rows, the logs nor any
/// URL the browser is sent to.
#[tokio::test]
async fn no_canary_typed_into_the_pages_reaches_disk_rows_logs_or_urls() {
    use crate::web::{location, testimony_fields};
    use custodia::domain::Role;
    let app = spawn_app().await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let canary = |what: &str| format!("CANARY{tag}{what} Фёдор Канарейкин");
    let canaries: Vec<String> =
        ["title", "name", "account", "marked", "search"].iter().map(|w| canary(w)).collect();
    let (_, b) = app.web_user(Role::Documenter).await;
    let mut urls = Vec::new();
    let res = app.web_post(&b, "/cases/new", &[("reference", "CN-WEB"), ("title", &canary("title"))]).await;
    let case = location(&res);
    urls.push(case.clone());
    let account = format!("{} [[{}]]", canary("account"), canary("marked"));
    let name = canary("name");
    let fields = testimony_fields(&[("witness_id", "new"), ("new_witness", &name), ("account", &account)]);
    let res = app.web_post(&b, &format!("{case}/testimonies/new"), &fields).await;
    assert_eq!(res.status(), 303);
    let t = location(&res);
    urls.push(t.clone());
    let html = app.page(&b, &t).await;
    assert!(html.contains(&canary("account")), "it reads back");
    let t = t.split('?').next().unwrap().to_owned();
    let res = app.web_post(&b, &format!("{t}/seal"), &[]).await;
    urls.push(location(&res));
    let res = app.web_post(&b, "/search", &[("q", &canary("search"))]).await;
    assert_eq!(res.status(), 200);
    let res = app.web_post(&b, "/search", &[("q", "Канарейкин")]).await;
    assert!(res.text().await.unwrap().contains("class=\"result\""));

    for url in &urls {
        assert_absent(&format!("URL {url}"), url.as_bytes(), &canaries);
    }
    for (path, bytes) in app.bytes_at_rest() {
        assert_absent(&path.display().to_string(), &bytes, &canaries);
    }
    assert_absent("database rows", database_rows(&app).await.as_bytes(), &canaries);
    assert_absent("logs", &captured_logs(), &canaries);
}

/// Field intake: a submission over OpenRosa with a canary in its answers, its instance id,
/// a media file's name and content; none reaches the disk, the rows or the logs.
#[tokio::test]
async fn no_canary_from_an_openrosa_submission_reaches_disk_rows_or_logs() {
    use crate::intake::{Field, instance, xform};
    let field = Field::new().await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let canary = |what: &str| format!("CANARY{tag}{what} Алина Канарейкина");
    let canaries: Vec<String> =
        ["account", "instance", "file", "filename"].iter().map(|w| canary(w)).collect();
    expect(field.publish(&xform("intake", "1"), false).await, 201, "publish").await;
    let filename = format!("{}.jpg", canary("filename"));
    let content = canary("file").repeat(3000);
    let sent = field.submit(
        &instance("intake", "1", &canary("instance"), &canary("account")),
        &[(filename.as_str(), content.as_bytes())],
    );
    assert_eq!(sent["posts"][0]["status"], 201, "{sent}");

    for (path, bytes) in field.app.bytes_at_rest() {
        assert_absent(&path.display().to_string(), &bytes, &canaries);
    }
    let dump = database_rows(&field.app).await;
    assert_absent("database rows", dump.as_bytes(), &canaries);
    assert_absent("logs", &captured_logs(), &canaries);
}
