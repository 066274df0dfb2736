//! Each API operation registered once: its handler, its OpenAPI description (the
//! `#[utoipa::path]` annotation: method, path, parameters, responses) and its permission
//! (the `Allowed<A>` in the handler's signature). The router and the OpenAPI document are
//! both built from the one list in `api::operations`, so an operation cannot be routed
//! and undocumented, documented and unrouted, or documented with another permission than
//! the one its handler checks: the permission is read from the handler's argument types
//! at compile time and written into the document as `x-permission`.

use std::collections::BTreeMap;

use actix_web::http::Method;
use actix_web::{FromRequest, Handler, Responder, Route, web};
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::{RefOr, Schema};

use crate::access::{Action, ActionMarker, Allowed};

/// The OpenAPI extension that names an operation's permission (absent: public).
pub const PERMISSION: &str = "x-permission";

/// One registered operation.
pub struct Op {
    pub path: String,
    pub method: HttpMethod,
    pub operation: Operation,
    pub permission: Option<Action>,
    pub schemas: Vec<(String, RefOr<Schema>)>,
    route: Option<Route>,
}

/// Collects operations: routes for the server (per worker) or descriptions for the
/// document (once).
pub struct Registry {
    ops: Vec<Op>,
    with_routes: bool,
}

impl Registry {
    pub fn for_routes() -> Self {
        Registry { ops: Vec::new(), with_routes: true }
    }

    pub fn for_document() -> Self {
        Registry { ops: Vec::new(), with_routes: false }
    }

    /// An operation that needs a session and the permission its handler names.
    pub fn op<P, F, Args, At>(&mut self, _doc: P, handler: F) -> &mut Self
    where
        P: utoipa::Path + utoipa::__dev::SchemaReferences + for<'t> utoipa::__dev::Tags<'t>,
        F: Handler<Args>,
        Args: FromRequest + Authorised<At> + 'static,
        F::Output: Responder + 'static,
    {
        let action = <<Args as Authorised<At>>::Action as ActionMarker>::ACTION;
        self.add::<P, F, Args>(handler, Some(action))
    }

    /// An operation open without a session (liveness, login, the export public key).
    pub fn public<P, F, Args>(&mut self, _doc: P, handler: F) -> &mut Self
    where
        P: utoipa::Path + utoipa::__dev::SchemaReferences + for<'t> utoipa::__dev::Tags<'t>,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add::<P, F, Args>(handler, None)
    }

    fn add<P, F, Args>(&mut self, handler: F, permission: Option<Action>) -> &mut Self
    where
        P: utoipa::Path + utoipa::__dev::SchemaReferences + for<'t> utoipa::__dev::Tags<'t>,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let mut schemas = Vec::new();
        if !self.with_routes {
            P::schemas(&mut schemas);
        }
        for method in P::methods() {
            let route = self.with_routes.then(|| web::method(actix_method(&method)).to(handler.clone()));
            let operation = if self.with_routes { Operation::default() } else { documented::<P>() };
            self.ops.push(Op {
                path: P::path(),
                method,
                operation,
                permission,
                schemas: schemas.clone(),
                route,
            });
        }
        self
    }

    /// The operations, for the document: each with its permission as `x-permission`
    /// and named at the end of its description, where people read it.
    pub fn into_operations(self) -> Vec<Op> {
        let mut ops = self.ops;
        for op in &mut ops {
            if let Some(action) = op.permission {
                let extensions = op.operation.extensions.get_or_insert_with(Default::default);
                extensions.merge(ExtensionsBuilder::new().add(PERMISSION, action.code()).build());
                let description = op.operation.description.get_or_insert_with(String::new);
                if !description.is_empty() {
                    description.push_str("\n\n");
                }
                description.push_str(&format!("Permission: `{}`.", action.code()));
            }
        }
        ops
    }

    /// Splits off the operations whose path starts with `prefix`.
    pub fn split(self, prefix: &str) -> (Registry, Registry) {
        let with_routes = self.with_routes;
        let (inside, outside) = self.ops.into_iter().partition(|op| op.path.starts_with(prefix));
        (Registry { ops: inside, with_routes }, Registry { ops: outside, with_routes })
    }

    /// Registers every route under `prefix` (stripped from the documented paths), one
    /// resource per path so that a known path asked with another method answers 405.
    pub fn configure(self, prefix: &str, cfg: &mut web::ServiceConfig) {
        let mut resources: BTreeMap<String, Vec<Route>> = BTreeMap::new();
        for op in self.ops {
            let path = op.path.strip_prefix(prefix).unwrap_or(&op.path).to_owned();
            resources.entry(path).or_default().extend(op.route);
        }
        for (path, routes) in resources {
            let mut resource = web::resource(path);
            for route in routes {
                resource = resource.route(route);
            }
            cfg.service(resource);
        }
    }
}

/// The operation as `#[derive(OpenApi)]` would list it: with the tags of its annotation.
fn documented<P>() -> Operation
where
    P: utoipa::Path + for<'t> utoipa::__dev::Tags<'t>,
{
    let mut operation = P::operation();
    let tags = <P as utoipa::__dev::Tags>::tags();
    if !tags.is_empty() {
        operation.tags = Some(tags.into_iter().map(str::to_owned).collect());
    }
    operation
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Trace => Method::TRACE,
    }
}

/// Implemented by a handler's argument tuple when exactly one argument is an
/// `Allowed<A>`: `Action` is that `A`. `At` (a position marker) is inferred; a handler
/// without an `Allowed` argument, or with two, does not compile as `Registry::op`.
pub trait Authorised<At> {
    type Action: ActionMarker;
}

/// Implemented by a handler's argument tuple that has an `Allowed<A>` argument, for
/// handlers that take two proofs (a page that also lists users, say): the one named `A`
/// is the permission it is registered under.
pub trait Names<A, At> {}

/// Position markers for `Authorised` and `Names`.
pub struct At<const N: usize>;

macro_rules! authorised_at {
    ($n:literal; $($before:ident)*; $($after:ident)*) => {
        impl<A: ActionMarker, $($before,)* $($after,)*> Authorised<At<$n>> for ($($before,)* Allowed<A>, $($after,)*) {
            type Action = A;
        }
        impl<A: ActionMarker, $($before,)* $($after,)*> Names<A, At<$n>> for ($($before,)* Allowed<A>, $($after,)*) {}
    };
}

// Handlers take at most eight arguments here; each line is one (arity, position).
authorised_at!(0;;);
authorised_at!(0;; B);
authorised_at!(1; B;);
authorised_at!(0;; B C);
authorised_at!(1; B; C);
authorised_at!(2; B C;);
authorised_at!(0;; B C D);
authorised_at!(1; B; C D);
authorised_at!(2; B C; D);
authorised_at!(3; B C D;);
authorised_at!(0;; B C D E);
authorised_at!(1; B; C D E);
authorised_at!(2; B C; D E);
authorised_at!(3; B C D; E);
authorised_at!(4; B C D E;);
authorised_at!(0;; B C D E F);
authorised_at!(1; B; C D E F);
authorised_at!(2; B C; D E F);
authorised_at!(3; B C D; E F);
authorised_at!(4; B C D E; F);
authorised_at!(5; B C D E F;);
authorised_at!(0;; B C D E F G);
authorised_at!(1; B; C D E F G);
authorised_at!(2; B C; D E F G);
authorised_at!(3; B C D; E F G);
authorised_at!(4; B C D E; F G);
authorised_at!(5; B C D E F; G);
authorised_at!(6; B C D E F G;);
authorised_at!(0;; B C D E F G H);
authorised_at!(1; B; C D E F G H);
authorised_at!(2; B C; D E F G H);
authorised_at!(3; B C D; E F G H);
authorised_at!(4; B C D E; F G H);
authorised_at!(5; B C D E F; G H);
authorised_at!(6; B C D E F G; H);
authorised_at!(7; B C D E F G H;);
