//! What readers who may not know the witness see of an account, and the text the search
//! index holds (the same redacted account, and the summary): side by side, so the index
//! can never hold more than such a reader sees, and search asks cases for the text
//! rather than redacting it itself; and a new testimony's index entries computed from that
//! text before its write transaction (`prepare`).

use uuid::Uuid;

use super::TABLE;
use super::stored::fields;
use super::types::{Content, Row, Span, TestimonyInput};
use crate::cases::sealed::Sealer;
use crate::crypto::Keyring;
use crate::error::Result;
use crate::search::index::Prepared;
use crate::store::DbConnection;

/// The account as a reader who may not know the witness sees it.
pub fn redact(account: &str, spans: &[Span], pseudonym: &str) -> String {
    let mut spans = spans.to_vec();
    spans.sort_by_key(|s| s.start);
    let mut out = String::with_capacity(account.len());
    let mut spans = spans.iter().peekable();
    let mut skipping_until = None;
    for (i, ch) in account.chars().enumerate() {
        if let Some(end) = skipping_until {
            if i < end {
                continue;
            }
            skipping_until = None;
        }
        if let Some(span) = spans.peek()
            && span.start == i
        {
            out.push_str(&format!("[{pseudonym}]"));
            skipping_until = Some(span.end);
            spans.next();
            continue;
        }
        out.push(ch);
    }
    out
}

/// The text a testimony is indexed and searched by: the account as a reader who may not
/// know the witness sees it (identifying spans replaced), and the summary.
pub(crate) fn searchable_text(content: &Content, pseudonym: &str) -> String {
    format!("{}\n{}", redact(&content.account, &content.identifying_spans, pseudonym), content.summary)
}

/// A new testimony's id and index entries, computed before its write transaction so that
/// the transaction (on SQLite, the one writer every write waits for) holds inserts
/// rather than normalising and HMACs. `pseudonym` is the witness's as read beforehand
/// (it replaces the identifying spans in the indexed text; without spans any will do):
/// the transaction recomputes the entries if it, or the index generation, changed.
pub struct Ahead {
    pub(super) id: String,
    pub(super) index: Prepared,
}

/// `Ahead` for a new testimony of `input` in `case_id`.
pub fn prepare(keyring: &Keyring, case_id: Uuid, input: &TestimonyInput, pseudonym: &str) -> Result<Ahead> {
    let id = Uuid::new_v4().to_string();
    let text = searchable_text(&Content::of(input, None), pseudonym);
    let generation = crate::search::index::generation_hint();
    Ok(Ahead { index: Prepared::testimony(keyring, generation, &case_id.to_string(), &id, &text)?, id })
}

/// `searchable_text` of a stored version (for rebuilding the index and scoring hits).
pub fn searchable_text_of(
    c: &mut DbConnection,
    keyring: &Keyring,
    row: &Row,
    pseudonym: &str,
) -> Result<String> {
    let content = fields::open_content(&Sealer::open(c, keyring, TABLE, &row.id)?, &row.content)?;
    Ok(searchable_text(&content, pseudonym))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifying_spans_become_the_pseudonym() {
        let account = "Меня зовут Иван Петров, меня били в Окрестина.";
        let start = account.chars().position(|c| c == 'И').unwrap();
        let spans = [Span { start, end: start + "Иван Петров".chars().count() }];
        assert_eq!(redact(account, &spans, "W-0031"), "Меня зовут [W-0031], меня били в Окрестина.");
        assert_eq!(redact(account, &[], "W-0031"), account);
    }

    #[test]
    fn the_index_holds_the_redacted_account_and_the_summary() {
        let content = Content {
            account: "I am Ivan.".into(),
            summary: "beaten".into(),
            identifying_spans: vec![Span { start: 5, end: 9 }],
            ..Default::default()
        };
        assert_eq!(searchable_text(&content, "W-1"), "I am [W-1].\nbeaten");
    }
}
