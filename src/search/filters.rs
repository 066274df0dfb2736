//! The incident filters of a testimony search (act type, method, dates, place,
//! perpetrator, unit): which accounts describe a matching incident.

use std::collections::HashSet;

use diesel::prelude::*;

use super::request::IncidentFilter;
use crate::error::Result;
use crate::store::DbConnection;

/// Answers 422 naming each filter that is not a known code, a date, or in order —
/// whatever kind is searched, so a bad filter is never silently ignored.
pub(super) fn check(c: &mut DbConnection, f: &IncidentFilter) -> Result<()> {
    let mut checks = crate::cases::validate::Checks::default();
    for (vocab, field, code) in [
        ("act_type", "filters.act_type", &f.act_type),
        ("torture_method", "filters.torture_method", &f.torture_method),
    ] {
        if let Some(code) = code
            && let Some(e) = crate::cases::vocab::check(c, vocab, code, field)?
        {
            checks.0.push(e);
        }
    }
    let from = f.from.as_deref().and_then(|d| checks.check(crate::rules::DATE.check("filters.from", d)));
    let to = f.to.as_deref().and_then(|d| checks.check(crate::rules::DATE.check("filters.to", d)));
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        checks.0.push(crate::error::FieldError::new(
            "filters.to",
            "before_from",
            "must not be before `from`",
        ));
    }
    checks.finish()?;
    Ok(())
}

/// Root ids of the testimonies linked to an incident that matches every filter (checked
/// by [`check`] first).
pub(super) fn filtered_roots(
    c: &mut DbConnection,
    cases: &[String],
    f: &IncidentFilter,
) -> Result<HashSet<String>> {
    use crate::store::schema::{incidents, involvements, persons as persons_t, testimony_incidents, units};
    let mut q = incidents::table.filter(incidents::case_id.eq_any(cases)).into_boxed();
    if let Some(a) = &f.act_type {
        q = q.filter(incidents::act_type.eq(a.clone()));
    }
    if let Some(m) = &f.torture_method {
        // The code was checked against the vocabulary: [a-z0-9_] only, safe in a pattern.
        q = q.filter(incidents::methods.like(format!("%\"{m}\"%")));
    }
    if let Some(d) = &f.from {
        q = q.filter(incidents::start_date.ge(d.clone()));
    }
    if let Some(d) = &f.to {
        q = q.filter(incidents::start_date.le(d.clone()));
    }
    if let Some(p) = f.place_id {
        q = q.filter(incidents::place_id.eq(p.to_string()));
    }
    let mut ids: Vec<String> = q.select(incidents::id).load(c)?;
    let mut keep_involved =
        |c: &mut DbConnection, people: Vec<String>, unit_ids: Vec<String>| -> Result<()> {
            let involved: HashSet<String> = involvements::table
                .filter(involvements::person_id.eq_any(&people).or(involvements::unit_id.eq_any(&unit_ids)))
                .select(involvements::incident_id)
                .load::<String>(c)?
                .into_iter()
                .collect();
            ids.retain(|i| involved.contains(i));
            Ok(())
        };
    if let Some(p) = f.perpetrator_id {
        keep_involved(c, vec![p.to_string()], Vec::new())?;
    }
    if let Some(u) = f.unit_id {
        let unit = u.to_string();
        let unit_case: Option<String> =
            units::table.find(&unit).select(units::case_id).first(c).optional()?;
        let tree = match unit_case {
            Some(case) if cases.contains(&case) => crate::cases::units::subtree(c, &unit)?,
            _ => Vec::new(),
        };
        let members: Vec<String> =
            persons_t::table.filter(persons_t::unit_id.eq_any(&tree)).select(persons_t::id).load(c)?;
        keep_involved(c, members, tree)?;
    }
    Ok(testimony_incidents::table
        .filter(testimony_incidents::incident_id.eq_any(&ids))
        .select(testimony_incidents::testimony_root_id)
        .load::<String>(c)?
        .into_iter()
        .collect())
}
