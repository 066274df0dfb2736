//! Cases and their members. A case's reference and status are clear (admins manage
//! membership by them); its title and description are sealed and shown to members only.

use chrono::NaiveDateTime;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::sealed::Sealer;
use super::validate::Checks;
use crate::access::membership as access;
use crate::access::policy::{Action, CaseRole};
use crate::audit::{self, Actor, Entry};
use crate::auth::Principal;
use crate::crypto::Keyring;
use crate::domain::Role;
use crate::error::{Error, Result};
use crate::rules;
use crate::store::DbConnection;
use crate::store::schema::{case_members, cases, users};

const TABLE: &str = "cases";

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// A short reference, e.g. `BY-2020-0147`: letters, digits and `-`, unique.
    pub reference: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseUpdate {
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<CaseStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CaseStatus {
    Open,
    Closed,
    Archived,
}

impl CaseStatus {
    fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Closed => "closed",
            CaseStatus::Archived => "archived",
        }
    }

    fn parse(s: &str) -> CaseStatus {
        match s {
            "closed" => CaseStatus::Closed,
            "archived" => CaseStatus::Archived,
            _ => CaseStatus::Open,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Content {
    title: String,
    description: String,
}

/// A case as its members see it; admins see only the clear fields.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub id: Uuid,
    pub reference: String,
    pub status: CaseStatus,
    /// Members only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The caller's role in the case, if a member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_role: Option<MemberRole>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    Lead,
    Member,
}

impl From<CaseRole> for MemberRole {
    fn from(r: CaseRole) -> Self {
        match r {
            CaseRole::Lead => MemberRole::Lead,
            CaseRole::Member => MemberRole::Member,
        }
    }
}

impl MemberRole {
    fn as_str(self) -> &'static str {
        match self {
            MemberRole::Lead => "lead",
            MemberRole::Member => "member",
        }
    }

    /// A stored role; anything but a lead is a member.
    pub fn parse(s: &str) -> MemberRole {
        if s == MemberRole::Lead.as_str() { MemberRole::Lead } else { MemberRole::Member }
    }
}

type CaseRow = (String, String, String, Vec<u8>, chrono::NaiveDateTime);

fn load(c: &mut DbConnection, id: &str) -> Result<CaseRow> {
    Ok(cases::table
        .find(id)
        .select((cases::id, cases::reference, cases::status, cases::content, cases::created_at))
        .first(c)?)
}

fn view(
    c: &mut DbConnection,
    keyring: Option<&Keyring>,
    row: CaseRow,
    my_role: Option<CaseRole>,
) -> Result<CaseView> {
    let (id, reference, status, content, created_at) = row;
    let content: Option<Content> = match (keyring, my_role) {
        (Some(k), Some(_)) => Some(Sealer::open(c, k, TABLE, &id)?.unseal("content", &content)?),
        _ => None,
    };
    Ok(CaseView {
        id: super::parse_uuid(&id)?,
        reference,
        status: CaseStatus::parse(&status),
        title: content.as_ref().map(|x| x.title.clone()),
        description: content.map(|x| x.description),
        my_role: my_role.map(Into::into),
        created_at: created_at.and_utc(),
    })
}

/// `create` at a time the caller's clock gives.
pub fn create_at(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    input: &NewCase,
    now: NaiveDateTime,
) -> Result<CaseView> {
    let mut checks = Checks::default();
    checks.check(rules::REFERENCE.check("reference", &input.reference));
    checks.check(rules::TITLE.check("title", &input.title));
    checks.check(rules::CASE_DESCRIPTION.check("description", &input.description));
    checks.finish()?;
    let id = Uuid::new_v4().to_string();
    let sealer = Sealer::create(c, keyring, TABLE, &id)?;
    let content = Content { title: input.title.trim().to_owned(), description: input.description.clone() };
    let taken: i64 = cases::table.filter(cases::reference.eq(&input.reference)).count().get_result(c)?;
    if taken > 0 {
        return Err(Error::field("reference", "taken", "another case has this reference"));
    }
    diesel::insert_into(cases::table)
        .values((
            cases::id.eq(&id),
            cases::reference.eq(&input.reference),
            cases::status.eq(CaseStatus::Open.as_str()),
            cases::content.eq(sealer.seal("content", &content)?),
            cases::created_by.eq(who.user_id.to_string()),
            cases::created_at.eq(now),
            cases::updated_at.eq(now),
        ))
        .execute(c)?;
    super::persons::start_pseudonym_counters(c, &id)?;
    // An admin opens the case for others; anyone else leads the case they open.
    let my_role = if who.role == Role::Admin {
        None
    } else {
        add_member_row(c, &id, who.user_id, MemberRole::Lead, now)?;
        Some(CaseRole::Lead)
    };
    audit::append(c, &Entry::new(who, "case.create").target("case", &id))?;
    let row = load(c, &id)?;
    view(c, Some(keyring), row, my_role)
}

fn add_member_row(
    c: &mut DbConnection,
    case_id: &str,
    user: Uuid,
    role: MemberRole,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::insert_into(case_members::table)
        .values((
            case_members::case_id.eq(case_id),
            case_members::user_id.eq(user.to_string()),
            case_members::role.eq(role.as_str()),
            case_members::added_at.eq(now),
        ))
        .execute(c)?;
    Ok(())
}

/// Members see their cases with titles; admins see every case by reference only.
pub fn list(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    limit: i64,
    offset: i64,
) -> Result<(Vec<CaseView>, i64)> {
    let select = (cases::id, cases::reference, cases::status, cases::content, cases::created_at);
    if who.role == Role::Admin {
        let rows: Vec<CaseRow> =
            cases::table.order(cases::reference.asc()).limit(limit).offset(offset).select(select).load(c)?;
        let total = cases::table.count().get_result(c)?;
        let views = rows.into_iter().map(|r| view(c, None, r, None)).collect::<Result<Vec<_>>>()?;
        return Ok((views, total));
    }
    let mine = case_members::table.filter(case_members::user_id.eq(who.user_id.to_string()));
    let rows: Vec<(CaseRow, String)> = cases::table
        .inner_join(case_members::table)
        .filter(case_members::user_id.eq(who.user_id.to_string()))
        .order(cases::reference.asc())
        .limit(limit)
        .offset(offset)
        .select((select, case_members::role))
        .load(c)?;
    let total = mine.count().get_result(c)?;
    let views = rows
        .into_iter()
        .map(|(row, role)| {
            let role = match MemberRole::parse(&role) {
                MemberRole::Lead => CaseRole::Lead,
                MemberRole::Member => CaseRole::Member,
            };
            view(c, Some(keyring), row, Some(role))
        })
        .collect::<Result<Vec<_>>>()?;
    audit::append(c, &Entry::new(who, "case.list").detail("results", views.len()))?;
    Ok((views, total))
}

pub fn get(c: &mut DbConnection, keyring: &Keyring, who: &Principal, id: Uuid) -> Result<CaseView> {
    let id = id.to_string();
    let role = access::authorize(c, who, &id, Action::CaseRead)?;
    let row = load(c, &id)?;
    let v = view(c, Some(keyring), row, Some(role))?;
    audit::append(c, &Entry::new(who, "case.read").target("case", &id))?;
    Ok(v)
}

/// `update` at a time the caller's clock gives.
pub fn update_at(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    id: Uuid,
    input: &CaseUpdate,
    now: NaiveDateTime,
) -> Result<CaseView> {
    let id = id.to_string();
    let role = access::authorize(c, who, &id, Action::CaseUpdate)?;
    let mut checks = Checks::default();
    if let Some(t) = &input.title {
        checks.check(rules::TITLE.check("title", t));
    }
    if let Some(d) = &input.description {
        checks.check(rules::CASE_DESCRIPTION.check("description", d));
    }
    checks.finish()?;
    let (_, _, current_status, blob, _) = load(c, &id)?;
    let sealer = Sealer::open(c, keyring, TABLE, &id)?;
    let mut content: Content = sealer.unseal("content", &blob)?;
    if let Some(t) = &input.title {
        content.title = t.trim().to_owned();
    }
    if let Some(d) = &input.description {
        content.description = d.clone();
    }
    let status = input.status.map_or(current_status, |s| s.as_str().to_owned());
    diesel::update(cases::table.find(&id))
        .set((
            cases::content.eq(sealer.seal("content", &content)?),
            cases::status.eq(status),
            cases::updated_at.eq(now),
        ))
        .execute(c)?;
    audit::append(c, &Entry::new(who, "case.update").target("case", &id))?;
    let row = load(c, &id)?;
    view(c, Some(keyring), row, Some(role))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub user_id: Uuid,
    pub role: MemberRole,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Member {
    pub user_id: Uuid,
    pub username: String,
    pub role: MemberRole,
    pub added_at: DateTime<Utc>,
}

fn case_exists(c: &mut DbConnection, id: &str) -> Result<()> {
    let n: i64 = cases::table.find(id).count().get_result(c)?;
    if n == 0 { Err(Error::NotFound) } else { Ok(()) }
}

/// Whether users of this role can be added to a case. Auditors and admins read no
/// content; membership would grant them nothing.
pub fn can_be_member(role: Role) -> bool {
    !matches!(role, Role::Admin | Role::Auditor)
}

/// A case by its clear fields only (reference and status), as an admin managing its
/// membership sees it; nothing sealed is opened.
pub fn get_clear(c: &mut DbConnection, id: Uuid) -> Result<CaseView> {
    let row = load(c, &id.to_string())?;
    view(c, None, row, None)
}

/// Admins manage membership; members may see who else is in their case.
pub fn members(c: &mut DbConnection, who: &Principal, case_id: Uuid) -> Result<Vec<Member>> {
    let id = case_id.to_string();
    if who.role == Role::Admin {
        case_exists(c, &id)?;
    } else {
        access::authorize(c, who, &id, Action::CaseRead)?;
    }
    members_of(c, &id)
}

fn members_of(c: &mut DbConnection, id: &str) -> Result<Vec<Member>> {
    let rows: Vec<(String, String, String, chrono::NaiveDateTime)> = case_members::table
        .inner_join(users::table.on(users::id.eq(case_members::user_id)))
        .filter(case_members::case_id.eq(id))
        .order(users::username.asc())
        .select((case_members::user_id, users::username, case_members::role, case_members::added_at))
        .load(c)?;
    rows.into_iter()
        .map(|(user, username, role, added)| {
            Ok(Member {
                user_id: super::parse_uuid(&user)?,
                username,
                role: MemberRole::parse(&role),
                added_at: added.and_utc(),
            })
        })
        .collect()
}

/// `add_member` at a time the caller's clock gives.
pub fn add_member_at(
    c: &mut DbConnection,
    actor: Actor,
    case_id: Uuid,
    input: &NewMember,
    now: NaiveDateTime,
) -> Result<Vec<Member>> {
    let id = case_id.to_string();
    case_exists(c, &id)?;
    let user_role: Option<String> =
        users::table.find(input.user_id.to_string()).select(users::role).first(c).optional()?;
    match user_role.as_deref().map(str::parse::<Role>) {
        None => return Err(Error::field("user_id", "unknown_user", "no such user")),
        Some(Ok(role)) if !can_be_member(role) => {
            return Err(Error::field(
                "user_id",
                "role_cannot_be_member",
                "admins and auditors are not case members",
            ));
        }
        Some(_) => {}
    }
    let existing = access::membership(c, &id, input.user_id)?;
    if existing.is_some() {
        diesel::update(case_members::table.find((&id, input.user_id.to_string())))
            .set(case_members::role.eq(input.role.as_str()))
            .execute(c)?;
    } else {
        add_member_row(c, &id, input.user_id, input.role, now)?;
    }
    audit::append(
        c,
        &Entry::new(actor, "case.member_add")
            .target("case", &id)
            .detail("user_id", input.user_id.to_string())
            .detail("role", input.role.as_str()),
    )?;
    members_of(c, &id)
}

pub fn remove_member(c: &mut DbConnection, actor: Actor, case_id: Uuid, user_id: Uuid) -> Result<()> {
    let removed =
        diesel::delete(case_members::table.find((case_id.to_string(), user_id.to_string()))).execute(c)?;
    if removed == 0 {
        return Err(Error::NotFound);
    }
    audit::append(
        c,
        &Entry::new(actor, "case.member_remove")
            .target("case", case_id)
            .detail("user_id", user_id.to_string()),
    )?;
    Ok(())
}
