//! Every page and form registered once: its method, its path, its handler, and (read
//! from the handler's `Allowed<A>` at compile time) its permission. The router and the
//! list the tests walk role by role (`list`) come from the same calls, so a page cannot
//! be routed without its permission being known, or listed and not routed.

use std::collections::BTreeMap;

use actix_web::http::Method;
use actix_web::{FromRequest, Handler, Responder, Route, web};

use crate::access::{Action, ActionMarker};
use crate::http::registry::{Authorised, Names};

/// One page or form: `("GET", "/cases/{id}", Some(Action::CaseRead))`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageEntry {
    pub method: &'static str,
    pub path: &'static str,
    /// `None` for the few that need no session.
    pub permission: Option<Action>,
}

#[derive(Default)]
pub struct Pages {
    entries: Vec<PageEntry>,
    routes: BTreeMap<&'static str, Vec<Route>>,
}

impl Pages {
    pub fn get<F, Args, At>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + Authorised<At> + 'static,
        F::Output: Responder + 'static,
    {
        let action = <<Args as Authorised<At>>::Action as ActionMarker>::ACTION;
        self.add(Method::GET, path, handler, Some(action))
    }

    pub fn post<F, Args, At>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + Authorised<At> + 'static,
        F::Output: Responder + 'static,
    {
        let action = <<Args as Authorised<At>>::Action as ActionMarker>::ACTION;
        self.add(Method::POST, path, handler, Some(action))
    }

    /// A page whose handler takes two proofs, registered under `A` (the other is
    /// checked too, by the handler's own extractor).
    pub fn get_as<A, F, Args, At>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        A: ActionMarker,
        F: Handler<Args>,
        Args: FromRequest + Names<A, At> + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::GET, path, handler, Some(A::ACTION))
    }

    pub fn post_as<A, F, Args, At>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        A: ActionMarker,
        F: Handler<Args>,
        Args: FromRequest + Names<A, At> + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, path, handler, Some(A::ACTION))
    }

    /// A page open without a session (sign-in, the quick exit, language, assets).
    pub fn public_get<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::GET, path, handler, None)
    }

    pub fn public_post<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, path, handler, None)
    }

    fn add<F, Args>(
        &mut self,
        method: Method,
        path: &'static str,
        handler: F,
        permission: Option<Action>,
    ) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let name = if method == Method::GET { "GET" } else { "POST" };
        self.entries.push(PageEntry { method: name, path, permission });
        self.routes.entry(path).or_default().push(web::method(method).to(handler));
        self
    }

    /// One resource per path, so another method on a known path answers 405.
    pub fn configure(self, cfg: &mut web::ServiceConfig) {
        for (path, routes) in self.routes {
            let mut resource = web::resource(path);
            for route in routes {
                resource = resource.route(route);
            }
            cfg.service(resource);
        }
    }

    pub fn entries(&self) -> &[PageEntry] {
        &self.entries
    }
}
