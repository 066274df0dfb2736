//! Authentication and authorisation at the edge. `authenticate` (middleware) resolves a
//! bearer token before any handler argument is parsed, so an unauthenticated request
//! is refused before its body is even read. `Allowed<A>` then checks the one policy
//! table for the action the handler names in its signature.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::{Ready, ready};

use crate::access::{Action, ActionMarker, Allowed, Principal};
use crate::audit::Actor;
use crate::auth::service::{Session, UserView};
use crate::error::Error;
use crate::services::Services;

/// What `authenticate` (or the web pages' cookie session) found, kept in the request's
/// extensions.
#[derive(Debug, Clone)]
pub(crate) struct Authenticated {
    pub(crate) principal: Principal,
    pub(crate) enrolment_pending: bool,
    /// The account, as the session's verification found it (`GET /auth/me` answers
    /// from it); none where another credential was checked (a device's password).
    pub(crate) user: Option<Arc<UserView>>,
}

impl From<Session> for Authenticated {
    fn from(s: Session) -> Self {
        Authenticated { principal: s.principal, enrolment_pending: s.enrolment_pending, user: Some(s.user) }
    }
}

/// Resolves `Authorization: Bearer …`. A request without one passes through (public
/// endpoints); one with a bad, expired or revoked token is refused here.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    if let Some(token) = bearer_token(req.request()) {
        let found = match req.app_data::<web::Data<Services>>().cloned() {
            Some(state) => state.auth.session(&token).await,
            None => Err(Error::internal("application state missing")),
        };
        match found {
            Ok(session) => {
                req.extensions_mut().insert(Authenticated::from(session));
            }
            Err(e) => return Ok(refuse(req, e)),
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// A middleware's refusal as a response that carries its error, not as an `Err`: an
/// `Err` would skip the outer middleware on its way out (no request id, no security
/// headers, no problem document from `problem::finish_response`) and reach actix-http,
/// which writes it bare.
fn refuse<B>(req: ServiceRequest, error: Error) -> ServiceResponse<EitherBody<B>> {
    req.error_response(error).map_into_right_body()
}

/// Stored data that fails its integrity check, or a record whose key is gone, is an
/// event an auditor must see: the request's own transaction rolled back, so it is
/// recorded here, in one of its own, naming who asked and for which record.
pub async fn audit_failures(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let state = req.app_data::<web::Data<Services>>().cloned();
    let res = next.call(req).await?;
    if res.request().extensions().contains::<FailureAudited>() {
        return Ok(res);
    }
    let action = match res.response().error().and_then(|e| e.as_error::<Error>()) {
        Some(Error::Integrity) => "integrity_error",
        Some(Error::KeyUnavailable(_)) => "key_unavailable",
        _ => return Ok(res),
    };
    let actor = res
        .request()
        .extensions()
        .get::<Authenticated>()
        .map(|a| Actor::from(&a.principal))
        .unwrap_or_default();
    let record = res.request().match_info().get("id").and_then(|id| uuid::Uuid::parse_str(id).ok());
    if let Some(state) = state
        && let Err(e) = state.auth.record_failure(actor, action, record).await
    {
        tracing::error!(error = %e, "could not audit an integrity failure");
    }
    Ok(res)
}

/// Left by a handler that recorded its own failure, naming the record more precisely
/// than the path can (e.g. a damaged attachment), so `audit_failures` does not add a
/// second entry.
#[derive(Debug, Clone, Copy)]
struct FailureAudited;

pub(crate) fn mark_failure_audited(req: &HttpRequest) {
    req.extensions_mut().insert(FailureAudited);
}

/// Paths that still answer while the keys are not loaded: enough to sign in, see the
/// key status and unseal.
const SEALED_ALLOWED: &[&str] = &[
    "/api/v1/openapi.json",
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
    "/api/v1/auth/me",
    // An admin whose role requires a second factor sets it up before unsealing; it
    // needs no keys (the TOTP secret is not sealed under the keyring).
    "/api/v1/auth/totp/enrol",
    "/api/v1/auth/totp/confirm",
    "/api/v1/system/keys",
    "/api/v1/system/unseal",
    // Which node answered and whether it is sealed (several nodes behind one address):
    // versions and counts, nothing sealed.
    "/api/v1/system/status",
];

/// While sealed, everything else answers 503 `sealed`: nothing can be read or written
/// without keys, and saying so early beats failing halfway.
pub async fn sealed_gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    if let Some(state) = req.app_data::<web::Data<Services>>()
        && state.keys.is_sealed()
        && !SEALED_ALLOWED.contains(&req.path())
    {
        let error = if state.keys.is_initialised() { Error::Sealed } else { Error::NotInitialised };
        return Ok(refuse(req, error));
    }
    Ok(next.call(req).await?.map_into_left_body())
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    // Our tokens are 47 characters; anything far longer is not one of ours.
    (!token.is_empty() && token.len() <= 256).then(|| token.to_owned())
}

impl<A: ActionMarker> FromRequest for Allowed<A> {
    type Error = Error;
    type Future = Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(check::<A>(req))
    }
}

fn check<A: ActionMarker>(req: &HttpRequest) -> Result<Allowed<A>, Error> {
    let Some(auth) = req.extensions().get::<Authenticated>().cloned() else {
        return Err(Error::Unauthenticated);
    };
    let action = A::ACTION;
    // Case-scoped actions are decided by the service once the case is known
    // (membership, and a lead's extra rights); global ones here and now.
    let Ok(allowed) = Allowed::<A>::check(auth.principal.clone()) else {
        if let Some(state) = req.app_data::<web::Data<Services>>().cloned() {
            // Recorded off the request path: a denial must not wait on, or fail with,
            // the log write, and nothing was read or changed.
            let who = auth.principal.clone();
            actix_web::rt::spawn(async move {
                if let Err(e) = state.auth.record_denied(&who, action.code()).await {
                    tracing::error!(error = %e, "could not audit a denied request");
                }
            });
        }
        return Err(Error::Forbidden);
    };
    if auth.enrolment_pending && action != Action::SelfManage {
        return Err(Error::SecondFactorEnrolmentRequired);
    }
    Ok(allowed)
}

/// The account of this request's session, as its verification found it.
pub(crate) fn account(req: &HttpRequest) -> Option<Arc<UserView>> {
    req.extensions().get::<Authenticated>().and_then(|a| a.user.clone())
}

/// Has this request's session still to enrol the second factor its role requires? Pages
/// open to such a session (`self.manage`) use it to lead to enrolment.
pub(crate) fn enrolment_pending(req: &HttpRequest) -> bool {
    req.extensions().get::<Authenticated>().is_some_and(|a| a.enrolment_pending)
}

/// The client's address for login throttling. Behind a reverse proxy every request
/// comes from the proxy, so `X-Forwarded-For` is honoured only when configured.
pub fn client_ip(req: &HttpRequest, trust_forwarded: bool) -> Option<IpAddr> {
    if trust_forwarded {
        let info = req.connection_info();
        let addr = info.realip_remote_addr()?;
        return addr.parse().ok().or_else(|| addr.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()));
    }
    req.peer_addr().map(|a| a.ip())
}
