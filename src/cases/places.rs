//! Places: detention facilities and other locations. The type is clear (a vocabulary
//! code); name, address and coordinates are sealed, since they can identify a witness.

use chrono::NaiveDateTime;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::reading::{self, Audited};
use super::sealed::Sealer;
use super::validate::Checks;
use super::vocab;
use crate::access::membership::{self as access, RecordTable};
use crate::access::policy::Action;
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::crypto::Keyring;
use crate::error::Result;
use crate::rules;
use crate::store::DbConnection;
use crate::store::schema::{data_keys, places};

const TABLE: &str = "places";

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlace {
    /// A `place_type` vocabulary code.
    pub place_type: String,
    pub name: String,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Details {
    name: String,
    address: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlaceView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub place_type: String,
    pub name: String,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub created_at: DateTime<Utc>,
}

type Row = (String, String, String, Vec<u8>, chrono::NaiveDateTime);

/// Rows with their wrapped keys: a page of places opens in one query.
fn rows(
    c: &mut DbConnection,
    filter: Filter<'_>,
    (limit, offset): (i64, i64),
) -> Result<Vec<(Row, Option<Vec<u8>>)>> {
    let mut q = places::table
        .left_join(
            data_keys::table.on(data_keys::record_table.eq(TABLE).and(data_keys::record_id.eq(places::id))),
        )
        .select((
            (places::id, places::case_id, places::place_type, places::details, places::created_at),
            data_keys::wrapped.nullable(),
        ))
        .into_boxed();
    q = match filter {
        Filter::Id(id) => q.filter(places::id.eq(id.to_owned())),
        Filter::Case(case) => q.filter(places::case_id.eq(case.to_owned())),
        Filter::Ids(ids) => q.filter(places::id.eq_any(ids.to_vec())),
    };
    Ok(q.order((places::created_at.asc(), places::id.asc())).limit(limit).offset(offset).load(c)?)
}

enum Filter<'a> {
    Id(&'a str),
    Case(&'a str),
    Ids(&'a [String]),
}

fn row(c: &mut DbConnection, id: &str) -> Result<(Row, Option<Vec<u8>>)> {
    rows(c, Filter::Id(id), (1, 0))?.pop().ok_or(crate::error::Error::NotFound)
}

fn view(
    keyring: &Keyring,
    ((id, case_id, place_type, blob, created_at), wrapped): (Row, Option<Vec<u8>>),
) -> Result<PlaceView> {
    let wrapped = wrapped.ok_or(crate::error::Error::KeyUnavailable(0))?;
    let d: Details = Sealer::from_wrapped(keyring, TABLE, &id, &wrapped)?.unseal("details", &blob)?;
    Ok(PlaceView {
        id: super::parse_uuid(&id)?,
        case_id: super::parse_uuid(&case_id)?,
        place_type,
        name: d.name,
        address: d.address,
        latitude: d.latitude,
        longitude: d.longitude,
        created_at: created_at.and_utc(),
    })
}

/// The names of these places, by id, in one query (a page of incidents).
pub(crate) fn names_of(
    c: &mut DbConnection,
    keyring: &Keyring,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let n = ids.len() as i64;
    rows(c, Filter::Ids(&ids), (n, 0))?
        .into_iter()
        .map(|r| {
            let v = view(keyring, r)?;
            Ok((v.id.to_string(), v.name))
        })
        .collect()
}

fn check(c: &mut DbConnection, input: &NewPlace) -> Result<()> {
    let mut checks = Checks::default();
    checks.check(rules::NAME.check("name", &input.name));
    if let Some(a) = &input.address {
        checks.check(rules::ADDRESS.check("address", a));
    }
    if let Some(l) = input.latitude {
        checks.check(rules::LATITUDE.check("latitude", l));
    }
    if let Some(l) = input.longitude {
        checks.check(rules::LONGITUDE.check("longitude", l));
    }
    if let Some(e) = vocab::check(c, "place_type", &input.place_type, "place_type")? {
        checks.0.push(e);
    }
    checks.finish()?;
    Ok(())
}

/// `create` at a time the caller's clock gives.
pub fn create_at(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    input: &NewPlace,
    now: NaiveDateTime,
) -> Result<PlaceView> {
    let case_id = case_id.to_string();
    access::authorize(c, who, &case_id, Action::RecordWrite)?;
    check(c, input)?;
    let id = Uuid::new_v4().to_string();
    let sealer = Sealer::create(c, keyring, TABLE, &id)?;
    let details = Details {
        name: input.name.trim().to_owned(),
        address: input.address.clone(),
        latitude: input.latitude,
        longitude: input.longitude,
    };
    diesel::insert_into(places::table)
        .values((
            places::id.eq(&id),
            places::case_id.eq(&case_id),
            places::place_type.eq(&input.place_type),
            places::details.eq(sealer.seal("details", &details)?),
            places::created_by.eq(who.user_id.to_string()),
            places::created_at.eq(now),
        ))
        .execute(c)?;
    audit::append(c, &Entry::new(who, "place.create").target("place", &id).detail("case_id", case_id))?;
    let r = row(c, &id)?;
    view(keyring, r)
}

pub fn get(c: &mut DbConnection, keyring: &Keyring, who: &Principal, id: Uuid) -> Result<PlaceView> {
    read(c, keyring, who, id)?.record(c)
}

pub(crate) fn read(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    id: Uuid,
) -> Result<Audited<PlaceView>> {
    reading::one(c, who, reading::PLACE, id, |c, id, _| view(keyring, row(c, id)?))
}

pub fn list(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    page: (i64, i64),
) -> Result<(Vec<PlaceView>, i64)> {
    read_page(c, keyring, who, case_id, page)?.record(c)
}

pub(crate) fn read_page(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    page: (i64, i64),
) -> Result<Audited<(Vec<PlaceView>, i64)>> {
    reading::page(c, who, reading::PLACE, case_id, |c, case, _| {
        let total = places::table.filter(places::case_id.eq(case)).count().get_result(c)?;
        let views = rows(c, Filter::Case(case), page)?
            .into_iter()
            .map(|r| view(keyring, r))
            .collect::<Result<_>>()?;
        Ok((views, total))
    })
}

/// Replaces a place's type and details.
pub fn update(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    id: Uuid,
    input: &NewPlace,
) -> Result<PlaceView> {
    let id = id.to_string();
    access::authorize_record(c, who, RecordTable::Place, &id, Action::RecordWrite)?;
    check(c, input)?;
    let sealer = Sealer::open(c, keyring, TABLE, &id)?;
    let details = Details {
        name: input.name.trim().to_owned(),
        address: input.address.clone(),
        latitude: input.latitude,
        longitude: input.longitude,
    };
    diesel::update(places::table.find(&id))
        .set((
            places::place_type.eq(&input.place_type),
            places::details.eq(sealer.seal("details", &details)?),
        ))
        .execute(c)?;
    audit::append(c, &Entry::new(who, "place.update").target("place", &id))?;
    let r = row(c, &id)?;
    view(keyring, r)
}
