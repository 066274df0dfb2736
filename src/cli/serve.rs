//! `custodia serve`: the HTTP service, with what an operator needs to know at start.

use anyhow::Context;

use crate::config::Settings;
use crate::startup::Application;

pub(super) fn run(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(&settings).await?;
        let users = app.state().auth.count_users().await?;
        eprintln!("Custodia is listening on http://{}:{}", settings.server.host, app.port());
        eprint!("{}", settings.where_things_are());
        if app.state().keys.is_sealed() {
            eprintln!(
                "The keys are sealed: nothing can be read or written until an admin runs\n    \
                 custodia unseal --username <admin>"
            );
        }
        if users == 0 {
            eprintln!(
                "No accounts yet. Create the first admin in another terminal:\n    \
                 custodia user add admin --role admin"
            );
        }
        app.run_until_stopped().await.context("server stopped with an error")
    })
}
