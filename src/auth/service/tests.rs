//! The decisions `Auth` takes by time, driven by a manual clock instead of sleeping:
//! idle and absolute session expiry, the login throttling window, TOTP steps, and how
//! long a kept form may still be kept and opened. Over a real (SQLite) database.

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use super::KeptFor;
use crate::audit::Actor;
use crate::auth::kept::KeptForm;
use crate::auth::totp;
use crate::clock::Clock;
use crate::config::Settings;
use crate::domain::Role;
use crate::error::Error;
use crate::services::Services;

const PASSWORD: &str = "correct horse battery staple";

fn clock() -> Clock {
    Clock::manual(DateTime::from_timestamp(1_800_000_000, 0).unwrap())
}

async fn services(dir: &Path, clock: &Clock, tweak: impl FnOnce(&mut Settings)) -> Services {
    let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut settings = Settings::load_with(&config, "test", false).unwrap();
    settings.database.url = SecretString::from(format!("sqlite://{}", dir.join("custodia.db").display()));
    settings.keys.key_file = dir.join("root.key");
    settings.storage.blob_dir = dir.join("blobs");
    tweak(&mut settings);
    Services::open_with_clock(&settings, true, clock.clone()).await.unwrap()
}

async fn user(s: &Services, name: &str) -> Uuid {
    s.auth
        .create_user(Actor::default(), name, SecretString::from(PASSWORD), Role::Documenter)
        .await
        .unwrap()
        .id
}

async fn token(s: &Services, name: &str) -> String {
    let session = s.auth.login(name, SecretString::from(PASSWORD), None, None).await.unwrap();
    session.token.expose_secret().to_owned()
}

#[tokio::test]
async fn a_session_ends_after_its_idle_limit_and_its_lifetime_by_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let s = services(dir.path(), &clock, |s| {
        s.auth.session_idle_minutes = 30;
        s.auth.session_absolute_minutes = 90;
    })
    .await;
    user(&s, "anna").await;
    user(&s, "boris").await;
    let (busy, idle) = (token(&s, "anna").await, token(&s, "boris").await);

    clock.advance(TimeDelta::minutes(29));
    assert!(s.auth.authenticate(&busy).await.is_ok(), "29 minutes idle");
    clock.advance(TimeDelta::minutes(2));
    assert!(matches!(s.auth.authenticate(&idle).await, Err(Error::Unauthenticated)), "31 minutes idle");
    // Used two minutes ago, so alive however long ago it began…
    assert!(s.auth.authenticate(&busy).await.is_ok());
    clock.advance(TimeDelta::minutes(25));
    assert!(s.auth.authenticate(&busy).await.is_ok(), "in use, 56 minutes after signing in");
    clock.advance(TimeDelta::minutes(25));
    assert!(s.auth.authenticate(&busy).await.is_ok(), "in use, 81 minutes after signing in");
    // …until its absolute lifetime ends.
    clock.advance(TimeDelta::minutes(9));
    assert!(matches!(s.auth.authenticate(&busy).await, Err(Error::Unauthenticated)), "90 minutes");
}

#[tokio::test]
async fn failed_logins_lock_an_account_for_the_window_only() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let s = services(dir.path(), &clock, |s| {
        s.auth.max_failures_per_account = 3;
        s.auth.failure_window_minutes = 15;
    })
    .await;
    user(&s, "anna").await;
    let attempt = |password: &str| s.auth.login("anna", SecretString::from(password.to_owned()), None, None);
    for _ in 0..3 {
        assert!(matches!(attempt("wrong password").await, Err(Error::InvalidCredentials)));
        clock.advance(TimeDelta::minutes(1));
    }
    // Failures at 0, 1 and 2 minutes: the right password waits until the first is 15 minutes old.
    match attempt(PASSWORD).await {
        Err(Error::RateLimited { retry_after_secs }) => assert_eq!(retry_after_secs, 12 * 60),
        other => panic!("locked: {other:?}"),
    }
    clock.advance(TimeDelta::minutes(12) - TimeDelta::seconds(1));
    assert!(matches!(attempt(PASSWORD).await, Err(Error::RateLimited { retry_after_secs: 1 })));
    clock.advance(TimeDelta::seconds(1));
    assert!(attempt(PASSWORD).await.is_ok(), "the first failure left the window");
}

#[tokio::test]
async fn totp_codes_are_checked_at_the_clock_s_time() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let s = services(dir.path(), &clock, |_| {}).await;
    user(&s, "anna").await;
    let (who, _) = s.auth.authenticate(&token(&s, "anna").await).await.unwrap();
    let enrolment = s.auth.totp_begin(&who).await.unwrap();
    let secret = totp_secret(&enrolment.secret_base32);
    let at = |clock: &Clock| totp::code_at(&secret, clock.now().timestamp() as u64).unwrap();
    s.auth.totp_confirm(&who, &at(&clock)).await.unwrap();

    // A code of two steps ago is refused; the current one is accepted once.
    let old = at(&clock);
    clock.advance(TimeDelta::seconds(60));
    let login = |code: String| s.auth.login("anna", SecretString::from(PASSWORD), Some(code), None);
    assert!(matches!(login(old).await, Err(Error::TotpInvalid)), "two steps late");
    let now = at(&clock);
    assert!(login(now.clone()).await.is_ok());
    assert!(matches!(login(now).await, Err(Error::TotpInvalid)), "replayed");
}

fn totp_secret(base32: &str) -> Vec<u8> {
    totp_rs::Secret::Encoded(base32.to_owned()).to_bytes().unwrap()
}

#[tokio::test]
async fn a_form_is_kept_within_its_grace_and_opens_only_until_it_expires() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let s = services(dir.path(), &clock, |s| {
        s.auth.session_idle_minutes = 30;
        s.auth.session_absolute_minutes = 60;
    })
    .await;
    let anna = user(&s, "anna").await;
    let token = token(&s, "anna").await;
    let form = || KeptForm { action: "/testimonies/x/edit".into(), body: "account=words".into() };
    let kept_for = KeptFor { form: "testimony", kind: "testimony", record: Uuid::new_v4() };

    // The session ended at 60 minutes; a form posted 15 minutes later is still kept…
    clock.advance(TimeDelta::minutes(75));
    let kept = s.auth.keep_form(&token, 20, form(), kept_for).await.unwrap().expect("kept");
    assert_eq!(s.auth.open_kept(anna, &kept).map(|f| f.body).as_deref(), Some("account=words"));
    assert!(s.auth.open_kept(Uuid::new_v4(), &kept).is_none(), "someone else");
    // …and opens for 20 minutes.
    clock.advance(TimeDelta::minutes(20));
    assert!(s.auth.open_kept(anna, &kept).is_none(), "expired");
    // One posted past the grace is not kept.
    assert!(s.auth.keep_form(&token, 20, form(), kept_for).await.unwrap().is_none());
    assert!(s.auth.keep_form(&token, 0, form(), kept_for).await.unwrap().is_none(), "keeping is off");
}
