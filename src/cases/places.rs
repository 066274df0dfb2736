//! Places: detention facilities and other locations. The type is clear (a vocabulary
//! code); name, address and coordinates are sealed, since they can identify a witness.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::sealed::Sealer;
use super::validate::{self, Checks};
use super::vocab;
use crate::access::membership::{self as access, RecordTable};
use crate::access::policy::Action;
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::crypto::Keyring;
use crate::error::{FieldError, Result};
use crate::store::schema::places;
use crate::store::{DbConnection, now};

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

fn row(c: &mut DbConnection, id: &str) -> Result<Row> {
    Ok(places::table
        .find(id)
        .select((places::id, places::case_id, places::place_type, places::details, places::created_at))
        .first(c)?)
}

fn view(
    c: &mut DbConnection,
    keyring: &Keyring,
    (id, case_id, place_type, blob, created_at): Row,
) -> Result<PlaceView> {
    let d: Details = Sealer::open(c, keyring, TABLE, &id)?.unseal("details", &blob)?;
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

/// The place's name, for other views (incidents).
pub(crate) fn name_of(c: &mut DbConnection, keyring: &Keyring, id: &str) -> Result<String> {
    let r = row(c, id)?;
    Ok(view(c, keyring, r)?.name)
}

fn check(c: &mut DbConnection, input: &NewPlace) -> Result<()> {
    let mut checks = Checks::default();
    checks.check(validate::text("name", &input.name, 300, true));
    if let Some(a) = &input.address {
        checks.check(validate::text("address", a, 1000, false));
    }
    if input.latitude.is_some_and(|l| !(-90.0..=90.0).contains(&l)) {
        checks.0.push(FieldError::new("latitude", "out_of_range", "between -90 and 90"));
    }
    if input.longitude.is_some_and(|l| !(-180.0..=180.0).contains(&l)) {
        checks.0.push(FieldError::new("longitude", "out_of_range", "between -180 and 180"));
    }
    if let Some(e) = vocab::check(c, "place_type", &input.place_type, "place_type")? {
        checks.0.push(e);
    }
    checks.finish()?;
    Ok(())
}

pub fn create(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    input: &NewPlace,
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
            places::created_at.eq(now()),
        ))
        .execute(c)?;
    audit::append(c, &Entry::new(who, "place.create").target("place", &id).detail("case_id", case_id))?;
    let r = row(c, &id)?;
    view(c, keyring, r)
}

pub fn get(c: &mut DbConnection, keyring: &Keyring, who: &Principal, id: Uuid) -> Result<PlaceView> {
    let id = id.to_string();
    access::authorize_record(c, who, RecordTable::Place, &id, Action::CaseRead)?;
    let r = row(c, &id)?;
    let v = view(c, keyring, r)?;
    audit::append(c, &Entry::new(who, "place.read").target("place", &id))?;
    Ok(v)
}

pub fn list(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    (limit, offset): (i64, i64),
) -> Result<(Vec<PlaceView>, i64)> {
    let case_id = case_id.to_string();
    access::authorize(c, who, &case_id, Action::CaseRead)?;
    let total = places::table.filter(places::case_id.eq(&case_id)).count().get_result(c)?;
    let rows: Vec<Row> = places::table
        .filter(places::case_id.eq(&case_id))
        .order((places::created_at.asc(), places::id.asc()))
        .limit(limit)
        .offset(offset)
        .select((places::id, places::case_id, places::place_type, places::details, places::created_at))
        .load(c)?;
    let views = rows.into_iter().map(|r| view(c, keyring, r)).collect::<Result<Vec<_>>>()?;
    audit::append(c, &Entry::new(who, "place.list").target("case", &case_id).detail("results", views.len()))?;
    Ok((views, total))
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
    view(c, keyring, r)
}
