//! `custodia unseal`: signs in to the running service (setting up the second factor
//! its role requires if need be) and submits the passphrase or a trustee share.

use anyhow::bail;
use secrecy::{ExposeSecret, SecretString};

/// Signs in to the running service as an admin and submits the passphrase or a share.
pub(super) fn run(url: &str, username: &str) -> anyhow::Result<()> {
    let base = url.trim_end_matches('/');
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let password = SecretString::from(rpassword::prompt_password(format!("Password for {username}: "))?);
    let sign_in = |totp: Option<&str>| -> anyhow::Result<serde_json::Value> {
        let body =
            serde_json::json!({"username": username, "password": password.expose_secret(), "totp": totp});
        Ok(agent.post(&format!("{base}/api/v1/auth/login")).send_json(body)?.body_mut().read_json()?)
    };
    let mut login = sign_in(None)?;
    if login["type"] == "urn:custodia:problem:totp_required" {
        login = sign_in(Some(&rpassword::prompt_password("One-time code: ")?))?;
    }
    let Some(token) = login["token"].as_str() else {
        bail!("sign-in refused: {}", login["title"].as_str().unwrap_or("unknown error"));
    };
    let auth = format!("Bearer {token}");
    if login["second_factor_enrolment_required"] == true {
        // The role requires a second factor this admin has not set up: do it here.
        let mut res = agent
            .post(&format!("{base}/api/v1/auth/totp/enrol"))
            .header("Authorization", &auth)
            .send_empty()?;
        let enrolment: serde_json::Value = res.body_mut().read_json()?;
        let Some(secret) = enrolment["secret_base32"].as_str() else {
            bail!(
                "could not start the second factor's set-up: {}",
                enrolment["title"].as_str().unwrap_or("unknown error")
            );
        };
        println!("{username} must set up a second factor first. Add this key to an authenticator app:");
        println!("  {secret}");
        println!("  ({})", enrolment["otpauth_uri"].as_str().unwrap_or_default());
        let code = rpassword::prompt_password("The code it shows now: ")?;
        let res = agent
            .post(&format!("{base}/api/v1/auth/totp/confirm"))
            .header("Authorization", &auth)
            .send_json(serde_json::json!({"code": code.trim()}))?;
        if res.status() != 204 {
            bail!("the code was not accepted: run custodia unseal again");
        }
        println!("second factor set up: sign in with a code from now on");
    }
    let mut res = agent.get(&format!("{base}/api/v1/system/keys")).header("Authorization", &auth).call()?;
    let status: serde_json::Value = res.body_mut().read_json()?;
    if status["sealed"] == false {
        println!("the service is not sealed");
        return Ok(());
    }
    let body = match status["root_source"].as_str() {
        Some("passphrase") => {
            serde_json::json!({"passphrase": rpassword::prompt_password("Root passphrase: ")?})
        }
        Some("shares") => serde_json::json!({"share": rpassword::prompt_password("Your share: ")?}),
        _ => serde_json::json!({}),
    };
    let mut res =
        agent.post(&format!("{base}/api/v1/system/unseal")).header("Authorization", &auth).send_json(body)?;
    let answer: serde_json::Value = res.body_mut().read_json()?;
    let _ = agent.post(&format!("{base}/api/v1/auth/logout")).header("Authorization", &auth).send_empty();
    match (answer["sealed"].as_bool(), answer["title"].as_str()) {
        (Some(false), _) => println!("unsealed"),
        (Some(true), _) => {
            println!("share accepted: {} of {} entered", answer["shares_received"], answer["share_threshold"])
        }
        (None, title) => bail!("unseal refused: {}", title.unwrap_or("unknown error")),
    }
    Ok(())
}
