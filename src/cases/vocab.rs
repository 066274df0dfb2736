//! Controlled vocabularies, shipped as data (migration 5) with English and Russian
//! labels; admins may add terms.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor, Entry};
use crate::error::{Error, FieldError, Result};
use crate::store::DbConnection;
use crate::store::schema::vocabulary_terms;

/// The vocabularies admins may extend. The degrees of consistency, body systems and body
/// regions are the Istanbul Protocol's own (and each region has its place on the body
/// diagram), so they are fixed.
pub const VOCABULARIES: &[&str] = &[
    "act_type",
    "torture_method",
    "source_connection",
    "involvement_role",
    "place_type",
    "facility_type",
    "hearing_outcome",
    "law_code",
    "sentence_kind",
    "consent_purpose",
    "referral_kind",
];

#[derive(Debug, Clone, Serialize, Deserialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = vocabulary_terms)]
pub struct Term {
    pub vocabulary: String,
    pub code: String,
    pub label_en: String,
    pub label_ru: String,
    pub builtin: bool,
}

pub fn list(c: &mut DbConnection, vocabulary: Option<&str>) -> Result<Vec<Term>> {
    let mut q = vocabulary_terms::table.into_boxed();
    if let Some(v) = vocabulary {
        q = q.filter(vocabulary_terms::vocabulary.eq(v.to_owned()));
    }
    Ok(q.order((vocabulary_terms::vocabulary, vocabulary_terms::code)).select(Term::as_select()).load(c)?)
}

/// A field error unless `code` is a term of `vocabulary`.
pub fn check(c: &mut DbConnection, vocabulary: &str, code: &str, field: &str) -> Result<Option<FieldError>> {
    let known: i64 = vocabulary_terms::table
        .filter(vocabulary_terms::vocabulary.eq(vocabulary))
        .filter(vocabulary_terms::code.eq(code))
        .count()
        .get_result(c)?;
    Ok((known == 0).then(|| {
        FieldError::new(field, "unknown_code", format!("not a term of the {vocabulary} vocabulary"))
    }))
}

/// `add` at a time the caller's clock gives.
pub fn add_at(
    c: &mut DbConnection,
    actor: Actor,
    vocabulary: &str,
    term: &NewTerm,
    now: NaiveDateTime,
) -> Result<Term> {
    let mut errors = Vec::new();
    if !VOCABULARIES.contains(&vocabulary) {
        return Err(Error::NotFound);
    }
    errors.extend(crate::rules::CODE.check("code", &term.code).err());
    for (field, label) in [("label_en", &term.label_en), ("label_ru", &term.label_ru)] {
        errors.extend(crate::rules::LABEL.check(field, label).err());
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    diesel::insert_into(vocabulary_terms::table)
        .values((
            vocabulary_terms::vocabulary.eq(vocabulary),
            vocabulary_terms::code.eq(&term.code),
            vocabulary_terms::label_en.eq(term.label_en.trim()),
            vocabulary_terms::label_ru.eq(term.label_ru.trim()),
            vocabulary_terms::builtin.eq(false),
            vocabulary_terms::created_at.eq(now),
        ))
        .execute(c)
        .map_err(|e| match Error::from(e) {
            Error::Conflict(_) => Error::Conflict("term_exists"),
            other => other,
        })?;
    audit::append(
        c,
        &Entry::new(actor, "vocabulary.add")
            .target("vocabulary", vocabulary)
            .detail("code", term.code.clone()),
    )?;
    Ok(Term {
        vocabulary: vocabulary.to_owned(),
        code: term.code.clone(),
        label_en: term.label_en.trim().to_owned(),
        label_ru: term.label_ru.trim().to_owned(),
        builtin: false,
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTerm {
    pub code: String,
    pub label_en: String,
    pub label_ru: String,
}
