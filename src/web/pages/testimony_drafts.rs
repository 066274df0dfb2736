//! The new testimony form saved as it is typed (its first autosave creates the draft,
//! and the witness when new), and a form kept over a sign-in saved into its draft.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::{TestimonyForm, opt, update_draft};
use crate::access::Allowed;
use crate::access::membership as access;
use crate::access::policy::act;
use crate::auth::Action;
use crate::cases::persons::{self, NewPerson, PersonKind};
use crate::cases::testimonies::{self, Completeness, TestimonyView};
use crate::error::{Error, Result};
use crate::services::Services;
use crate::web::Form;

/// The new testimony form's first save (autosave, Save draft, or a form kept over a
/// sign-in): the witness, when new, and the draft, in one transaction — as far as it
/// was typed; sealing asks for the rest.
pub(super) fn create_draft(
    c: &mut crate::store::DbConnection,
    k: &crate::crypto::Keyring,
    p: &crate::auth::Principal,
    case_id: Uuid,
    f: &TestimonyForm,
) -> Result<TestimonyView> {
    access::authorize(c, p, &case_id.to_string(), Action::TestimonyDraft)?;
    if f.is_blank() {
        return Err(Error::field("account", "required", "must not be empty"));
    }
    let witness = match f.witness_id.parse::<Uuid>() {
        Ok(id) => id,
        Err(_) => {
            let names: Vec<String> = f.new_witness.split(',').filter_map(opt).collect();
            let person = NewPerson {
                kind: PersonKind::Witness,
                pseudonym: None,
                sex: Default::default(),
                names,
                aliases: vec![],
                birth_date: None,
                contact: None,
                rank: None,
                position: None,
                unit_id: None,
                notes: None,
            };
            persons::create(c, k, p, case_id, &person)?.id
        }
    };
    let input = f.input(witness).map_err(Error::Validation)?;
    testimonies::create_as(c, k, p, case_id, &input, Completeness::Draft)
}

/// The new form's autosave: the first one creates the draft; the page's script then
/// sends the form (and its next autosaves) to that draft, so no second one is made.
pub(super) async fn autosave_new(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyDraft>,
    id: web::Path<Uuid>,
    form: Form<TestimonyForm>,
) -> Result<HttpResponse> {
    let (p, case_id, f) = (who.principal, id.into_inner(), form.0);
    let t = state.tx(move |c, k| create_draft(c, k, &p, case_id, &f)).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({
        "id": t.id,
        "action": format!("/testimonies/{}/edit", t.id),
        "autosave": format!("/testimonies/{}/autosave", t.id),
        "page": format!("/testimonies/{}", t.id),
    })))
}

/// A form kept on the sign-in page when the session had ended, saved once its author
/// signed in again: `action` is where it was posted. Returns the draft's page.
pub async fn replay(
    state: &Services,
    p: crate::auth::Principal,
    action: &str,
    body: &[u8],
) -> Result<String> {
    let f: TestimonyForm = serde_html_form::from_bytes(body)
        .map_err(|_| Error::BadRequest("the form could not be read".into()))?;
    let parts: Vec<&str> = action.trim_start_matches('/').split('/').collect();
    let t = match parts.as_slice() {
        ["cases", case, "testimonies", "new" | "autosave"] => {
            let case_id = case.parse::<Uuid>().map_err(|_| Error::NotFound)?;
            state.tx(move |c, k| create_draft(c, k, &p, case_id, &f)).await?
        }
        ["testimonies", id, "edit" | "autosave"] => {
            let id = id.parse::<Uuid>().map_err(|_| Error::NotFound)?;
            state.tx(move |c, k| update_draft(c, k, &p, id, &f)).await?
        }
        _ => return Err(Error::NotFound),
    };
    Ok(format!("/testimonies/{}?restored=1", t.id))
}

/// The forms a page posts that carry typed text worth keeping over a sign-in. Not the
/// autosave: the script, told the session ended, posts the form itself.
/// Returns what the form is, for the audit log: (form code, record kind, record id).
pub fn keeps_form(path: &str) -> Option<(&'static str, &'static str, Uuid)> {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["cases", case, "testimonies", "new"] => Some(("testimony_new", "case", case.parse().ok()?)),
        ["testimonies", id, "edit"] => Some(("testimony_edit", "testimony", id.parse().ok()?)),
        _ => None,
    }
}
