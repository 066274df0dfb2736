//! Where the API document says a value is an object, an array is refused before serde
//! sees it (serde would bind the array's items to the struct's fields by position).
//! The walk follows the document's own schemas, so it knows every nested object the
//! handlers take without a list of its own.

use std::sync::OnceLock;

use serde_json::{Map, Value};

/// The component schemas of the API document as served.
fn components() -> &'static Map<String, Value> {
    static NONE: OnceLock<Map<String, Value>> = OnceLock::new();
    match crate::http::openapi::served().pointer("/components/schemas") {
        Some(Value::Object(schemas)) => schemas,
        _ => NONE.get_or_init(Map::new),
    }
}

/// The path (`consent`, `filters`, `identifying_spans.0`) of the first array in `body`
/// where the schema named `schema` expects an object; `None` when there is none.
pub fn array_for_object(body: &Value, schema: &str) -> Option<String> {
    // A body that is not an object at all is refused as such before this walk.
    if !body.is_object() {
        return None;
    }
    let schemas = components();
    let schema = schemas.get(schema)?;
    find(body, schema, schemas, String::new())
}

fn find(value: &Value, schema: &Value, schemas: &Map<String, Value>, at: String) -> Option<String> {
    let schema = resolve(schema, schemas);
    match value {
        Value::Array(_) if expects_object(schema, schemas) => Some(at),
        Value::Array(items) => {
            let item_schema = alternative(schema, schemas).get("items")?;
            items
                .iter()
                .enumerate()
                .find_map(|(i, v)| find(v, item_schema, schemas, join(&at, &i.to_string())))
        }
        Value::Object(fields) => {
            let properties = alternative(schema, schemas).get("properties")?.as_object()?;
            fields.iter().find_map(|(name, v)| {
                // Only names the document knows are followed (and so named in an error).
                let (known, property) = properties.get_key_value(name)?;
                find(v, property, schemas, join(&at, known))
            })
        }
        _ => None,
    }
}

fn join(at: &str, next: &str) -> String {
    if at.is_empty() { next.to_owned() } else { format!("{at}.{next}") }
}

fn resolve<'a>(schema: &'a Value, schemas: &'a Map<String, Value>) -> &'a Value {
    let name = schema.get("$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next());
    name.and_then(|n| schemas.get(n)).unwrap_or(schema)
}

/// `Option<T>` is written `oneOf: [{type: null}, T]`: the one alternative that is not null.
fn alternative<'a>(schema: &'a Value, schemas: &'a Map<String, Value>) -> &'a Value {
    let alternatives = schema.get("oneOf").or_else(|| schema.get("anyOf")).and_then(Value::as_array);
    let mut not_null = alternatives
        .into_iter()
        .flatten()
        .map(|a| resolve(a, schemas))
        .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"));
    match (not_null.next(), not_null.next()) {
        (Some(only), None) => only,
        _ => schema,
    }
}

fn expects_object(schema: &Value, schemas: &Map<String, Value>) -> bool {
    let schema = alternative(schema, schemas);
    match schema.get("type") {
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(types)) => {
            !types.iter().any(|t| t == "array") && types.iter().any(|t| t == "object")
        }
        None => schema.get("properties").is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nested_objects_sent_as_arrays_are_found_by_their_path() {
        let body = json!({"account": "a", "consent": [true, "written"], "languages": ["ru"]});
        assert_eq!(array_for_object(&body, "TestimonyInput").as_deref(), Some("consent"));
        let body = json!({"account": "a", "identifying_spans": [{"start": 0, "end": 1}, [0, 1]]});
        assert_eq!(array_for_object(&body, "TestimonyInput").as_deref(), Some("identifying_spans.1"));
        let body = json!({"q": "x", "filters": [null]});
        assert_eq!(array_for_object(&body, "SearchRequest").as_deref(), Some("filters"));
    }

    #[test]
    fn arrays_where_arrays_belong_pass() {
        let body = json!({"names": ["A"], "aliases": [], "kind": "victim"});
        assert_eq!(array_for_object(&body, "NewPerson"), None);
        let body = json!({"account": "a", "identifying_spans": [{"start": 0, "end": 1}], "unknown": [1]});
        assert_eq!(array_for_object(&body, "TestimonyInput"), None);
        assert_eq!(array_for_object(&json!({}), "NoSuchSchema"), None);
    }
}
