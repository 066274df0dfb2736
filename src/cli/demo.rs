//! `custodia demo`: fill a fictional, labelled case and print its accounts.

use super::keys::unlock_here;
use super::{describe, progress_bar};
use crate::config::Settings;
use crate::services::Services;

pub(super) fn run(settings: Settings, scale: u32, analysis: bool) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let state = Services::open(&settings, false).await?;
        unlock_here(&state).await?;
        let scale = scale as usize;
        // A bar for a handful of witnesses would only flicker.
        let bar = move |total: u64, what: &str| {
            if scale > 20 || analysis { progress_bar(total, what) } else { indicatif::ProgressBar::hidden() }
        };
        let report = if analysis {
            crate::demo::generate_analysis(&state, &bar).await
        } else {
            crate::demo::generate_with_progress(&state, scale, &bar).await
        }
        .map_err(describe)?;
        println!(
            "demo case {} (id {}) created with {} sealed testimonies: everything in it is fictional",
            report.reference, report.case_id, report.testimonies
        );
        if let Some(unit) = report.root_unit {
            println!("top of its chain of command: unit {unit}");
        }
        println!("sign in to explore it as:");
        for (username, role, password) in &report.accounts {
            if password.is_empty() {
                println!("  {username:<20} {role:<13} (existing account, password unchanged)");
            } else {
                println!("  {username:<20} {role:<13} password: {}", password.as_str());
            }
        }
        if report.accounts.iter().any(|(_, _, password)| !password.is_empty()) {
            println!("these passwords are shown only now and cannot be shown again: note them");
        }
        for (username, role, _) in &report.accounts {
            let role = role.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
            if state.auth.role_requires_totp(role).await.map_err(describe)? {
                println!(
                    "{username} must set up a second factor (an authenticator app) at the first sign-in: \
                     the pages lead to it; then give its code to `bundle export --totp`"
                );
            }
        }
        Ok(())
    })
}
