//! What the documenter's screens need from one transaction: the choices of the form
//! (the case's possible witnesses and the vocabulary), and the testimony page (the
//! version, its case, the incidents it may be linked to, labels and names). Pages render
//! these; they never assemble them from several calls.

use uuid::Uuid;

use super::read;
use super::types::{Status, TestimonyView};
use crate::access::membership;
use crate::access::policy::Action;
use crate::auth::Principal;
use crate::cases::case;
use crate::cases::incidents::{self, IncidentView};
use crate::cases::labels::{self, Names, Wanted};
use crate::cases::persons::{self, PersonKind, PersonView};
use crate::cases::vocab::{self, Term};
use crate::crypto::Keyring;
use crate::error::Result;
use crate::store::DbConnection;

/// What the testimony form offers: the case's victims and witnesses, and the
/// `source_connection` vocabulary.
#[derive(Debug)]
pub struct FormChoices {
    pub case_id: Uuid,
    pub witnesses: Vec<PersonView>,
    pub connections: Vec<Term>,
}

/// Everything the testimony page shows.
#[derive(Debug)]
pub struct TestimonyPage {
    pub testimony: TestimonyView,
    pub case_reference: String,
    /// May the reader link this testimony to incidents (and so see the case's)?
    pub may_link: bool,
    pub case_incidents: Vec<IncidentView>,
    /// Every vocabulary term, for labels in the reader's language.
    pub terms: Vec<Term>,
    /// The linked incidents by act, date and place.
    pub names: Names,
    /// The edit form's choices, when the reader is the author of a draft.
    pub form: Option<FormChoices>,
}

pub(crate) fn form_choices(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
) -> Result<FormChoices> {
    let mut witnesses = persons::list(c, keyring, who, case_id, Some(PersonKind::Witness), (500, 0))?.0;
    witnesses.extend(persons::list(c, keyring, who, case_id, Some(PersonKind::Victim), (500, 0))?.0);
    witnesses.sort_by(|a, b| a.pseudonym.cmp(&b.pseudonym));
    Ok(FormChoices { case_id, witnesses, connections: vocab::list(c, Some("source_connection"))? })
}

/// The testimony page: the version (an audited read) and what surrounds it.
pub(crate) fn page(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    id: Uuid,
) -> Result<TestimonyPage> {
    let t = read::get(c, keyring, who, id)?;
    let case = case::get(c, keyring, who, t.case_id)?;
    let may_link = membership::authorize(c, who, &t.case_id.to_string(), Action::TestimonyLink).is_ok();
    let case_incidents =
        if may_link { incidents::list(c, keyring, who, t.case_id, (200, 0))?.0 } else { Vec::new() };
    let terms = vocab::list(c, None)?;
    let want = Wanted { incidents: t.incidents.clone(), ..Default::default() };
    let names = labels::load(c, keyring, who, t.case_id, &want)?;
    let form = if t.status == Status::Draft && t.author_id == who.user_id {
        Some(form_choices(c, keyring, who, t.case_id)?)
    } else {
        None
    };
    Ok(TestimonyPage {
        testimony: t,
        case_reference: case.reference,
        may_link,
        case_incidents,
        terms,
        names,
        form,
    })
}
