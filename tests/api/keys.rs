//! Key custody end to end: seal and unseal, passphrase and trustee shares, rotation,
//! rewrap and retirement, and keyring changes made by another process.

use custodia::audit::Actor;
use custodia::crypto::{FieldContext, open_field, seal_field};
use custodia::domain::Role;
use custodia::keys::{Keys, NewRoot, RootHandover, store};
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::helpers::*;

/// Seals a field of `n` records the way services do: a DEK per record in data_keys.
async fn write_records(app: &TestApp, n: usize) -> Vec<(String, Vec<u8>)> {
    let keyring = app.state.keys.keyring().unwrap();
    app.state
        .context()
        .write_plain(move |c| {
            (0..n)
                .map(|i| {
                    let id = uuid::Uuid::new_v4().to_string();
                    let dek = store::create_record_key(c, &keyring, "testimonies", &id)?;
                    let ctx = FieldContext::new("testimonies", &id, "account");
                    let blob =
                        seal_field(&dek, keyring.primary_version(), &ctx, format!("record {i}").as_bytes())?;
                    Ok((id, blob))
                })
                .collect()
        })
        .await
        .unwrap()
}

async fn read_record(app: &TestApp, id: &str, blob: &[u8]) -> custodia::error::Result<String> {
    let keyring = app.state.keys.keyring()?;
    let (id, blob) = (id.to_owned(), blob.to_vec());
    app.state
        .context()
        .read(move |c| {
            let dek = store::record_key(c, &keyring, "testimonies", &id)?;
            let plain = open_field(&dek, &FieldContext::new("testimonies", &id, "account"), &blob)?;
            Ok(String::from_utf8_lossy(&plain).into_owned())
        })
        .await
}

#[tokio::test]
async fn an_admin_presses_seal_and_only_unseal_answers_until_reopened() {
    let app = spawn_app().await;
    let status: Value = app.get("/api/v1/system/keys", &app.admin).await.json().await.unwrap();
    assert_eq!(status["sealed"], false);
    assert_eq!(status["root_source"], "file");

    let res = app.call(Method::POST, "/api/v1/system/seal", Some(&app.admin), None).await;
    assert_eq!(res.status(), 204);
    assert_problem(app.get("/api/v1/users", &app.admin).await, 503, "sealed").await;
    assert_problem(app.client.get(app.url("/readyz")).send().await.unwrap(), 503, "sealed").await;
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    assert_eq!(app.get("/api/v1/system/keys", &app.admin).await.status(), 200);

    let res = app.post("/api/v1/system/unseal", &app.admin, json!({})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.get("/api/v1/users", &app.admin).await.status(), 200);
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"seal".to_owned()) && actions.contains(&"unseal".to_owned()));
}

#[tokio::test]
async fn a_passphrase_keyring_starts_sealed_and_refuses_a_wrong_passphrase() {
    let app = spawn_app().await;
    let records = write_records(&app, 3).await;
    let pass = "the survivors trust us with this";
    let handover = app
        .state
        .keys
        .change_root(Actor::default(), NewRoot::Passphrase(SecretString::from(pass)))
        .await
        .unwrap();
    assert!(matches!(handover, RootHandover::Passphrase));

    // A fresh process (a restart) finds a passphrase keyring and stays sealed.
    let settings = test_settings(&app.db);
    let restarted = Keys::open(app.state.context().db().clone(), settings.keys.clone()).await.unwrap();
    assert!(restarted.is_sealed());

    app.call(Method::POST, "/api/v1/system/seal", Some(&app.admin), None).await;
    let res = app
        .post("/api/v1/system/unseal", &app.admin, json!({"passphrase": "a wrong passphrase entirely"}))
        .await;
    assert_problem(res, 400, "wrong_key").await;
    let res = app.post("/api/v1/system/unseal", &app.admin, json!({"share": "x", "passphrase": pass})).await;
    assert_problem(res, 422, "validation_error").await;
    let res = app.post("/api/v1/system/unseal", &app.admin, json!({"passphrase": pass})).await;
    let status: Value = res.json().await.unwrap();
    assert_eq!(status["sealed"], false, "{status}");
    for (id, blob) in &records {
        assert!(read_record(&app, id, blob).await.unwrap().starts_with("record"));
    }
}

#[tokio::test]
async fn trustee_shares_from_several_admins_unseal_the_service() {
    let app = spawn_app().await;
    let records = write_records(&app, 2).await;
    let RootHandover::Shares(shares) = app
        .state
        .keys
        .change_root(Actor::default(), NewRoot::Shares { count: 5, threshold: 3, trustees: vec![] })
        .await
        .unwrap()
    else {
        panic!("expected shares");
    };
    assert_eq!(shares.len(), 5);
    let (_, second_admin) = app.user_with_token(Role::Admin).await;
    app.call(Method::POST, "/api/v1/system/seal", Some(&app.admin), None).await;

    let status: Value = app
        .post("/api/v1/system/unseal", &app.admin, json!({"share": shares[4].as_str()}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((status["sealed"].as_bool(), status["shares_received"].as_u64()), (Some(true), Some(1)));
    let status: Value = app
        .post("/api/v1/system/unseal", &second_admin, json!({"share": shares[1].as_str()}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["shares_received"], 2);
    assert_problem(app.get("/api/v1/users", &app.admin).await, 503, "sealed").await;
    let status: Value = app
        .post("/api/v1/system/unseal", &second_admin, json!({"share": shares[2].as_str()}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["sealed"], false, "{status}");
    assert!(read_record(&app, &records[0].0, &records[0].1).await.is_ok());

    // A mistyped share is named as such, and progress starts over.
    app.call(Method::POST, "/api/v1/system/seal", Some(&app.admin), None).await;
    let typo = shares[0].as_str().replacen('A', "B", 1).replacen('a', "b", 1);
    app.post("/api/v1/system/unseal", &app.admin, json!({"share": shares[3].as_str()})).await;
    app.post("/api/v1/system/unseal", &app.admin, json!({"share": shares[2].as_str()})).await;
    let res = app.post("/api/v1/system/unseal", &app.admin, json!({"share": typo})).await;
    assert_problem(res, 400, "bad_request").await;
    assert!(app.state.keys.is_sealed());
}

#[tokio::test]
async fn rotation_rewrap_and_retirement_keep_every_record_readable() {
    let app = spawn_app().await;
    let records = write_records(&app, 25).await;
    let status: Value = app
        .call(Method::POST, "/api/v1/system/keys/rotate", Some(&app.admin), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["primary_version"], 2);
    assert_eq!(status["records_not_on_primary"], 25);
    assert_eq!(status["versions"], json!([1, 2]));
    // Records written now use the new primary; old ones still open.
    let newer = write_records(&app, 1).await;
    for (id, blob) in records.iter().chain(&newer) {
        read_record(&app, id, blob).await.unwrap();
    }
    let refused = app.state.keys.retire(Actor::default(), 1).await;
    assert!(matches!(refused, Err(custodia::error::Error::Conflict("key_version_in_use"))));

    let progress: Value =
        app.post("/api/v1/system/keys/rewrap", &app.admin, json!({"limit": 10})).await.json().await.unwrap();
    assert_eq!((progress["rewrapped"].as_u64(), progress["remaining"].as_i64()), (Some(10), Some(15)));
    let progress: Value =
        app.post("/api/v1/system/keys/rewrap", &app.admin, json!({})).await.json().await.unwrap();
    assert_eq!(progress["remaining"], 0);
    assert_problem(
        app.post("/api/v1/system/keys/rewrap", &app.admin, json!({"limit": 0})).await,
        422,
        "validation_error",
    )
    .await;

    app.state.keys.retire(Actor::default(), 1).await.unwrap();
    assert!(matches!(
        app.state.keys.retire(Actor::default(), 2).await,
        Err(custodia::error::Error::Conflict(_))
    ));
    for (id, blob) in &records {
        read_record(&app, id, blob).await.unwrap();
    }
    let actions = app.audit_actions().await;
    for action in ["key.rotate", "key.rewrap", "key.retire"] {
        assert!(actions.contains(&action.to_owned()), "{action}");
    }
}

#[tokio::test]
async fn a_swapped_data_key_or_a_shredded_record_never_yields_plaintext() {
    let app = spawn_app().await;
    let records = write_records(&app, 2).await;
    let (a, b) = (records[0].0.clone(), records[1].0.clone());
    app.state
        .context()
        .write_plain(move |c| {
            use custodia::store::schema::data_keys::dsl::*;
            use diesel::prelude::*;
            let wa: Vec<u8> = data_keys.find(("testimonies", &a)).select(wrapped).first(c)?;
            let wb: Vec<u8> = data_keys.find(("testimonies", &b)).select(wrapped).first(c)?;
            diesel::update(data_keys.find(("testimonies", &a))).set(wrapped.eq(wb)).execute(c)?;
            diesel::update(data_keys.find(("testimonies", &b))).set(wrapped.eq(wa)).execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let err = read_record(&app, &records[0].0, &records[0].1).await.unwrap_err();
    assert!(matches!(err, custodia::error::Error::Integrity), "{err:?}");

    let id = records[1].0.clone();
    assert!(app.state.context().write_plain(move |c| store::shred(c, "testimonies", &id)).await.unwrap());
    let err = read_record(&app, &records[1].0, &records[1].1).await.unwrap_err();
    assert!(matches!(err, custodia::error::Error::KeyUnavailable(_)), "{err:?}");
}

#[tokio::test]
async fn a_rotation_made_by_another_process_reaches_the_running_service() {
    let app = spawn_app().await;
    let settings = test_settings(&app.db);
    let cli = Keys::open(app.state.context().db().clone(), settings.keys.clone()).await.unwrap();
    assert_eq!(cli.rotate(Actor::default()).await.unwrap(), 2);
    assert_eq!(app.state.keys.keyring().unwrap().primary_version(), 1);
    assert!(app.state.keys.reload_if_changed().await.unwrap());
    assert_eq!(app.state.keys.keyring().unwrap().primary_version(), 2);
    assert!(!app.state.keys.reload_if_changed().await.unwrap());
}
