//! Page handlers, one module per area. Each is thin: it names its permission
//! (`Allowed<A>`), calls the same service function as the API, and renders.

mod admin;
mod audit;
pub(crate) mod auth;
mod cases;
mod citations;
mod export;
mod names;
mod records;
mod search;
pub(crate) mod testimony;
mod testimony_links;

use actix_web::web;

use crate::auth::Action;

/// Every page and form, with the permission its handler names (`Allowed<A>`); `None`
/// for the few that need no session. Walked role by role in tests/api/web.rs, and a
/// test below keeps it in step with the routes actually registered.
pub const PAGES: &[(&str, &str, Option<Action>)] = &[
    ("GET", "/login", None),
    ("POST", "/login", None),
    ("POST", "/exit", None),
    ("GET", "/language/{code}", None),
    ("GET", "/assets/{file}", None),
    ("POST", "/logout", Some(Action::SelfManage)),
    ("POST", "/lock", Some(Action::SelfManage)),
    ("POST", "/keepalive", Some(Action::SelfManage)),
    ("GET", "/account", Some(Action::SelfManage)),
    ("POST", "/account/password", Some(Action::SelfManage)),
    ("POST", "/account/totp", Some(Action::SelfManage)),
    ("POST", "/account/totp/confirm", Some(Action::SelfManage)),
    ("GET", "/", Some(Action::SelfManage)),
    ("GET", "/cases/new", Some(Action::CaseCreate)),
    ("POST", "/cases/new", Some(Action::CaseCreate)),
    ("GET", "/cases/{id}", Some(Action::CaseRead)),
    ("GET", "/cases/{id}/testimonies/new", Some(Action::TestimonyDraft)),
    ("POST", "/cases/{id}/testimonies/new", Some(Action::TestimonyDraft)),
    ("POST", "/cases/{id}/testimonies/autosave", Some(Action::TestimonyDraft)),
    ("GET", "/testimonies/{id}", Some(Action::CaseRead)),
    ("POST", "/testimonies/{id}/edit", Some(Action::TestimonyDraft)),
    ("POST", "/testimonies/{id}/autosave", Some(Action::TestimonyDraft)),
    ("POST", "/testimonies/{id}/seal", Some(Action::TestimonySeal)),
    ("GET", "/testimonies/{id}/seal", Some(Action::TestimonySeal)),
    ("POST", "/testimonies/{id}/attachments", Some(Action::AttachmentUpload)),
    ("POST", "/testimonies/{id}/link", Some(Action::TestimonyLink)),
    ("GET", "/testimonies/{id}/incidents/new", Some(Action::TestimonyLink)),
    ("POST", "/testimonies/{id}/incidents/new", Some(Action::TestimonyLink)),
    ("POST", "/testimonies/{id}/withdraw", Some(Action::ConsentWithdraw)),
    ("GET", "/testimonies/{id}/correct", Some(Action::TestimonyCorrect)),
    ("POST", "/testimonies/{id}/correct", Some(Action::TestimonyCorrect)),
    ("GET", "/attachments/{id}/content", Some(Action::CaseRead)),
    ("GET", "/persons/{id}", Some(Action::CaseRead)),
    ("GET", "/units/{id}", Some(Action::CaseRead)),
    ("GET", "/incidents/{id}", Some(Action::CaseRead)),
    ("POST", "/incidents/{id}/involvements", Some(Action::CaseLink)),
    ("GET", "/places/{id}", Some(Action::CaseRead)),
    ("GET", "/cases/{id}/records/new", Some(Action::RecordWrite)),
    ("POST", "/cases/{id}/persons/new", Some(Action::RecordWrite)),
    ("POST", "/cases/{id}/units/new", Some(Action::RecordWrite)),
    ("POST", "/cases/{id}/places/new", Some(Action::RecordWrite)),
    ("POST", "/cases/{id}/incidents/new", Some(Action::RecordWrite)),
    ("GET", "/search", Some(Action::Search)),
    ("POST", "/search", Some(Action::Search)),
    ("GET", "/cases/{id}/export", Some(Action::BundleExport)),
    ("POST", "/cases/{id}/export", Some(Action::BundleExport)),
    ("POST", "/cases/{id}/export/preview", Some(Action::BundleExport)),
    ("GET", "/cases/{id}/bundles/{bundle_id}", Some(Action::BundleExport)),
    ("POST", "/cases/{id}/bundles/{bundle_id}/delete", Some(Action::BundleExport)),
    ("GET", "/cases/{id}/bundles/{bundle_id}/download", Some(Action::BundleExport)),
    ("GET", "/bundles/public-key", Some(Action::BundleKeyRead)),
    ("GET", "/admin", Some(Action::SystemStatus)),
    ("GET", "/admin/users", Some(Action::UserList)),
    ("POST", "/admin/users", Some(Action::UserCreate)),
    ("GET", "/admin/users/new", Some(Action::UserCreate)),
    ("GET", "/admin/users/{id}", Some(Action::UserRead)),
    ("POST", "/admin/users/{id}/disable", Some(Action::UserDisable)),
    ("POST", "/admin/users/{id}/enable", Some(Action::UserDisable)),
    ("POST", "/admin/users/{id}/password", Some(Action::UserResetPassword)),
    ("POST", "/admin/users/{id}/role", Some(Action::UserChangeRole)),
    ("GET", "/admin/roles", Some(Action::RolePolicyRead)),
    ("POST", "/admin/roles/{role}", Some(Action::RolePolicyUpdate)),
    ("GET", "/admin/cases", Some(Action::CaseManage)),
    ("GET", "/admin/cases/{id}/members", Some(Action::CaseManage)),
    ("POST", "/admin/cases/{id}/members", Some(Action::CaseManage)),
    ("POST", "/admin/cases/{id}/members/{user_id}/remove", Some(Action::CaseManage)),
    ("GET", "/admin/keys", Some(Action::KeyManage)),
    ("POST", "/admin/keys/rotate", Some(Action::KeyManage)),
    ("POST", "/admin/keys/rewrap", Some(Action::KeyManage)),
    ("POST", "/admin/keys/seal", Some(Action::KeyManage)),
    ("POST", "/admin/keys/unseal", Some(Action::KeyManage)),
    ("GET", "/admin/users/{id}/disable", Some(Action::UserDisable)),
    ("GET", "/admin/cases/{id}/members/{user_id}/remove", Some(Action::CaseManage)),
    ("GET", "/audit", Some(Action::AuditRead)),
    ("GET", "/audit/custody/{target_type}/{target_id}", Some(Action::AuditRead)),
    ("GET", "/audit/entries/{seq}", Some(Action::AuditRead)),
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(auth::routes)
        .configure(cases::routes)
        .configure(admin::routes)
        .configure(audit::routes)
        .configure(testimony::routes)
        .configure(testimony_links::routes)
        .configure(records::routes)
        .configure(search::routes)
        .configure(export::routes);
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The routes registered in src/web, read from the source: each resource
    /// declaration and the GET and POST handlers chained to it.
    fn registered() -> BTreeSet<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
        let mut files: Vec<_> =
            std::fs::read_dir(dir.join("pages")).unwrap().flatten().map(|e| e.path()).collect();
        // An area split into a folder of screens (pages/admin/*.rs).
        let folders: Vec<_> = files.iter().filter(|f| f.is_dir()).cloned().collect();
        files.retain(|f| f.is_file());
        for folder in folders {
            files.extend(std::fs::read_dir(folder).unwrap().flatten().map(|e| e.path()));
        }
        files.push(dir.join("mod.rs"));
        let mut out = BTreeSet::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let marker = "web::resource(\"";
            let starts: Vec<usize> = text.match_indices(marker).map(|(i, _)| i).collect();
            for (n, &i) in starts.iter().enumerate() {
                let rest = &text[i + marker.len()..];
                let path = &rest[..rest.find('"').unwrap()];
                let end = starts.get(n + 1).copied().unwrap_or(text.len());
                let chain = &text[i..end];
                for (method, call) in [("GET", ".get("), ("POST", ".post(")] {
                    if chain.contains(call) {
                        out.insert((method.to_owned(), path.to_owned()));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_registered_page_is_in_the_table() {
        let table: BTreeSet<(String, String)> =
            super::PAGES.iter().map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned())).collect();
        let routes = registered();
        assert_eq!(
            routes.difference(&table).collect::<Vec<_>>(),
            Vec::<&(String, String)>::new(),
            "missing from PAGES"
        );
        assert_eq!(
            table.difference(&routes).collect::<Vec<_>>(),
            Vec::<&(String, String)>::new(),
            "not registered"
        );
    }
}
