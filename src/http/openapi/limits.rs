//! The limits of `rules`, written into the document.

use serde_json::Value;
use utoipa::Modify;

use crate::rules;

/// The limits the services keep (`rules`), written onto the fields and the query and
/// path parameters they apply to. Each schema is edited as JSON, where a rule's keywords are JSON Schema.
pub(super) struct Rules;

impl Modify for Rules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            for field in rules::DOCUMENTED {
                if let Some(schema) = components.schemas.get_mut(field.schema) {
                    edit_json(schema, |json| {
                        let mut target = json.pointer_mut(&format!("/properties/{}", field.property));
                        if field.items {
                            target = target.and_then(|p| p.get_mut("items"));
                        }
                        if let Some(Value::Object(target)) = target {
                            target.extend(field.rule.keywords());
                            if let Some(note) = field.rule.note() {
                                let before =
                                    target.get("description").and_then(Value::as_str).unwrap_or_default();
                                let description = format!("{before}\n\n{note}").trim().to_owned();
                                target.insert("description".into(), Value::from(description));
                            }
                        }
                    });
                }
            }
        }
        for item in openapi.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for param in ops.into_iter().flatten().flat_map(|op| op.parameters.iter_mut().flatten()) {
                use utoipa::openapi::path::ParameterIn;
                let rule =
                    rules::PARAMETERS.iter().find(|(name, _)| *name == param.name).map(|(_, rule)| rule);
                if let (Some(rule), Some(schema)) = (rule, param.schema.as_mut())
                    && matches!(param.parameter_in, ParameterIn::Query | ParameterIn::Path)
                {
                    edit_json(schema, |json| {
                        if let Value::Object(json) = json {
                            json.extend(rule.keywords());
                        }
                    });
                }
            }
        }
    }
}

/// Edits a typed schema through its JSON form; a schema that does not come back as one
/// (it always does: the edits only add JSON Schema keywords) is left as it was.
fn edit_json<T: serde::Serialize + serde::de::DeserializeOwned>(
    schema: &mut T,
    edit: impl FnOnce(&mut Value),
) {
    let Ok(mut json) = serde_json::to_value(&*schema) else { return };
    edit(&mut json);
    if let Ok(edited) = serde_json::from_value(json) {
        *schema = edited;
    }
}
