//! Places with coordinates, sized by their incidents, for the map and as GeoJSON
//! (RFC 7946) for QGIS or any map tool. Pure.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::facts::Facts;
use super::model::{MapPoint, PlaceMap};
use super::names::PlaceName;
use crate::cases::parse_uuid;
use crate::error::Result;

/// The places of `facts` that `keep` selects, with their incidents counted.
pub fn map(
    facts: &Facts,
    names: &HashMap<String, PlaceName>,
    keep: impl Fn(&str) -> bool,
) -> Result<PlaceMap> {
    let mut incidents: HashMap<&str, u32> = HashMap::new();
    for i in &facts.incidents {
        if let Some(p) = &i.place_id {
            *incidents.entry(p.as_str()).or_default() += 1;
        }
    }
    let (mut points, mut without) = (Vec::new(), 0);
    for (id, case_id, place_type) in facts.places.iter().filter(|(id, ..)| keep(id)) {
        let Some(PlaceName { name, at: Some((latitude, longitude)) }) = names.get(id) else {
            without += 1;
            continue;
        };
        points.push(MapPoint {
            place_id: parse_uuid(id)?,
            case_id: parse_uuid(case_id)?,
            name: name.clone(),
            place_type: place_type.clone(),
            latitude: *latitude,
            longitude: *longitude,
            incidents: incidents.get(id.as_str()).copied().unwrap_or(0),
        });
    }
    points.sort_by(|a, b| b.incidents.cmp(&a.incidents).then_with(|| a.name.cmp(&b.name)));
    Ok(PlaceMap { points, without_coordinates: without })
}

/// The map as a GeoJSON FeatureCollection: a Point per place (longitude first, as RFC
/// 7946 orders them) with its id, name, type and incidents.
pub fn geojson(map: &PlaceMap) -> Value {
    let features: Vec<Value> = map
        .points
        .iter()
        .map(|p| {
            json!({
                "type": "Feature",
                "id": p.place_id,
                "geometry": { "type": "Point", "coordinates": [p.longitude, p.latitude] },
                "properties": {
                    "place_id": p.place_id,
                    "case_id": p.case_id,
                    "name": p.name,
                    "place_type": p.place_type,
                    "incidents": p.incidents,
                },
            })
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features })
}
