//! Blobs as objects in an S3-compatible bucket (AWS S3, Garage, MinIO, Ceph RGW, …), so
//! several nodes can share them. The objects are the same STREAM ciphertext the folder
//! holds, under `<prefix>blobs/<id>` with a random id: the store's operator learns sizes,
//! times and counts, never content. Requests are presigned by `rusty-s3` (SigV4, no I/O
//! of its own) and sent by `ureq`, blocking, like every [`BlobStore`] call.
//!
//! Failures a retry may cure (no connection, a timeout, a 5xx) are
//! [`Error::StoreUnavailable`]; a refused signature or a missing bucket is a
//! configuration error that names the setting to check.

mod list;
pub mod migrate;
mod read;
mod write;

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use secrecy::ExposeSecret;
use ureq::http::Response;
use ureq::{Agent, Body};
use uuid::Uuid;

use super::blobs::{BlobRead, BlobStore, BlobWrite};
use crate::config::S3Settings;
use crate::error::{Error, Result};

pub use list::ObjectInfo;

/// How long a presigned request stays valid: it is sent at once, so a URL that ended up
/// in a log is of no use for long.
const SIGNED_FOR: Duration = Duration::from_secs(300);

/// S3-compatible object storage behind [`BlobStore`].
#[derive(Clone)]
pub struct S3Blobs {
    inner: Arc<Inner>,
}

struct Inner {
    bucket: Bucket,
    credentials: Credentials,
    /// `<prefix>blobs/`: every key this store writes, lists or aborts starts with it.
    keys: String,
    agent: Agent,
    endpoint: String,
    quota: Option<u64>,
}

impl fmt::Debug for S3Blobs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the credentials.
        f.debug_struct("S3Blobs")
            .field("endpoint", &self.inner.endpoint)
            .field("bucket", &self.inner.bucket.name())
            .field("keys", &self.inner.keys)
            .finish()
    }
}

impl S3Blobs {
    /// The store `settings` describe, without contacting it (see [`S3Blobs::check`]).
    pub fn new(settings: &S3Settings) -> Result<Self> {
        let endpoint: url::Url = settings
            .endpoint
            .parse()
            .map_err(|e| Error::Storage(format!("storage.s3.endpoint is not a URL: {e}")))?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(Error::Storage("storage.s3.endpoint must be an http:// or https:// URL".into()));
        }
        let style = if settings.path_style { UrlStyle::Path } else { UrlStyle::VirtualHost };
        let bucket = Bucket::new(endpoint, style, settings.bucket.clone(), settings.region.clone())
            .map_err(|e| Error::Storage(format!("storage.s3: {e}")))?;
        let credentials =
            Credentials::new(settings.access_key_id.clone(), settings.secret_access_key.expose_secret());
        let agent: Agent = Agent::config_builder()
            // Error statuses come back as responses, so their S3 code can be read.
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_send_request(Some(Duration::from_secs(30)))
            .timeout_send_body(Some(Duration::from_secs(120)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .build()
            .into();
        Ok(S3Blobs {
            inner: Arc::new(Inner {
                bucket,
                credentials,
                keys: format!("{}blobs/", settings.prefix),
                agent,
                endpoint: settings.endpoint.clone(),
                quota: settings.quota_bytes,
            }),
        })
    }

    /// Start-up check: lists one key, which needs the endpoint reachable, the
    /// credentials accepted and the bucket present. The error says which it was.
    pub fn check(&self) -> Result<()> {
        let inner = &self.inner;
        let mut action = inner.bucket.list_objects_v2(Some(&inner.credentials));
        action.with_prefix(inner.keys.as_str());
        action.with_max_keys(1);
        let outcome = inner.call(inner.agent.get(action.sign(SIGNED_FOR).as_str()).call(), "check");
        match outcome {
            Ok(_) => Ok(()),
            Err(Error::StoreUnavailable(why)) => Err(Error::Storage(format!(
                "the object store at {} is unreachable ({why}): check storage.s3.endpoint",
                inner.endpoint
            ))),
            Err(Error::NotFound) => Err(Error::Storage(format!(
                "the object store at {} has no bucket {:?}: create it or fix storage.s3.bucket",
                inner.endpoint,
                inner.bucket.name()
            ))),
            Err(e) => Err(e),
        }
    }

    fn key_of(&self, id: Uuid) -> String {
        format!("{}{}", self.inner.keys, id.simple())
    }

    /// Size and SHA-256 of an object's bytes, read back in full (`custodia blobs
    /// migrate` verifies each copy this way); `None` if there is no such object.
    pub fn digest(&self, id: Uuid) -> Result<Option<(u64, [u8; 32])>> {
        match self.open_blob(id) {
            Ok(mut reader) => migrate::digest(&mut reader).map(Some),
            Err(Error::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Stores `bytes` as blob `id` as they are (already ciphertext), replacing any object
    /// there: `custodia blobs migrate` keeps each blob's id.
    pub fn copy_in(&self, id: Uuid, bytes: &mut dyn std::io::Read) -> Result<()> {
        let mut writer = write::S3Writer::new(self.inner.clone(), id, self.key_of(id));
        std::io::copy(bytes, &mut writer)?;
        Box::new(writer).commit().map(drop)
    }

    /// How many multipart uploads under this store's keys are unfinished (any age).
    pub fn pending_uploads(&self) -> Result<usize> {
        Ok(list::uploads(&self.inner)?.1.len())
    }

    /// Every object under this store's keys with its size (tests and migration).
    pub fn objects(&self) -> Result<Vec<ObjectInfo>> {
        list::objects(&self.inner)
    }
}

impl BlobStore for S3Blobs {
    fn create(&self) -> Result<Box<dyn BlobWrite>> {
        let id = Uuid::new_v4();
        Ok(Box::new(write::S3Writer::new(self.inner.clone(), id, self.key_of(id))))
    }

    fn open_blob(&self, id: Uuid) -> Result<Box<dyn BlobRead>> {
        Ok(Box::new(read::S3Reader::open(self.inner.clone(), self.key_of(id))?))
    }

    fn delete(&self, id: Uuid) -> Result<()> {
        let inner = &self.inner;
        let key = self.key_of(id);
        let url = inner.bucket.delete_object(Some(&inner.credentials), &key).sign(SIGNED_FOR);
        match inner.call(inner.agent.delete(url.as_str()).call(), "delete") {
            Ok(_) | Err(Error::NotFound) => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn list(&self) -> Result<Vec<(Uuid, std::time::SystemTime)>> {
        Ok(list::objects(&self.inner)?.into_iter().map(|o| (o.id, o.modified)).collect())
    }

    fn clean_tmp(&self) -> Result<usize> {
        list::abort_stale_uploads(&self.inner)
    }

    fn available_bytes(&self) -> Result<u64> {
        // A bucket has no free space to ask about; an operator may set a quota, which
        // is compared with what the objects already take.
        match self.inner.quota {
            None => Ok(u64::MAX),
            Some(quota) => {
                let used: u64 = list::objects(&self.inner)?.iter().map(|o| o.size).sum();
                Ok(quota.saturating_sub(used))
            }
        }
    }

    fn local_dir(&self) -> Option<&Path> {
        None
    }
}

impl Inner {
    /// The response of a successful exchange, or what its failure means to the caller.
    fn call(
        &self,
        sent: std::result::Result<Response<Body>, ureq::Error>,
        what: &'static str,
    ) -> Result<Response<Body>> {
        let mut response = sent.map_err(|e| transport(what, &e))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(response);
        }
        let body = response.body_mut().with_config().limit(64 * 1024).read_to_string().unwrap_or_default();
        Err(refusal(what, status, &body, self.credentials.key()))
    }

    fn sign<'a>(&self, action: impl S3Action<'a>) -> url::Url {
        action.sign(SIGNED_FOR)
    }
}

/// No answer at all: worth retrying later.
fn transport(what: &str, e: &ureq::Error) -> Error {
    Error::StoreUnavailable(format!("{what}: {e}"))
}

/// An answer that is not a success, by status and S3 error code.
fn refusal(what: &str, status: u16, body: &str, key_id: &str) -> Error {
    let code = xml_text(body, "Code").unwrap_or("");
    match (status, code) {
        (404, "NoSuchBucket") => Error::NotFound,
        (404, _) => Error::NotFound,
        (403, _)
        | (400, "InvalidAccessKeyId" | "SignatureDoesNotMatch" | "AuthorizationHeaderMalformed")
        | (401, _) => Error::Storage(format!(
            "{what}: the object store refused access key {key_id:?} ({code}): check \
             storage.s3.access_key_id, secret_access_key and region, and that the key may use the bucket"
        )),
        (408 | 429 | 500..=599, _) => Error::StoreUnavailable(format!("{what}: HTTP {status} {code}")),
        _ => Error::Storage(format!("{what}: the object store answered HTTP {status} {code}")),
    }
}

/// The text of the first `<name>` element of a small XML document (S3 error bodies and
/// listings of our own keys, which hold no markup characters).
fn xml_text<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}

/// Carries a store error through `std::io`'s `Read`/`Write`, so the caller's `?` gets the
/// same error back (see `From<io::Error> for Error`).
fn io_error(e: Error) -> std::io::Error {
    std::io::Error::other(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_say_what_to_check_and_outages_are_retryable() {
        let denied = "<Error><Code>SignatureDoesNotMatch</Code></Error>";
        let e = refusal("check", 403, denied, "GK1");
        assert!(e.to_string().contains("secret_access_key") && e.to_string().contains("GK1"), "{e}");
        assert!(matches!(refusal("get", 503, "", "k"), Error::StoreUnavailable(_)));
        assert!(matches!(refusal("get", 404, "<Code>NoSuchKey</Code>", "k"), Error::NotFound));
        assert_eq!(xml_text("<a><Key>x/y</Key></a>", "Key"), Some("x/y"));
        assert_eq!(xml_text("<a></a>", "Key"), None);
    }

    #[test]
    fn store_errors_survive_a_trip_through_io() {
        let e: Error = io_error(Error::StoreUnavailable("get: refused".into())).into();
        assert!(matches!(e, Error::StoreUnavailable(_)), "{e:?}");
    }
}
