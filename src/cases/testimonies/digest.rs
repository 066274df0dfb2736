//! The digest recorded when a version is sealed: SHA-256 over the canonical content, a
//! JSON object with fixed key order holding every field of the account and its metadata
//! (not the consent, which may change). Recipients recompute it, so its bytes are a
//! stored format: the golden test in `stored` pins it.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::stored::StoredContent;
use super::types::{Content, Row};
use crate::error::{Error, Result};

pub(crate) fn digest(row: &Row, content: &Content) -> Result<String> {
    #[derive(Serialize)]
    struct Canonical<'a> {
        v: u8,
        case_id: &'a str,
        root_id: &'a str,
        version: i32,
        witness_id: &'a str,
        author_id: &'a str,
        interview_date: Option<&'a str>,
        languages: &'a str,
        source_connection: &'a str,
        reliability: &'a str,
        content: &'a StoredContent,
    }
    let content = StoredContent::from(content);
    let canonical = Canonical {
        v: 1,
        case_id: &row.case_id,
        root_id: &row.root_id,
        version: row.version,
        witness_id: &row.witness_id,
        author_id: &row.author_id,
        interview_date: row.interview_date.as_deref(),
        languages: &row.languages,
        source_connection: &row.source_connection,
        reliability: &row.reliability,
        content: &content,
    };
    let bytes = zeroize::Zeroizing::new(serde_json::to_vec(&canonical).map_err(Error::internal)?);
    Ok(hex::encode(Sha256::digest(&bytes)))
}
