//! Translations and transcripts: a translation is its own record (a testimony or an
//! attachment of the case) pointing at the original it renders. A testimony is named by
//! any of its versions and stored by its account (the first version's id), since every
//! version of a translated account is a translation.
//!
//! Refused with 422 naming the field: an original in another case, the item itself, one
//! that does not exist, or one that would close a cycle (an original that is, through its
//! own originals, a translation of this item).

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::{EvidenceItemKind, ItemRelation};
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{attachments, evaluations, item_relations, testimonies};

/// The longest chain of originals followed when looking for a cycle.
const MAX_CHAIN: usize = 64;

/// An item and the original it renders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OriginalLink {
    pub item_kind: EvidenceItemKind,
    /// The account's id (its first version) for a testimony.
    pub item_id: String,
    pub relation: ItemRelation,
    pub original_kind: EvidenceItemKind,
    pub original_id: String,
}

/// An item of the catalog as stored: its case and the id relations use (a testimony's
/// account), or None when there is no such record.
pub fn locate(c: &mut DbConnection, kind: EvidenceItemKind, id: &str) -> Result<Option<(String, String)>> {
    Ok(match kind {
        EvidenceItemKind::Testimony => testimonies::table
            .find(id)
            .select((testimonies::case_id, testimonies::root_id))
            .first::<(String, String)>(c)
            .optional()?,
        EvidenceItemKind::Attachment => attachments::table
            .find(id)
            .select(attachments::case_id)
            .first::<String>(c)
            .optional()?
            .map(|case| (case, id.to_owned())),
        EvidenceItemKind::Evaluation => evaluations::table
            .find(id)
            .select((evaluations::case_id, evaluations::root_id))
            .first::<(String, String)>(c)
            .optional()?,
        // Detention histories are not translated (the table refuses them).
        EvidenceItemKind::Detention => None,
    })
}

fn link_of(row: (String, String, String, String, String)) -> Result<OriginalLink> {
    let (kind, id, relation, original_kind, original_id) = row;
    Ok(OriginalLink {
        item_kind: EvidenceItemKind::parse(&kind).ok_or(Error::Integrity)?,
        item_id: id,
        relation: ItemRelation::parse(&relation).ok_or(Error::Integrity)?,
        original_kind: EvidenceItemKind::parse(&original_kind).ok_or(Error::Integrity)?,
        original_id,
    })
}

type LinkRow = (String, String, String, String, String);

fn select_link() -> (
    item_relations::item_kind,
    item_relations::item_id,
    item_relations::relation,
    item_relations::original_kind,
    item_relations::original_id,
) {
    (
        item_relations::item_kind,
        item_relations::item_id,
        item_relations::relation,
        item_relations::original_kind,
        item_relations::original_id,
    )
}

/// The original of an item (stored id), if it has one.
pub fn original_of(c: &mut DbConnection, kind: EvidenceItemKind, id: &str) -> Result<Option<OriginalLink>> {
    item_relations::table
        .find((kind.as_str(), id))
        .select(select_link())
        .first::<LinkRow>(c)
        .optional()?
        .map(link_of)
        .transpose()
}

/// Every link of a case.
pub fn of_case(c: &mut DbConnection, case_id: &str) -> Result<Vec<OriginalLink>> {
    item_relations::table
        .filter(item_relations::case_id.eq(case_id))
        .select(select_link())
        .load::<LinkRow>(c)?
        .into_iter()
        .map(link_of)
        .collect()
}

/// What `set` is asked to link.
pub struct NewLink<'a> {
    pub case_id: &'a str,
    pub item_kind: EvidenceItemKind,
    pub item_id: Uuid,
    pub relation: ItemRelation,
    pub original_kind: EvidenceItemKind,
    pub original_id: Uuid,
    pub by: Uuid,
    pub now: NaiveDateTime,
}

/// Links an item of the case to its original, replacing any link it had. The item must
/// be in the case (404 otherwise); the original is checked field by field (422).
pub fn set(c: &mut DbConnection, link: &NewLink<'_>) -> Result<OriginalLink> {
    let (item_case, item_id) =
        locate(c, link.item_kind, &link.item_id.to_string())?.ok_or(Error::NotFound)?;
    if item_case != link.case_id || link.item_kind == EvidenceItemKind::Detention {
        return Err(Error::NotFound);
    }
    if link.original_kind == EvidenceItemKind::Detention {
        return Err(Error::field("original_kind", "unsupported", "detention histories have no translations"));
    }
    let Some((original_case, original_id)) = locate(c, link.original_kind, &link.original_id.to_string())?
    else {
        return Err(Error::field("original_id", "not_found", "no such record"));
    };
    if original_case != link.case_id {
        return Err(Error::field(
            "original_id",
            "other_case",
            "the original must be a record of the same case",
        ));
    }
    if link.original_kind == link.item_kind && original_id == item_id {
        return Err(Error::field("original_id", "self", "an item cannot be its own original"));
    }
    // Follow the original's own originals: meeting the item closes a cycle.
    let mut seen = BTreeSet::new();
    let mut next = Some((link.original_kind, original_id.clone()));
    while let Some((kind, id)) = next {
        if (kind, id.as_str()) == (link.item_kind, item_id.as_str()) {
            return Err(Error::field(
                "original_id",
                "cycle",
                "the original is itself derived from this item",
            ));
        }
        if !seen.insert((kind, id.clone())) || seen.len() > MAX_CHAIN {
            break;
        }
        next = original_of(c, kind, &id)?.map(|l| (l.original_kind, l.original_id));
    }
    diesel::delete(item_relations::table.find((link.item_kind.as_str(), &item_id))).execute(c)?;
    diesel::insert_into(item_relations::table)
        .values((
            item_relations::item_kind.eq(link.item_kind.as_str()),
            item_relations::item_id.eq(&item_id),
            item_relations::case_id.eq(link.case_id),
            item_relations::relation.eq(link.relation.as_str()),
            item_relations::original_kind.eq(link.original_kind.as_str()),
            item_relations::original_id.eq(&original_id),
            item_relations::created_by.eq(link.by.to_string()),
            item_relations::created_at.eq(link.now),
        ))
        .execute(c)?;
    Ok(OriginalLink {
        item_kind: link.item_kind,
        item_id,
        relation: link.relation,
        original_kind: link.original_kind,
        original_id,
    })
}

/// Removes an item's link to its original; the stored id, or 404 when the item is not a
/// record of the case.
pub fn clear(c: &mut DbConnection, case_id: &str, kind: EvidenceItemKind, id: Uuid) -> Result<String> {
    let (item_case, item_id) = locate(c, kind, &id.to_string())?.ok_or(Error::NotFound)?;
    if item_case != case_id {
        return Err(Error::NotFound);
    }
    diesel::delete(item_relations::table.find((kind.as_str(), &item_id))).execute(c)?;
    Ok(item_id)
}
