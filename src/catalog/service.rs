//! The catalog as the edges use it (`evidence.catalog`): link a translation or transcript
//! to its original, list the case's reference numbers, and (lawyers and case leads, who
//! export) set an item's confidentiality level. Every change is audited in its
//! transaction; nothing here reads sealed content.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::references::{self, format};
use super::relations::{self, NewLink, OriginalLink};
use super::{Confidentiality, EvidenceItemKind, ItemRelation};
use crate::access::membership as access;
use crate::access::policy::{self, Action};
use crate::access::{Allowed, act};
use crate::audit::{self, Entry};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{attachments, cases, testimonies};

/// `PUT …/original`: what the item renders and how.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetOriginal {
    pub relation: ItemRelation,
    pub original_kind: EvidenceItemKind,
    /// A testimony (any of its versions) or an attachment of the same case.
    pub original_id: Uuid,
}

/// `PUT …/confidentiality`: the level, or null to go back to the default of its kind.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetConfidentiality {
    pub level: Option<Confidentiality>,
}

/// An exported item's reference numbers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CatalogItem {
    pub item_kind: EvidenceItemKind,
    /// A testimony version's id, an attachment's id…
    pub item_id: String,
    /// The first page's reference number (`BY-2021-0007-000001`).
    pub reference_first: String,
    pub reference_last: String,
    pub pages: i64,
    /// The level a lawyer set; null: the default of its kind applies at export.
    pub confidentiality: Option<Confidentiality>,
    pub assigned_at: NaiveDateTime,
}

/// The originals a testimony version and its files render (`originals_of_testimony`).
#[derive(Debug, Clone, Default)]
pub struct TestimonyOriginals {
    pub account: Option<OriginalLink>,
    pub files: Vec<OriginalLink>,
}

/// The level set, and the exported items it applies to (every version of a testimony).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConfidentialitySet {
    /// Null: the default of the item's kind.
    pub level: Option<Confidentiality>,
    pub items: Vec<CatalogItem>,
}

#[derive(Debug, Clone)]
pub struct Catalog {
    ctx: Context,
}

fn case_reference(c: &mut DbConnection, case_id: &str) -> Result<String> {
    Ok(cases::table.find(case_id).select(cases::reference).first(c)?)
}

fn listed(c: &mut DbConnection, case_id: &str) -> Result<Vec<CatalogItem>> {
    let reference = case_reference(c, case_id)?;
    references::of_case(c, case_id)?
        .into_iter()
        .map(|(kind, id, first, last, level, at)| {
            Ok(CatalogItem {
                item_kind: EvidenceItemKind::parse(&kind).ok_or(Error::Integrity)?,
                item_id: id,
                reference_first: format(&reference, first),
                reference_last: format(&reference, last),
                pages: last - first + 1,
                confidentiality: level
                    .as_deref()
                    .map(Confidentiality::parse)
                    .map(|l| l.ok_or(Error::Integrity))
                    .transpose()?,
                assigned_at: at,
            })
        })
        .collect()
}

impl Catalog {
    pub fn new(ctx: Context) -> Self {
        Catalog { ctx }
    }

    /// Links an item to its original (replacing any link). Audited `catalog.relate`.
    pub async fn set_original(
        &self,
        who: Allowed<act::EvidenceCatalog>,
        case_id: Uuid,
        kind: EvidenceItemKind,
        item_id: Uuid,
        body: SetOriginal,
    ) -> Result<OriginalLink> {
        let now = self.ctx.clock().now_naive();
        self.ctx
            .write_plain(move |c| {
                let case = case_id.to_string();
                access::authorize_for(c, &who, &case)?;
                let link = relations::set(
                    c,
                    &NewLink {
                        case_id: &case,
                        item_kind: kind,
                        item_id,
                        relation: body.relation,
                        original_kind: body.original_kind,
                        original_id: body.original_id,
                        by: who.principal.user_id,
                        now,
                    },
                )?;
                audit::append(
                    c,
                    &Entry::new(&who.principal, "catalog.relate")
                        .target(kind.as_str(), &link.item_id)
                        .detail("case_id", case)
                        .detail("relation", link.relation.as_str())
                        .detail("original_kind", link.original_kind.as_str())
                        .detail("original_id", link.original_id.clone()),
                )?;
                Ok(link)
            })
            .await
    }

    /// Removes an item's link to its original. Audited `catalog.unrelate`.
    pub async fn clear_original(
        &self,
        who: Allowed<act::EvidenceCatalog>,
        case_id: Uuid,
        kind: EvidenceItemKind,
        item_id: Uuid,
    ) -> Result<()> {
        self.ctx
            .write_plain(move |c| {
                let case = case_id.to_string();
                access::authorize_for(c, &who, &case)?;
                let stored = relations::clear(c, &case, kind, item_id)?;
                audit::append(
                    c,
                    &Entry::new(&who.principal, "catalog.unrelate")
                        .target(kind.as_str(), stored)
                        .detail("case_id", case),
                )?;
                Ok(())
            })
            .await
    }

    /// The original an item of the case renders, if any (404 when the item is not one of
    /// the case's records).
    pub async fn original(
        &self,
        who: Allowed<act::EvidenceCatalog>,
        case_id: Uuid,
        kind: EvidenceItemKind,
        item_id: Uuid,
    ) -> Result<Option<OriginalLink>> {
        self.ctx
            .read(move |c| {
                let case = case_id.to_string();
                access::authorize_for(c, &who, &case)?;
                let (item_case, stored) =
                    relations::locate(c, kind, &item_id.to_string())?.ok_or(Error::NotFound)?;
                if item_case != case {
                    return Err(Error::NotFound);
                }
                relations::original_of(c, kind, &stored)
            })
            .await
    }

    /// What a testimony version and its files render, for its page: the originals of the
    /// account and of each attachment that has one. Ids and codes only, shown to whoever
    /// reads the case.
    pub async fn originals_of_testimony(
        &self,
        who: Allowed<act::CaseRead>,
        testimony_id: Uuid,
    ) -> Result<TestimonyOriginals> {
        self.ctx
            .read(move |c| {
                let (case, root) =
                    relations::locate(c, EvidenceItemKind::Testimony, &testimony_id.to_string())?
                        .ok_or(Error::NotFound)?;
                access::authorize_for(c, &who, &case)?;
                let account = relations::original_of(c, EvidenceItemKind::Testimony, &root)?;
                let files: Vec<String> = attachments::table
                    .filter(attachments::testimony_id.eq(testimony_id.to_string()))
                    .select(attachments::id)
                    .load(c)?;
                let mut of_files = Vec::new();
                for f in files {
                    if let Some(link) = relations::original_of(c, EvidenceItemKind::Attachment, &f)? {
                        of_files.push(link);
                    }
                }
                Ok(TestimonyOriginals { account, files: of_files })
            })
            .await
    }

    /// Every item of the case that has a reference number, in page order.
    pub async fn items(&self, who: Allowed<act::EvidenceCatalog>, case_id: Uuid) -> Result<Vec<CatalogItem>> {
        self.ctx
            .read(move |c| {
                let case = case_id.to_string();
                access::authorize_for(c, &who, &case)?;
                listed(c, &case)
            })
            .await
    }

    /// Sets an item's confidentiality level (every exported version, for a testimony);
    /// only those who export (lawyers, the case lead) may. 422 when the item has no
    /// reference yet: it gets one, with its kind's default, when first exported.
    /// Audited `catalog.confidentiality`.
    pub async fn set_confidentiality(
        &self,
        who: Allowed<act::EvidenceCatalog>,
        case_id: Uuid,
        kind: EvidenceItemKind,
        item_id: Uuid,
        body: SetConfidentiality,
    ) -> Result<ConfidentialitySet> {
        self.ctx
            .write_plain(move |c| {
                let case = case_id.to_string();
                let role = access::authorize_for(c, &who, &case)?;
                policy::authorize_in_case(who.principal.role, Action::BundleExport, Some(role))?;
                let (item_case, stored) =
                    relations::locate(c, kind, &item_id.to_string())?.ok_or(Error::NotFound)?;
                if item_case != case {
                    return Err(Error::NotFound);
                }
                let ids: Vec<String> = match kind {
                    EvidenceItemKind::Testimony => testimonies::table
                        .filter(testimonies::root_id.eq(&stored))
                        .select(testimonies::id)
                        .load(c)?,
                    _ => vec![item_id.to_string()],
                };
                let changed = references::set_confidentiality(c, kind, &ids, body.level)?;
                if changed == 0 {
                    return Err(Error::field(
                        "item_id",
                        "not_referenced",
                        "the item has no reference number yet: it gets one, with the default level of its \
                         kind, when it is first exported",
                    ));
                }
                audit::append(
                    c,
                    &Entry::new(&who.principal, "catalog.confidentiality")
                        .target(kind.as_str(), &stored)
                        .detail("case_id", case.clone())
                        .detail("level", body.level.map_or("default", Confidentiality::as_str)),
                )?;
                let items = listed(c, &case)?
                    .into_iter()
                    .filter(|i| i.item_kind == kind && ids.contains(&i.item_id))
                    .collect();
                Ok(ConfidentialitySet { level: body.level, items })
            })
            .await
    }
}
