//! What a submission says, and how it becomes a draft (docs/field-intake.md, "Field
//! mapping"): an XForm instance's answers are matched by the local name of their element,
//! wherever it is in the instance; a Tella report's title and description are its account.
//! A value that does not fit where its name would put it (a date that is not one, a
//! language code that is not ISO 639) is not lost: like every answer of a name not mapped,
//! it is kept, labelled by its name, under "Other answers" at the end of the account.
//! Pure: what the vocabularies allow is the acceptance's to check.

use serde::Serialize;

use super::receive::{Content, ContentKind};
use super::xml::{self, Element};
use crate::cases::persons::{PersonKind, Sex};
use crate::cases::validate::{Precision, language_code};
use crate::error::{Error, Result};

/// The heading of the answers no field of the draft took.
pub const OTHER_ANSWERS: &str = "Other answers";

/// One answer: where it is in the document (`/data/group/account`) and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = IntakeField)]
pub struct Field {
    pub path: String,
    pub value: String,
}

impl Field {
    /// The element's own name: what the mapping goes by.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// Every answered field of a submission, in document order. ODK's `meta` block (instance
/// ids, the instance's name) says nothing about the account and is left out.
pub fn fields(content: &Content) -> Result<Vec<Field>> {
    match content.kind {
        ContentKind::XForm => {
            let root = xml::parse(content.document.as_bytes())?;
            let mut out = Vec::new();
            walk(&root, &format!("/{}", root.name), &mut out);
            Ok(out)
        }
        ContentKind::TellaReport => {
            let doc: serde_json::Value =
                serde_json::from_str(&content.document).map_err(|_| Error::Integrity)?;
            let mut out = Vec::new();
            for key in ["title", "description"] {
                if let Some(v) =
                    doc.get(key).and_then(|v| v.as_str()).map(str::trim).filter(|v| !v.is_empty())
                {
                    out.push(Field { path: format!("/{key}"), value: v.to_owned() });
                }
            }
            Ok(out)
        }
    }
}

fn walk(e: &Element, path: &str, out: &mut Vec<Field>) {
    let mut children = e.elements().peekable();
    if children.peek().is_none() {
        let value = e.text();
        if !value.is_empty() {
            out.push(Field { path: path.to_owned(), value });
        }
        return;
    }
    for child in children {
        if child.name == "meta" {
            continue;
        }
        walk(child, &format!("{path}/{}", child.name), out);
    }
}

/// The person a form names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedPerson {
    pub name: Option<String>,
    pub kind: PersonKind,
    pub sex: Sex,
}

/// The incident a form names (only when it names its type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedIncident {
    /// An `act_type` code, as sent: the vocabulary is checked on acceptance.
    pub act_type: String,
    pub date: Option<(String, Precision)>,
    pub description: String,
    /// Where it happened, as typed: places are records of their own (with a type), so
    /// it is said in the incident's description.
    pub place: Option<String>,
}

impl MappedIncident {
    /// The incident's description: the form's, then its place under its name.
    pub fn description_text(&self) -> String {
        let mut text = self.description.clone();
        if let Some(place) = &self.place {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(&format!("incident_place: {place}"));
        }
        text
    }
}

/// A submission mapped onto a draft's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapped {
    /// The account as the form gave it (without the other answers).
    pub account: String,
    pub languages: Vec<String>,
    pub interview_date: Option<String>,
    pub interview_place: Option<String>,
    pub person: Option<MappedPerson>,
    pub incident: Option<MappedIncident>,
    /// (name, value) of every answer no field took, in document order.
    pub other: Vec<(String, String)>,
}

impl Mapped {
    /// The draft's account: the form's, then the other answers, each under its name.
    pub fn account_text(&self) -> String {
        let mut text = self.account.trim().to_owned();
        if !self.other.is_empty() {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(OTHER_ANSWERS);
            text.push(':');
            for (name, value) in &self.other {
                text.push_str(&format!("\n{name}: {value}"));
            }
        }
        text
    }

    /// The incident could not be made (its type is not a term): its answers join the
    /// other answers.
    pub fn drop_incident(&mut self) {
        if let Some(i) = self.incident.take() {
            self.other.push(("incident_type".into(), i.act_type));
            if let Some((d, _)) = i.date {
                self.other.push(("incident_date".into(), d));
            }
            if !i.description.is_empty() {
                self.other.push(("incident_description".into(), i.description));
            }
            if let Some(place) = i.place {
                self.other.push(("incident_place".into(), place));
            }
        }
    }
}

/// Maps a submission's fields (`fields`) by the convention.
pub fn map(kind: ContentKind, fields: &[Field]) -> Mapped {
    match kind {
        ContentKind::TellaReport => {
            let parts: Vec<&str> = fields.iter().map(|f| f.value.as_str()).collect();
            Mapped { account: parts.join("\n\n"), ..Default::default() }
        }
        ContentKind::XForm => map_xform(fields),
    }
}

fn map_xform(fields: &[Field]) -> Mapped {
    let mut m = Mapped::default();
    let mut person: Option<MappedPerson> = None;
    let mut act_type: Option<String> = None;
    let mut incident_date = None;
    let mut incident_description = String::new();
    let mut incident_place: Option<String> = None;
    let mut seen = std::collections::HashSet::new();
    for f in fields {
        let name = f.name();
        let value = f.value.trim();
        // A name answered twice (a repeat group) keeps its first answer in its field.
        let first = seen.insert(name.to_owned());
        let taken = first
            && match name {
                "account" => {
                    m.account = value.to_owned();
                    true
                }
                "language" if language_code(value) => {
                    m.languages = vec![value.to_owned()];
                    true
                }
                "interview_date" if is_date(value) => {
                    m.interview_date = Some(value.to_owned());
                    true
                }
                "interview_place" if value.chars().count() <= 500 && !value.contains('\n') => {
                    m.interview_place = Some(value.to_owned());
                    true
                }
                "person_name" if value.chars().count() <= 300 && !value.contains('\n') => {
                    person.get_or_insert_with(new_person).name = Some(value.to_owned());
                    true
                }
                "person_role" => match person_kind(value) {
                    Some(kind) => {
                        person.get_or_insert_with(new_person).kind = kind;
                        true
                    }
                    None => false,
                },
                "person_sex" => match sex(value) {
                    Some(s) => {
                        person.get_or_insert_with(new_person).sex = s;
                        true
                    }
                    None => false,
                },
                "incident_type" => {
                    act_type = Some(value.to_owned());
                    true
                }
                "incident_date" => match partial_date(value) {
                    Some(d) => {
                        incident_date = Some(d);
                        true
                    }
                    None => false,
                },
                "incident_description" => {
                    incident_description = value.to_owned();
                    true
                }
                "incident_place" => {
                    incident_place = Some(value.to_owned());
                    true
                }
                _ => false,
            };
        if !taken {
            m.other.push((name.to_owned(), value.to_owned()));
        }
    }
    m.person = person;
    match act_type {
        Some(act_type) => {
            m.incident = Some(MappedIncident {
                act_type,
                date: incident_date,
                description: incident_description,
                place: incident_place,
            });
        }
        None => {
            if let Some((d, _)) = incident_date {
                m.other.push(("incident_date".into(), d));
            }
            if !incident_description.is_empty() {
                m.other.push(("incident_description".into(), incident_description));
            }
            if let Some(place) = incident_place {
                m.other.push(("incident_place".into(), place));
            }
        }
    }
    m
}

fn new_person() -> MappedPerson {
    MappedPerson { name: None, kind: PersonKind::Witness, sex: Sex::Unknown }
}

fn person_kind(v: &str) -> Option<PersonKind> {
    match v.to_ascii_lowercase().as_str() {
        "victim" => Some(PersonKind::Victim),
        "witness" => Some(PersonKind::Witness),
        "perpetrator" => Some(PersonKind::Perpetrator),
        "other" => Some(PersonKind::Other),
        _ => None,
    }
}

fn sex(v: &str) -> Option<Sex> {
    match v.to_ascii_lowercase().as_str() {
        "female" => Some(Sex::Female),
        "male" => Some(Sex::Male),
        "other" => Some(Sex::Other),
        "unknown" => Some(Sex::Unknown),
        _ => None,
    }
}

fn is_date(v: &str) -> bool {
    v.len() == 10 && chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
}

/// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`, with the precision it has.
fn partial_date(v: &str) -> Option<(String, Precision)> {
    let precision = match v.len() {
        10 if is_date(v) => Precision::Exact,
        7 if chrono::NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d").is_ok() => Precision::Month,
        4 if v.bytes().all(|b| b.is_ascii_digit()) => Precision::Year,
        _ => return None,
    };
    Some((v.to_owned(), precision))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xform(doc: &str) -> Content {
        Content {
            kind: ContentKind::XForm,
            document: doc.to_owned(),
            received_sha256: String::new(),
            form: None,
        }
    }

    fn mapped(doc: &str) -> Mapped {
        let c = xform(doc);
        map(c.kind, &fields(&c).unwrap())
    }

    const FULL: &str = r#"<?xml version="1.0"?>
<data xmlns:jr="http://openrosa.org/javarosa" id="custodia_interview" version="3">
  <intro><account>They took me at night.</account><language>ru</language></intro>
  <interview_date>2026-03-01</interview_date>
  <interview_place>Vilnius</interview_place>
  <person><person_name>Анна К.</person_name><person_role>victim</person_role><person_sex>female</person_sex>
    <person_birth_year>1990</person_birth_year></person>
  <incident><incident_type>torture</incident_type><incident_date>2025-11</incident_date>
    <incident_place>Okrestina</incident_place><incident_description>Beaten in the cell.</incident_description></incident>
  <consent>yes</consent>
  <mood>calm</mood>
  <empty/>
  <meta><instanceID>uuid:1234</instanceID></meta>
</data>"#;

    #[test]
    fn every_mapped_field_lands_where_the_convention_says() {
        let m = mapped(FULL);
        assert_eq!(m.account, "They took me at night.");
        assert_eq!(m.languages, vec!["ru"]);
        assert_eq!(m.interview_date.as_deref(), Some("2026-03-01"));
        assert_eq!(m.interview_place.as_deref(), Some("Vilnius"));
        let p = m.person.clone().unwrap();
        assert_eq!(p.name.as_deref(), Some("Анна К."));
        assert_eq!((p.kind, p.sex), (PersonKind::Victim, Sex::Female));
        let i = m.incident.clone().unwrap();
        assert_eq!(i.act_type, "torture");
        assert_eq!(i.date, Some(("2025-11".into(), Precision::Month)));
        assert_eq!(i.description_text(), "Beaten in the cell.\n\nincident_place: Okrestina");
        assert_eq!(
            m.other,
            vec![
                ("person_birth_year".into(), "1990".into()),
                ("consent".into(), "yes".into()),
                ("mood".into(), "calm".into())
            ]
        );
        assert_eq!(
            m.account_text(),
            "They took me at night.\n\nOther answers:\nperson_birth_year: 1990\nconsent: yes\nmood: calm"
        );
    }

    #[test]
    fn fields_have_their_paths_and_leave_out_meta_and_empty_answers() {
        let f = fields(&xform(FULL)).unwrap();
        assert_eq!(
            f[0],
            Field { path: "/data/intro/account".into(), value: "They took me at night.".into() }
        );
        assert!(f.iter().all(|f| !f.path.contains("/meta") && !f.value.is_empty()));
        assert!(f.iter().all(|f| f.name() != "empty"));
    }

    #[test]
    fn values_that_do_not_fit_are_kept_as_other_answers() {
        let m = mapped(
            "<d><account>a</account><language>Russian</language><interview_date>yesterday</interview_date>\
             <person_role>bystander</person_role><incident_date>2025-13</incident_date></d>",
        );
        assert!(m.languages.is_empty() && m.interview_date.is_none() && m.person.is_none());
        assert_eq!(
            m.other,
            vec![
                ("language".into(), "Russian".into()),
                ("interview_date".into(), "yesterday".into()),
                ("person_role".into(), "bystander".into()),
                ("incident_date".into(), "2025-13".into())
            ]
        );
    }

    #[test]
    fn an_incident_needs_its_type_and_without_it_its_answers_are_kept() {
        let m = mapped(
            "<d><incident_date>2025</incident_date><incident_description>x</incident_description>\
             <incident_place>p</incident_place></d>",
        );
        assert!(m.incident.is_none());
        assert_eq!(
            m.other,
            vec![
                ("incident_date".into(), "2025".into()),
                ("incident_description".into(), "x".into()),
                ("incident_place".into(), "p".into())
            ]
        );
        let mut m =
            mapped("<d><incident_type>nonsense</incident_type><incident_date>2025-01-02</incident_date></d>");
        assert_eq!(m.incident.as_ref().unwrap().date, Some(("2025-01-02".into(), Precision::Exact)));
        m.drop_incident();
        assert_eq!(
            m.other,
            vec![("incident_type".into(), "nonsense".into()), ("incident_date".into(), "2025-01-02".into())]
        );
    }

    #[test]
    fn a_repeated_name_keeps_its_first_answer_in_the_field() {
        let m = mapped("<d><r><account>one</account></r><r><account>two</account></r></d>");
        assert_eq!(m.account, "one");
        assert_eq!(m.other, vec![("account".into(), "two".into())]);
    }

    #[test]
    fn a_person_role_alone_makes_a_person_and_the_default_kind_is_witness() {
        assert_eq!(mapped("<d><person_name>B</person_name></d>").person.unwrap().kind, PersonKind::Witness);
        assert_eq!(
            mapped("<d><person_role>Victim</person_role></d>").person.unwrap().kind,
            PersonKind::Victim
        );
    }

    #[test]
    fn a_tella_report_is_its_title_and_description() {
        let c = Content {
            kind: ContentKind::TellaReport,
            document: r#"{"title":"Night arrest","description":"They came at 3."}"#.into(),
            received_sha256: String::new(),
            form: None,
        };
        let f = fields(&c).unwrap();
        assert_eq!(f.len(), 2);
        let m = map(c.kind, &f);
        assert_eq!(m.account, "Night arrest\n\nThey came at 3.");
        assert!(m.other.is_empty() && m.person.is_none() && m.incident.is_none());
    }

    #[test]
    fn an_account_with_nothing_else_is_just_the_account() {
        assert_eq!(mapped("<d><account> a </account></d>").account_text(), "a");
        assert_eq!(mapped("<d><x>1</x></d>").account_text(), "Other answers:\nx: 1");
    }
}
