//! JSON request bodies. serde binds a struct from an array by position, so
//! `["ARR-1", "title"]` would open a case and `[false]` would set a policy: a body must
//! be an object with named fields, and so must every value inside it that the API
//! document describes as an object (a testimony's `consent`, a search's `filters`), or it
//! is refused (400 `invalid_body`) for every handler at once. An integer written with a
//! zero fraction (`5.0`) is an integer in JSON Schema 2020-12, and so in the OpenAPI 3.1
//! document; it is read as one.

use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::error::{InternalError, JsonPayloadError};
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::{Number, Value};
use utoipa::ToSchema;

use crate::http::problem::{self, Problem};

mod shapes;

/// A JSON object body of type `T`. Size limit, media type and syntax errors are those of
/// the application's `JsonConfig`.
#[derive(Debug)]
pub struct JsonObject<T>(pub T);

impl<T> JsonObject<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for JsonObject<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + ToSchema + 'static> FromRequest for JsonObject<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = web::Json::<Value>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let value = value.await?.into_inner();
            let nested = shapes::array_for_object(&value, &T::name());
            let not_an_object = |what: &str| {
                let problem = Problem::from(problem::INVALID_BODY)
                    .detail(format!("{what} must be a JSON object with named fields"));
                InternalError::from_response("an array for an object", problem.response()).into()
            };
            nested.map_or_else(|| bind(value), |at| Err(Refused::ArrayFor(at))).map(JsonObject).map_err(|e| {
                match e {
                    Refused::NotAnObject => not_an_object("the body"),
                    Refused::ArrayFor(field) => not_an_object(&format!("`{field}`")),
                    Refused::Fields(e) => problem::json_error(JsonPayloadError::Deserialize(e), &req),
                }
            })
        })
    }
}

#[derive(Debug)]
enum Refused {
    NotAnObject,
    /// A value inside the body (named by its path) is an array where an object belongs.
    ArrayFor(String),
    Fields(serde_json::Error),
}

fn bind<T: DeserializeOwned>(mut value: Value) -> Result<T, Refused> {
    if !value.is_object() {
        return Err(Refused::NotAnObject);
    }
    match T::deserialize(&value) {
        Ok(t) => Ok(t),
        // Only when the body does not fit as sent: a float field keeps its `5.0`.
        Err(e) if integral_floats_to_integers(&mut value) => {
            T::deserialize(&value).map_err(|_| Refused::Fields(e))
        }
        Err(e) => Err(Refused::Fields(e)),
    }
}

/// Rewrites every number with a zero fraction (within the range a double holds exactly)
/// as an integer; says whether it changed anything.
fn integral_floats_to_integers(value: &mut Value) -> bool {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    match value {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() <= EXACT => {
                *n = Number::from(f as i64);
                true
            }
            _ => false,
        },
        Value::Array(items) => every(items.iter_mut()),
        Value::Object(map) => every(map.values_mut()),
        _ => false,
    }
}

/// Visits every value (no short cut once one has changed).
fn every<'a>(values: impl Iterator<Item = &'a mut Value>) -> bool {
    let mut changed = false;
    for v in values {
        changed |= integral_floats_to_integers(v);
    }
    changed
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Body {
        reference: String,
        offset: Option<i64>,
        latitude: Option<f64>,
    }

    #[test]
    fn an_array_never_binds_a_struct_by_position() {
        // serde alone would accept it.
        assert!(serde_json::from_value::<Body>(json!(["R-1", 1, 2.5])).is_ok());
        assert!(matches!(bind::<Body>(json!(["R-1", 1, 2.5])), Err(Refused::NotAnObject)));
        assert!(matches!(bind::<Body>(json!("R-1")), Err(Refused::NotAnObject)));
        assert!(matches!(bind::<Body>(json!(null)), Err(Refused::NotAnObject)));
    }

    #[test]
    fn integers_may_carry_a_zero_fraction_and_floats_stay_floats() {
        let b: Body = bind(json!({"reference": "R", "offset": 5.0, "latitude": 48.0})).unwrap();
        assert_eq!(b, Body { reference: "R".into(), offset: Some(5), latitude: Some(48.0) });
        let b: Body = bind(json!({"reference": "R", "latitude": 48.5})).unwrap();
        assert_eq!(b.latitude, Some(48.5));
        assert!(matches!(bind::<Body>(json!({"reference": "R", "offset": 5.5})), Err(Refused::Fields(_))));
        assert!(matches!(bind::<Body>(json!({"reference": "R", "offset": 1e300})), Err(Refused::Fields(_))));
    }
}
