//! Listing the objects (ListObjectsV2, paginated) and aborting the multipart uploads a
//! crashed node left (ListMultipartUploads, which rusty-s3 does not implement: signed
//! here with its `signing::sign`).

use std::time::{Duration, SystemTime};

use rusty_s3::{Map, Method, S3Action};
use uuid::Uuid;

use super::write::read_small;
use super::{Inner, xml_text};
use crate::error::{Error, Result};

/// An upload younger than this may be another node's, still being sent.
const UPLOAD_GRACE: Duration = Duration::from_secs(3600);

/// One stored object.
#[derive(Debug, Clone)]
pub struct ObjectInfo {
    pub id: Uuid,
    pub size: u64,
    pub modified: SystemTime,
}

pub(super) fn objects(store: &Inner) -> Result<Vec<ObjectInfo>> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut action = store.bucket.list_objects_v2(Some(&store.credentials));
        action.with_prefix(store.keys.as_str());
        if let Some(t) = &token {
            action.with_continuation_token(t.as_str());
        }
        let url = store.sign(action);
        let mut response = store.call(store.agent.get(url.as_str()).call(), "list")?;
        let body = read_small(&mut response)?;
        let page = rusty_s3::actions::ListObjectsV2::parse_response(&body)
            .map_err(|e| Error::Storage(format!("list: unexpected answer: {e}")))?;
        for object in page.contents {
            // Anything else under the prefix is not ours to report (or delete).
            let Some(id) = object.key.strip_prefix(&store.keys).and_then(|n| Uuid::try_parse(n).ok()) else {
                continue;
            };
            let modified = object
                .last_modified
                .as_deref()
                .and_then(parse_time)
                .ok_or_else(|| Error::Storage("list: an object without a valid LastModified".into()))?;
            out.push(ObjectInfo { id, size: object.size.unwrap_or(0), modified });
        }
        match page.next_continuation_token {
            Some(next) => token = Some(next),
            None => return Ok(out),
        }
    }
}

fn parse_time(s: &str) -> Option<SystemTime> {
    chrono::DateTime::parse_from_rfc3339(s).ok().map(SystemTime::from)
}

/// Aborts the unfinished uploads under this store's keys that began more than an hour
/// ago by the store's own clock (its `Date` header), so a skewed clock here cannot abort
/// another node's upload in progress. Returns how many.
pub(super) fn abort_stale_uploads(store: &Inner) -> Result<usize> {
    let (now, uploads) = uploads(store)?;
    // Without the store's time nothing can be told old: leave everything.
    let Some(now) = now else { return Ok(0) };
    let mut aborted = 0;
    for upload in uploads.iter().filter(|u| u.started + UPLOAD_GRACE <= now) {
        let action = store.bucket.abort_multipart_upload(Some(&store.credentials), &upload.key, &upload.id);
        match store.call(store.agent.delete(store.sign(action).as_str()).call(), "abort upload") {
            Ok(_) | Err(Error::NotFound) => aborted += 1,
            Err(e) => return Err(e),
        }
    }
    Ok(aborted)
}

pub(super) struct Upload {
    key: String,
    id: String,
    started: SystemTime,
}

/// The store's time (when it said) and every unfinished upload under this store's keys.
pub(super) fn uploads(store: &Inner) -> Result<(Option<SystemTime>, Vec<Upload>)> {
    let mut out = Vec::new();
    let mut now = None;
    let mut markers: Option<(String, String)> = None;
    loop {
        let mut action = ListMultipartUploads::new(store);
        if let Some((key, upload)) = &markers {
            action.query.insert("key-marker", key.clone());
            action.query.insert("upload-id-marker", upload.clone());
        }
        let url = store.sign(action);
        let mut response = store.call(store.agent.get(url.as_str()).call(), "list uploads")?;
        now = now.or_else(|| {
            response
                .headers()
                .get("date")
                .and_then(|d| d.to_str().ok())
                .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
                .map(SystemTime::from)
        });
        let body = read_small(&mut response)?;
        for upload in body.split("<Upload>").skip(1) {
            if let (Some(key), Some(id), Some(started)) = (
                xml_text(upload, "Key"),
                xml_text(upload, "UploadId"),
                xml_text(upload, "Initiated").and_then(parse_time),
            ) && key.starts_with(&store.keys)
            {
                out.push(Upload { key: key.to_owned(), id: id.to_owned(), started });
            }
        }
        let next = (xml_text(&body, "NextKeyMarker"), xml_text(&body, "NextUploadIdMarker"));
        match (xml_text(&body, "IsTruncated"), next) {
            (Some("true"), (Some(key), Some(upload))) => markers = Some((key.to_owned(), upload.to_owned())),
            _ => return Ok((now, out)),
        }
    }
}

/// `GET /<bucket>?uploads&prefix=…`: the multipart uploads begun and not finished.
struct ListMultipartUploads<'a> {
    store: &'a Inner,
    query: Map<'a>,
    headers: Map<'a>,
}

impl<'a> ListMultipartUploads<'a> {
    fn new(store: &'a Inner) -> Self {
        let mut query = Map::new();
        query.insert("prefix", store.keys.as_str());
        query.insert("uploads", "1");
        ListMultipartUploads { store, query, headers: Map::new() }
    }
}

impl<'a> S3Action<'a> for ListMultipartUploads<'a> {
    const METHOD: Method = Method::Get;

    fn query_mut(&mut self) -> &mut Map<'a> {
        &mut self.query
    }

    fn headers_mut(&mut self) -> &mut Map<'a> {
        &mut self.headers
    }

    fn sign_with_time(&self, expires_in: Duration, time: &jiff::Timestamp) -> url::Url {
        let store = self.store;
        rusty_s3::signing::sign(
            time,
            Self::METHOD,
            store.bucket.base_url().clone(),
            store.credentials.key(),
            store.credentials.secret(),
            store.credentials.token(),
            store.bucket.region(),
            expires_in.as_secs(),
            self.query.iter(),
            self.headers.iter(),
        )
    }
}
