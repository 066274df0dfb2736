//! Detention histories for an evidence bundle: per person with episodes, a JSON
//! document (episodes with their periods, charges and hearings, facilities and judges by
//! id and name, durations computed) and a plain-text rendering of the same. The export
//! decides whose histories go (consent); this reads them and audits each read in the
//! caller's transaction.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::durations::{Days, person_days};
use super::load::{self, Naming, Of};
use super::views::EpisodeView;
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::detention_episodes;

/// One person's history as a bundle carries it.
#[derive(Debug, Clone)]
pub struct ExportedHistory {
    pub person_id: String,
    pub pseudonym: String,
    /// `detention/<pseudonym>.json`.
    pub json: serde_json::Value,
    /// `detention/<pseudonym>.txt`.
    pub text: String,
}

#[derive(Debug, Serialize)]
struct Document<'a> {
    person_id: &'a str,
    pseudonym: &'a str,
    /// Durations of still-held episodes run to this day.
    counted_to: NaiveDate,
    days: Days,
    episodes: &'a [EpisodeView],
}

/// The histories of these persons of `case_id` (persons of other cases, and persons
/// without episodes, give nothing). Judges are named unless recorded as a protected kind
/// of person (a victim or witness), where their pseudonym stands. Each person's read is
/// audited as `detention.export` by `who`, in this transaction.
pub fn exported(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: &str,
    person_ids: &[String],
    today: NaiveDate,
) -> Result<Vec<ExportedHistory>> {
    let mut ids: Vec<String> = detention_episodes::table
        .filter(detention_episodes::case_id.eq(case_id))
        .filter(detention_episodes::person_id.eq_any(person_ids))
        .select(detention_episodes::person_id)
        .distinct()
        .load(c)?;
    ids.sort();
    let pseudonyms = load::pseudonyms(c, &ids)?;
    let mut out = Vec::with_capacity(ids.len());
    for person in ids {
        let loaded = load::load(c, Of::Person(&person))?;
        let dates: Vec<_> = loaded
            .episodes
            .iter()
            .map(|e| load::dates_of(e, loaded.periods.get(&e.id).map(Vec::as_slice).unwrap_or_default()))
            .collect();
        let episodes = load::views(c, keyring, loaded, Naming::Export, today)?;
        let pseudonym = pseudonyms.get(&person).cloned().unwrap_or_default();
        let days = person_days(&dates, today);
        let doc = Document {
            person_id: &person,
            pseudonym: &pseudonym,
            counted_to: today,
            days,
            episodes: &episodes,
        };
        let json = serde_json::to_value(&doc).map_err(Error::internal)?;
        let text = render(&pseudonym, days, &episodes, today);
        audit::append(
            c,
            &Entry::new(who, "detention.export")
                .target("person", &person)
                .detail("case_id", case_id.to_owned())
                .detail("episodes", episodes.len()),
        )?;
        out.push(ExportedHistory { person_id: person, pseudonym, json, text });
    }
    Ok(out)
}

/// "at least 411, at most 441 days", "412 days", "at least 30 days (still held)".
pub fn days_text(d: Days) -> String {
    let span = match (d.least, d.most) {
        (Some(l), Some(m)) if l == m => format!("{l} days"),
        (Some(l), Some(m)) => format!("at least {l}, at most {m} days"),
        (Some(l), None) => format!("at least {l} days"),
        (None, Some(m)) => format!("at most {m} days"),
        (None, None) => "unknown".to_owned(),
    };
    if d.ongoing { format!("{span} (still held)") } else { span }
}

fn date(d: Option<&str>, p: crate::cases::validate::Precision) -> String {
    match d {
        Some(d) if p == crate::cases::validate::Precision::Estimate => format!("about {d}"),
        Some(d) => d.to_owned(),
        None => "date unknown".to_owned(),
    }
}

fn line(out: &mut String, indent: usize, label: &str, text: &str) {
    if !text.trim().is_empty() {
        let pad = " ".repeat(indent);
        let text = text.replace('\n', &format!("\n{pad}  "));
        out.push_str(&format!("{pad}{label}: {text}\n"));
    }
}

/// The plain-text rendering: what a reader without a JSON viewer sees.
pub fn render(pseudonym: &str, days: Days, episodes: &[EpisodeView], today: NaiveDate) -> String {
    let mut out = format!("Detention history of {pseudonym}\nTime in detention: {}\n", days_text(days));
    out.push_str(&format!("(durations of episodes still running are counted to {today})\n"));
    for (n, e) in episodes.iter().enumerate() {
        out.push_str(&format!("\nEpisode {}: {}\n", n + 1, e.status.as_str()));
        line(&mut out, 2, "Arrested", &date(e.arrest_date.as_deref(), e.arrest_precision));
        line(&mut out, 2, "Arrested at", e.arrest_place_name.as_deref().unwrap_or(""));
        line(&mut out, 2, "Arrested by", e.arrest_unit_name.as_deref().unwrap_or(""));
        line(&mut out, 2, "Grounds given", &e.details.grounds_given);
        if e.release_date.is_some() {
            line(&mut out, 2, "Released", &date(e.release_date.as_deref(), e.release_precision));
        }
        line(&mut out, 2, "Release", &e.details.release_circumstances);
        line(&mut out, 2, "Time in detention", &days_text(e.days));
        if let Some(kind) = &e.sentence_kind {
            let length = e.details.sentence_days.map(|d| format!(", {d} days")).unwrap_or_default();
            line(&mut out, 2, "Sentence", &format!("{kind}{length}"));
        }
        line(&mut out, 2, "Sentence as pronounced", &e.details.sentence);
        line(&mut out, 2, "Notes", &e.details.notes);
        if !e.custody_periods.is_empty() {
            out.push_str("  Custody:\n");
        }
        for (i, p) in e.custody_periods.iter().enumerate() {
            let to = if p.to_date.is_some() {
                date(p.to_date.as_deref(), p.to_precision)
            } else {
                "…".to_owned()
            };
            out.push_str(&format!(
                "    {}. {} ({}), {} – {}: {}\n",
                i + 1,
                p.place_name,
                p.facility_type,
                date(p.from_date.as_deref(), p.from_precision),
                to,
                days_text(p.days)
            ));
            line(&mut out, 7, "Conditions", &p.details.conditions);
            line(&mut out, 7, "Transfer reason", &p.details.transfer_reason);
            line(&mut out, 7, "Notes", &p.details.notes);
        }
        if !e.charges.is_empty() {
            out.push_str("  Charges:\n");
        }
        for ch in &e.charges {
            let filed = ch.filed_on.as_deref().map(|d| format!(", filed {d}")).unwrap_or_default();
            out.push_str(&format!("    - {} article {}{filed}\n", ch.law_code, ch.details.article));
            line(&mut out, 6, "Description", &ch.details.description);
        }
        if !e.hearings.is_empty() {
            out.push_str("  Hearings:\n");
        }
        for h in &e.hearings {
            let court = h.court_name.as_deref().map(|c| format!(", {c}")).unwrap_or_default();
            let judge = h.judge_name.as_deref().map(|j| format!(", judge {j}")).unwrap_or_default();
            out.push_str(&format!(
                "    - {}{court}{judge}: {}\n",
                date(h.held_on.as_deref(), h.held_precision),
                h.outcome
            ));
            line(&mut out, 6, "Notes", &h.details.notes);
        }
        if !e.incident_ids.is_empty() {
            let ids: Vec<String> = e.incident_ids.iter().map(|i| i.to_string()).collect();
            line(&mut out, 2, "Incidents during this episode", &ids.join(", "));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_read_as_a_range_only_when_uncertain() {
        let d = |least, most, ongoing| Days { least, most, ongoing };
        assert_eq!(days_text(d(Some(412), Some(412), false)), "412 days");
        assert_eq!(days_text(d(Some(411), Some(441), false)), "at least 411, at most 441 days");
        assert_eq!(days_text(d(Some(30), Some(30), true)), "30 days (still held)");
        assert_eq!(days_text(d(None, None, false)), "unknown");
    }
}
