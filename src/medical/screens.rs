//! What the evaluation pages need, each in one transaction: the choices of the form
//! (vocabularies, the person), an evaluation with its diagram (an audited read), and a
//! person's list.

use std::collections::HashMap;

use uuid::Uuid;

use super::diagram::{self, Words};
use super::stored::{authorize, authorize_person, open_content, view_of};
use super::types::{EvaluationSummary, EvaluationView};
use super::{Medical, bundle, read};
use crate::access::{ActionMarker, Allowed, act};
use crate::analysis::draw::Language;
use crate::audit::{self, Entry};
use crate::cases::parse_uuid;
use crate::cases::vocab::{self, Term};
use crate::error::Result;
use crate::store::DbConnection;

/// The vocabularies of an evaluation's form and view, in both languages.
#[derive(Debug, Clone, Default)]
pub struct Terms(pub Vec<Term>);

impl Terms {
    fn load(c: &mut DbConnection) -> Result<Terms> {
        let mut all = Vec::new();
        for v in ["consistency", "body_region", "body_system", "torture_method"] {
            all.extend(vocab::list(c, Some(v))?);
        }
        Ok(Terms(all))
    }

    /// The terms of one vocabulary, in order.
    pub fn of<'a>(&'a self, vocabulary: &'a str) -> impl Iterator<Item = &'a Term> + 'a {
        self.0.iter().filter(move |t| t.vocabulary == vocabulary)
    }

    pub fn label(&self, ru: bool, vocabulary: &str, code: &str) -> String {
        self.0
            .iter()
            .find(|t| t.vocabulary == vocabulary && t.code == code)
            .map(|t| if ru { t.label_ru.clone() } else { t.label_en.clone() })
            .unwrap_or_else(|| code.to_owned())
    }

    pub fn map(&self, ru: bool) -> HashMap<(String, String), String> {
        self.0
            .iter()
            .map(|t| {
                (
                    (t.vocabulary.clone(), t.code.clone()),
                    if ru { t.label_ru.clone() } else { t.label_en.clone() },
                )
            })
            .collect()
    }
}

/// Whom an evaluation is of, and the form's choices.
#[derive(Debug, Clone)]
pub struct FormChoices {
    pub person_id: Uuid,
    pub case_id: Uuid,
    pub pseudonym: String,
    pub terms: Terms,
}

/// An evaluation as its page shows it.
#[derive(Debug, Clone)]
pub struct EvaluationPage {
    pub view: EvaluationView,
    pub pseudonym: String,
    pub svg: String,
    pub terms: Terms,
}

fn choices<A: ActionMarker>(c: &mut DbConnection, who: &Allowed<A>, person_id: &str) -> Result<FormChoices> {
    let (person, _) = authorize_person(c, who, person_id)?;
    Ok(FormChoices {
        person_id: parse_uuid(&person.id)?,
        case_id: parse_uuid(&person.case_id)?,
        pseudonym: person.pseudonym.clone(),
        terms: Terms::load(c)?,
    })
}

impl Medical {
    /// The new evaluation form of a person.
    pub async fn new_form(&self, who: Allowed<act::MedicalWrite>, person_id: Uuid) -> Result<FormChoices> {
        self.ctx.read(move |c| choices(c, &who, &person_id.to_string())).await
    }

    /// An evaluation and its form's choices (the edit and correction forms). Audited
    /// as a read.
    pub async fn form_of(
        &self,
        who: Allowed<act::MedicalWrite>,
        id: Uuid,
    ) -> Result<(EvaluationView, FormChoices)> {
        self.ctx
            .write(move |c, k| {
                let (row, _) = authorize(c, &who, &id.to_string())?;
                let content = open_content(c, k, &row)?;
                let d = choices(c, &who, &row.person_id)?;
                audit::append(
                    c,
                    &Entry::new(&who.principal, "evaluation.read").target("evaluation", &row.id),
                )?;
                Ok((view_of(c, k, row, content)?, d))
            })
            .await
    }

    /// An evaluation's page: the version, its diagram in `language`. Audited as a read.
    pub async fn page(
        &self,
        who: Allowed<act::MedicalRead>,
        id: Uuid,
        language: Language,
    ) -> Result<EvaluationPage> {
        self.ctx
            .write(move |c, k| {
                let view = read::find(c, k, &who, id)?;
                read::record_read(c, &who, &view)?;
                let d = choices(c, &who, &view.person_id.to_string())?;
                let labels = bundle::labels(c, language)?;
                let svg = diagram::draw(&view.content, &Words { language, labels });
                Ok(EvaluationPage { view, pseudonym: d.pseudonym, svg, terms: d.terms })
            })
            .await
    }

    /// A person's evaluations for their page, and the person. Audited as a list.
    pub async fn person_page(
        &self,
        who: Allowed<act::MedicalRead>,
        person_id: Uuid,
    ) -> Result<(FormChoices, Vec<EvaluationSummary>)> {
        self.ctx
            .write_plain(move |c| {
                let d = choices(c, &who, &person_id.to_string())?;
                Ok((d, read::list_for_person(c, &who, person_id)?))
            })
            .await
    }
}
