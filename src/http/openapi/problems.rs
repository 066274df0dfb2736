//! The problems each operation can answer, by what it takes, with an example of each.

use utoipa::Modify;

/// Every error is a problem document: documented responses that carry a `Problem` get
/// the `application/problem+json` media type. Each operation then lists the problems its
/// shape lets it meet, on top of those its annotation names: a bad path, query or body
/// (400) only where it has one, 404 where it names a record, 401 and 403 where it needs
/// a session, 413/415/422 where it takes a JSON body, 408/413/507 for uploads, 503 for
/// anything that reaches the database or the keys, and the opaque 500 everywhere.
pub(super) struct ProblemResponses;

/// What an operation takes, which decides what it can be refused for.
#[derive(Default)]
struct Shape {
    path_params: bool,
    query_params: bool,
    json_body: bool,
    upload: bool,
    secured: bool,
    /// `/healthz` answers from the process alone.
    liveness: bool,
}

impl Shape {
    fn of(path: &str, op: &utoipa::openapi::path::Operation) -> Self {
        use utoipa::openapi::path::ParameterIn;
        let params = op.parameters.as_deref().unwrap_or_default();
        let body = op.request_body.as_ref().map(|b| &b.content);
        Shape {
            path_params: params.iter().any(|p| p.parameter_in == ParameterIn::Path),
            query_params: params.iter().any(|p| p.parameter_in == ParameterIn::Query),
            json_body: body.is_some_and(|c| c.contains_key("application/json")),
            upload: body.is_some_and(|c| c.keys().any(|k| k != "application/json")),
            secured: op.security.as_ref().is_some_and(|s| !s.is_empty()),
            liveness: path == "/healthz",
        }
    }

    fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut list = vec![(
            "500",
            "`internal` (a bug; `instance` holds the request id to quote) or `integrity_error`",
        )];
        if !self.liveness {
            list.push((
                "503",
                "`sealed`, `not_initialised`, `unavailable` (database), `key_unavailable`, `storage_unavailable` or `object_store_unavailable`; see Retry-After",
            ));
        }
        if self.secured {
            list.push(("401", "`unauthenticated`: no, bad, expired or revoked token"));
            list.push((
                "403",
                "`forbidden` (the role may not do this) or `second_factor_enrolment_required`",
            ));
        }
        if self.upload {
            list.push((
                "400",
                "`bad_request`: a bad `Content-Type`, or a body cut short or not matching its Content-Length",
            ));
            list.push(("408", "`upload_stalled`: the upload stopped sending"));
            list.push((
                "413",
                "`payload_too_large`: the file is over `storage.max_attachment_bytes` (an import's, over `storage.max_import_bytes`)",
            ));
            list.push(("507", "`insufficient_storage`: the disk is full; nothing of the upload is kept"));
        }
        if self.json_body {
            list.push(("400", "`invalid_body` (not a JSON object, a wrong type, a missing or unknown field), `invalid_path` or `invalid_query`"));
            list.push(("413", "`payload_too_large`: over `server.max_json_bytes`"));
            list.push(("415", "`unsupported_media_type`: send `application/json`"));
            list.push((
                "422",
                "`validation_error`: each invalid field named in `errors`; besides the limits in the schema, \
                 the rules no schema states (a record that must be in the same case, a code that must be a \
                 term of its vocabulary, dates against their precision and each other)",
            ));
        }
        if self.path_params || self.query_params {
            list.push(("400", "`invalid_path` (an id that is not a UUID) or `invalid_query` (an unknown or unreadable query parameter)"));
        }
        if self.query_params {
            list.push(("422", "`validation_error`: e.g. `limit` outside 1–200, named in `errors`"));
        }
        if self.path_params {
            list.push(("404", "`not_found`: no such record, or not in one of the caller's cases (existence is not revealed)"));
        }
        list
    }
}

/// One example per problem type an operation's status can carry: the types the shape's
/// descriptions name for that status, or else every type of that status.
fn examples(
    status: &str,
    problems: &[(&str, &str)],
) -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::example::Example>> {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::example::ExampleBuilder;
    let named: Vec<&str> = problems
        .iter()
        .filter(|(s, _)| *s == status)
        .flat_map(|(_, description)| description.split('`').skip(1).step_by(2))
        .collect();
    crate::http::problem::catalogue()
        .into_iter()
        .filter(|p| p.status.to_string() == status)
        .filter(|p| named.is_empty() || named.iter().any(|n| p.type_.ends_with(&format!(":{n}"))))
        .filter_map(|p| {
            let code = p.type_.rsplit(':').next()?.to_owned();
            let value = serde_json::to_value(&p).ok()?;
            Some((code, RefOr::T(ExampleBuilder::new().summary(p.title).value(Some(value)).build())))
        })
        .collect()
}

/// An `OpenRosaResponse` message, as the OpenRosa server's errors are.
fn openrosa_message() -> utoipa::openapi::Content {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    utoipa::openapi::ContentBuilder::new()
        .schema(Some(
            ObjectBuilder::new().schema_type(Type::String).description(Some("OpenRosaResponse XML")),
        ))
        .build()
}

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        const PROBLEM: &str = "application/problem+json";
        let problem =
            || ContentBuilder::new().schema(Some(RefOr::Ref(Ref::from_schema_name("Problem")))).build();
        for (path, item) in openapi.paths.paths.iter_mut() {
            // The OpenRosa server answers its clients in their own form: XML, never a
            // problem document (http::api::intake::openrosa_response).
            let openrosa = path.starts_with("/openrosa");
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
            ];
            for op in ops.into_iter().flatten() {
                if openrosa {
                    for &(status, description) in &Shape::of(path, op).problems() {
                        op.responses.responses.entry(status.to_owned()).or_insert_with(|| {
                            RefOr::T(
                                ResponseBuilder::new()
                                    .description(description)
                                    .content("text/xml", openrosa_message())
                                    .build(),
                            )
                        });
                    }
                    continue;
                }
                for response in op.responses.responses.values_mut() {
                    if let RefOr::T(r) = response
                        && let Some(content) = r.content.shift_remove("application/json")
                    {
                        let is_problem = matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"));
                        let media = if is_problem { PROBLEM } else { "application/json" };
                        r.content.insert(media.to_owned(), content);
                    }
                }
                let problems = Shape::of(path, op).problems();
                for &(status, description) in &problems {
                    // The first (and the annotation's own) description of a status wins.
                    op.responses.responses.entry(status.to_owned()).or_insert_with(|| {
                        RefOr::T(
                            ResponseBuilder::new()
                                .description(description)
                                .content(PROBLEM, problem())
                                .build(),
                        )
                    });
                }
                for (status, response) in op.responses.responses.iter_mut() {
                    if let RefOr::T(response) = response
                        && let Some(content) = response.content.get_mut(PROBLEM)
                    {
                        content.examples = examples(status, &problems);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::document_json;
    /// Every problem response shows what it looks like, with a type of its own status.
    #[test]
    fn every_problem_response_has_examples_of_its_status() {
        let doc = document_json();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for (status, response) in op["responses"].as_object().unwrap() {
                    let Some(content) = response["content"].get("application/problem+json") else { continue };
                    let examples = content["examples"].as_object();
                    assert!(
                        examples.is_some_and(|e| !e.is_empty()),
                        "{method} {path} {status} has no example"
                    );
                    for example in examples.unwrap().values() {
                        assert_eq!(example["value"]["status"].to_string(), *status, "{method} {path}");
                    }
                }
            }
        }
    }
}
