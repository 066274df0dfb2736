//! Requests actix-http refuses before our application sees them. Its h1 dispatcher
//! (`actix_http::h1::dispatcher`, `InnerDispatcher::poll_request`) answers a request it
//! cannot parse — a NUL or other forbidden byte in a header, a bad method, URI or
//! version — with a bare 400, and a head over 128 KiB or with more than 96 headers
//! with a bare 431, and then logs `stream error: request parse error: …` at ERROR. The
//! same line follows a client that hung up mid-head (`stream error: I/O error: …`).
//! None of that needs an operator, and any client can send it as often as it likes: the
//! line is dropped and one INFO line under our own target says what happened, in words
//! of ours. Neither carries anything the client sent.

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// Where the replacement lines are logged.
pub const TARGET: &str = "custodia::http_layer";

const DISPATCHER: &str = "actix_http::h1::dispatcher";

/// What a refused connection was, from actix-http's own message (`DispatchError`'s
/// Display): the reason in our words and the status the client got, if any. `None`
/// for anything else, which keeps its level (a response body that failed to stream is
/// ours to look at).
pub fn classify(message: &str) -> Option<(&'static str, Option<u16>)> {
    let rest = message.strip_prefix("stream error: ")?;
    if let Some(parse) = rest.strip_prefix("request parse error: ") {
        return Some(if parse.starts_with("message head is too large") {
            ("request head too large", Some(431))
        } else if parse.starts_with("I/O error") {
            ("client went away", None)
        } else {
            ("malformed request", Some(400))
        });
    }
    if rest.starts_with("I/O error") {
        return Some(("client went away", None));
    }
    None
}

/// The layer that swaps actix-http's ERROR lines for refusals for our INFO line.
pub struct RefusedByHttpLayer;

impl<S: Subscriber> Layer<S> for RefusedByHttpLayer {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        let meta = event.metadata();
        if *meta.level() != Level::ERROR || !meta.target().starts_with(DISPATCHER) {
            return true;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        let Some((reason, status)) = classify(&message.0) else { return true };
        match status {
            Some(status) => {
                tracing::info!(target: TARGET, reason, status, "request refused by the HTTP layer")
            }
            None => tracing::info!(target: TARGET, reason, "request refused by the HTTP layer"),
        }
        false
    }
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = value.to_owned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::classify;

    #[test]
    fn actix_http_refusals_are_recognised_and_the_rest_is_not() {
        let cases = [
            (
                "stream error: request parse error: invalid Header provided",
                Some(("malformed request", Some(400))),
            ),
            (
                "stream error: request parse error: invalid method specified",
                Some(("malformed request", Some(400))),
            ),
            (
                "stream error: request parse error: URI error: invalid uri character",
                Some(("malformed request", Some(400))),
            ),
            (
                "stream error: request parse error: message head is too large",
                Some(("request head too large", Some(431))),
            ),
            (
                "stream error: request parse error: I/O error: connection reset",
                Some(("client went away", None)),
            ),
            ("stream error: I/O error: Broken pipe (os error 32)", Some(("client went away", None))),
            // Ours to look at: a response body that failed, actix-http's own bugs.
            ("stream error: body error: integrity", None),
            ("stream error: internal error", None),
            ("Response payload stream error: Integrity", None),
            ("write zero; closing", None),
        ];
        for (message, want) in cases {
            assert_eq!(classify(message), want, "{message}");
        }
    }
}
