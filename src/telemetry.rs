//! Logging. One span per request carries the request id, method, matched route and
//! status; by construction it never records query strings, bodies, headers or tokens.
//! Levels follow what an operator must do (`Error::log_level`): ERROR only for what
//! needs a person, never for a refusal the API makes by design.

mod refused;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::{Level, Span};
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{LogFormat, LogSettings};
use crate::error::{self, event_at};

pub use refused::{RefusedByHttpLayer, TARGET as HTTP_LAYER_TARGET};

/// Installs the global subscriber. `writer` lets tests capture every log byte.
pub fn init<W>(settings: &LogSettings, writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(&settings.level).unwrap_or_else(|_| EnvFilter::new("info"));
    // actix logs request paths, query strings and extractor inputs at debug level; those
    // may carry what a client should never have put there, so they stay capped at info
    // whatever level is configured.
    let filter = ["actix_web=info", "actix_http=info", "actix_server=info"]
        .into_iter()
        .filter_map(|d| d.parse().ok())
        .fold(filter, |f, directive| f.add_directive(directive));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    // A second init (tests) keeps the first subscriber; that is fine.
    let _ = match settings.format {
        LogFormat::Json => builder.json().flatten_event(true).finish().with(RefusedByHttpLayer).try_init(),
        LogFormat::Pretty => builder.finish().with(RefusedByHttpLayer).try_init(),
    };
}

/// The level a finished request is logged at: by its error's kind when it carries one
/// of ours; otherwise by status (actix's own refusals — unknown route, wrong method,
/// unreadable body — are 4xx; a 5xx we did not make is a bug).
pub fn request_level(status: u16, error: Option<&error::Error>) -> Level {
    match error {
        Some(e) => e.log_level(),
        None if status >= 500 => Level::ERROR,
        None => Level::INFO,
    }
}

/// Our root span: the route *pattern* (`/api/v1/users/{id}`), never the raw target with
/// its query string.
pub struct CustodiaRootSpan;

impl RootSpanBuilder for CustodiaRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request.extensions().get::<RequestId>().map(|id| id.to_string()).unwrap_or_default();
        let route = request.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
        tracing::info_span!(
            "request",
            request_id = %request_id,
            method = %request.method(),
            route = %route,
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let _enter = span.enter();
        // Refusals reach here as a response carrying its error (handlers, extractors,
        // `finish_response` keeps it) or, from a middleware that returned one, as an error.
        let (status, error) = match outcome {
            Ok(response) => (response.status().as_u16(), response.response().error()),
            Err(error) => (error.as_response_error().status_code().as_u16(), Some(error)),
        };
        span.record("status", status);
        if status < 400 {
            tracing::info!(status, "request");
            return;
        }
        let ours = error.and_then(|e| e.as_error::<error::Error>());
        let problem = ours.map(error::Error::problem_type);
        let level = request_level(status, ours);
        if level == Level::ERROR {
            // Our errors' Display carries context, never plaintext or secrets; another
            // error's (actix's own) is only ever a 5xx here, where it is needed.
            match error {
                Some(error) => tracing::error!(%error, status, problem, "request failed"),
                None => tracing::error!(status, "request failed"),
            }
        } else {
            // A refusal: its kind is enough, the client was told the rest.
            event_at!(level, status, problem, "request refused");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_an_error_only_when_it_needs_a_person() {
        use error::Error as E;
        assert_eq!(request_level(503, Some(&E::Sealed)), Level::INFO);
        assert_eq!(request_level(503, Some(&E::NotInitialised)), Level::INFO);
        assert_eq!(request_level(429, Some(&E::RateLimited { retry_after_secs: 1 })), Level::WARN);
        assert_eq!(request_level(503, Some(&E::Unavailable)), Level::ERROR);
        assert_eq!(request_level(500, Some(&E::Integrity)), Level::ERROR);
        assert_eq!(request_level(507, Some(&E::DiskFull)), Level::ERROR);
        // Not one of ours: actix's refusals by status, its 5xx as a bug.
        for status in [400, 404, 405, 413, 415] {
            assert_eq!(request_level(status, None), Level::INFO, "{status}");
        }
        assert_eq!(request_level(500, None), Level::ERROR);
    }
}
