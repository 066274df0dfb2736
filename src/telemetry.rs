//! Logging. One span per request carries the request id, method, matched route and
//! status; by construction it never records query strings, bodies, headers or tokens.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::{LogFormat, LogSettings};

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
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
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
        match outcome {
            Ok(response) => {
                let status = response.status().as_u16();
                span.record("status", status);
                if let Some(error) = response.response().error().filter(|_| status >= 500) {
                    // Our errors' Display carries context, never plaintext or secrets.
                    tracing::error!(%error, status, "request failed");
                } else {
                    tracing::info!(status, "request");
                }
            }
            // Middleware refusals (no session, sealed) arrive here as errors: only a 5xx
            // is ours to worry about.
            Err(error) => {
                let status = error.as_response_error().status_code().as_u16();
                span.record("status", status);
                if status >= 500 {
                    tracing::error!(%error, status, "request failed");
                } else {
                    tracing::info!(status, "request");
                }
            }
        }
    }
}
