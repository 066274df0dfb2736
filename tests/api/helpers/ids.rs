//! The ids the API answers, one type per kind of record, so a test cannot pass a
//! person where a case is meant; and what a creating call answers: the id and the view.

use serde::Serialize;
use serde_json::Value;

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id)
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                $name(id.clone())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl PartialEq<$name> for Value {
            fn eq(&self, id: &$name) -> bool {
                self.as_str() == Some(id.as_str())
            }
        }

        impl PartialEq<&$name> for Value {
            fn eq(&self, id: &&$name) -> bool {
                self.as_str() == Some(id.as_str())
            }
        }
    )*};
}

ids!(CaseId, PersonId, TestimonyId, AttachmentId, IncidentId, UnitId, PlaceId, BundleId);

/// What a creating call answered: the new record's id and its whole view (indexable
/// like the JSON it is: `made["pseudonym"]`).
#[derive(Clone, Debug)]
pub struct Created<I> {
    pub id: I,
    pub view: Value,
}

impl<I: From<String>> Created<I> {
    pub(super) fn from_view(view: Value) -> Self {
        let id = view["id"].as_str().unwrap_or_else(|| panic!("no id in {view}")).to_owned();
        Created { id: I::from(id), view }
    }
}

impl<I> std::ops::Deref for Created<I> {
    type Target = Value;
    fn deref(&self) -> &Value {
        &self.view
    }
}
