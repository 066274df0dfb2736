//! The sealed parts the pictures need: names of units and places, and the coordinates of
//! places. Each table is read in one query with its records' wrapped keys.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Deserialize;

use crate::cases::sealed::Sealer;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{data_keys, places, units};

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
struct Located {
    name: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

/// A place's name and, when recorded, its coordinates.
#[derive(Debug, Clone)]
pub struct PlaceName {
    pub name: String,
    pub at: Option<(f64, f64)>,
}

/// Unit names of `cases`, by id.
pub fn units(c: &mut DbConnection, keyring: &Keyring, cases: &[String]) -> Result<HashMap<String, String>> {
    let rows: Vec<(String, Vec<u8>, Option<Vec<u8>>)> = units::table
        .left_join(
            data_keys::table.on(data_keys::record_table.eq("units").and(data_keys::record_id.eq(units::id))),
        )
        .filter(units::case_id.eq_any(cases))
        .select((units::id, units::details, data_keys::wrapped.nullable()))
        .load(c)?;
    rows.into_iter()
        .map(|(id, blob, wrapped)| {
            let wrapped = wrapped.ok_or(Error::KeyUnavailable(0))?;
            let d: Named = Sealer::from_wrapped(keyring, "units", &id, &wrapped)?.unseal("details", &blob)?;
            Ok((id, d.name))
        })
        .collect()
}

/// Place names and coordinates of `cases`, by id.
pub fn places(
    c: &mut DbConnection,
    keyring: &Keyring,
    cases: &[String],
) -> Result<HashMap<String, PlaceName>> {
    let rows: Vec<(String, Vec<u8>, Option<Vec<u8>>)> = places::table
        .left_join(
            data_keys::table
                .on(data_keys::record_table.eq("places").and(data_keys::record_id.eq(places::id))),
        )
        .filter(places::case_id.eq_any(cases))
        .select((places::id, places::details, data_keys::wrapped.nullable()))
        .load(c)?;
    rows.into_iter()
        .map(|(id, blob, wrapped)| {
            let wrapped = wrapped.ok_or(Error::KeyUnavailable(0))?;
            let d: Located =
                Sealer::from_wrapped(keyring, "places", &id, &wrapped)?.unseal("details", &blob)?;
            let at = d.latitude.zip(d.longitude).filter(|(lat, lon)| lat.abs() <= 90.0 && lon.abs() <= 180.0);
            Ok((id, PlaceName { name: d.name, at }))
        })
        .collect()
}
