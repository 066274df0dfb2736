//! Page handlers, one module per area. Each is thin: it names its permission
//! (`Allowed<A>`), calls the same service function as the API, and renders.

mod admin;
mod analysis;
mod audit;
pub(crate) mod auth;
mod care;
mod cases;
pub(crate) mod catalog;
mod citations;
mod detention;
mod export;
mod imports;
mod intake;
mod medical;
mod names;
mod records;
pub mod registry;
mod search;
pub(crate) mod testimony;
mod testimony_links;

use registry::{PageEntry, Pages};

/// Every page and form, each registered once with its handler; the permission is read
/// from the handler's `Allowed<A>` (`registry::Pages`). Walked role by role in
/// tests/api/web.rs through `list`.
pub fn register(r: &mut Pages) {
    auth::routes(r);
    cases::routes(r);
    admin::routes(r);
    audit::routes(r);
    testimony::routes(r);
    testimony_links::routes(r);
    records::routes(r);
    search::routes(r);
    export::routes(r);
    catalog::routes(r);
    imports::routes(r);
    intake::routes(r);
    analysis::routes(r);
    care::routes(r);
    detention::routes(r);
    medical::routes(r);
}

/// Every page and form with its permission (`None`: no session needed), the assets
/// included: what the role-by-role walk visits.
pub fn list() -> Vec<PageEntry> {
    let mut pages = Pages::default();
    crate::web::register_outside(&mut pages);
    register(&mut pages);
    pages.entries().to_vec()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    #[test]
    fn each_page_is_registered_once() {
        let list = super::list();
        let distinct: BTreeSet<_> = list.iter().map(|p| (p.method, p.path)).collect();
        assert_eq!(distinct.len(), list.len(), "a method and path registered twice");
        assert!(list.len() >= 76, "only {} pages", list.len());
        // Public pages are the few a visitor without a session needs.
        let public: BTreeSet<_> = list.iter().filter(|p| p.permission.is_none()).map(|p| p.path).collect();
        assert_eq!(public, BTreeSet::from(["/assets/{file}", "/exit", "/language/{code}", "/login"]));
    }
}
