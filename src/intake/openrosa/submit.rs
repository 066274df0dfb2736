//! One POST of a submission. Each POST carries the instance XML (so any one of them names
//! the submission by its `meta/instanceID`) and some of its media; all but the last say
//! `*isIncomplete*` = yes. The first POST opens the submission, each media part streams
//! into it as an intake file (a part already received is kept, not stored twice), and
//! the last completes it with the XML as its content. A submission whose instance is
//! already complete is a duplicate: answered as accepted, nothing stored.
//!
//! An encrypted form's submission (its XML is ODK's manifest) goes through `odk`: the
//! wrapped key is unwrapped first, each `.enc` part decoded as it streams, the decoded
//! `submission.xml.enc` becomes the document, and the signature is checked before
//! completion. A key that does not unwrap or a bad signature throws the submission away.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::MAX_XML_BYTES;
use crate::error::{Error, Result};
use crate::intake::odk::{Manifest, SubmissionKey};
use diesel::prelude::*;

use crate::cases::sealed::Sealer;
use crate::intake::receive::{Content, ContentKind, SUBMISSIONS, receiving_in};
use crate::intake::{Channel, Device, IncomingFile, Intake, SubmissionStatus, xml};
use crate::store::schema::intake_submissions;

/// How a POST ended, for the status the client expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The submission is complete (201).
    Received,
    /// This part was received; more POSTs follow (201).
    Partial,
    /// The instance was already received whole: nothing stored (202).
    Duplicate,
}

struct Encrypted {
    manifest: Manifest,
    key: SubmissionKey,
    /// The decoded `submission.xml.enc`, once its part arrived in this POST.
    document: Option<String>,
    /// MD5 (hex) of each `.enc` part's decrypted content in this POST.
    md5s: Vec<(String, String)>,
}

/// A POST under way: the submission it adds to and what is known of it.
pub struct Post {
    device: Device,
    submission: Uuid,
    /// Opened by this POST: on failure nothing of it may stay.
    opened: bool,
    duplicate: bool,
    form: Uuid,
    form_id: String,
    version: String,
    document: String,
    received_sha256: String,
    encrypted: Option<Encrypted>,
}

impl std::fmt::Debug for Post {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Post").field("submission", &self.submission).field("opened", &self.opened).finish()
    }
}

fn bad(what: &str) -> Error {
    Error::BadRequest(what.to_owned())
}

impl Intake {
    /// Reads a POST's instance XML (or an encrypted form's manifest), finds the form it
    /// answers among the device's case's and opens (or finds) its submission.
    pub async fn begin_post(&self, device: &Device, xml_bytes: &[u8]) -> Result<Post> {
        if xml_bytes.len() > MAX_XML_BYTES {
            return Err(Error::TooLarge { limit: MAX_XML_BYTES as u64 });
        }
        let root = xml::parse(xml_bytes)?;
        let manifest = Manifest::parse(&root)?;
        let (form_id, version, instance) = match &manifest {
            Some(m) => (m.form_id.clone(), m.version.clone().unwrap_or_default(), m.instance_id.clone()),
            None => {
                let form_id = root.attribute("id").map(str::trim).unwrap_or_default().to_owned();
                if form_id.is_empty() {
                    return Err(bad("the submission does not name its form (no id attribute)"));
                }
                let version = root.attribute("version").map(str::trim).unwrap_or_default().to_owned();
                let instance = root.find(&["meta", "instanceID"]).map(|e| e.text()).unwrap_or_default();
                (form_id, version, instance)
            }
        };
        if instance.is_empty() || instance.len() > 256 {
            return Err(bad("the submission has no usable meta/instanceID"));
        }
        let (form, encrypted_form) = self.submission_form(device, &form_id, &version).await?;
        match (encrypted_form, manifest.is_some()) {
            (true, false) => return Err(bad("this form is encrypted: the submission must be encrypted too")),
            (false, true) => return Err(bad("this form is not encrypted, but the submission is")),
            _ => {}
        }
        let opened = self.open_submission(device, Channel::OpenRosa, &instance).await?;
        let mut post = Post {
            device: device.clone(),
            submission: opened.id,
            opened: opened.opened,
            duplicate: opened.status != SubmissionStatus::Receiving,
            form,
            form_id,
            version,
            document: String::new(),
            received_sha256: hex::encode(Sha256::digest(xml_bytes)),
            encrypted: None,
        };
        match manifest {
            None => {
                post.document =
                    String::from_utf8(xml_bytes.to_vec()).map_err(|_| bad("the XML is not UTF-8"))?;
            }
            Some(manifest) if !post.duplicate => match self.unwrap_submission_key(device, &manifest).await {
                Ok(key) => {
                    post.encrypted = Some(Encrypted { manifest, key, document: None, md5s: Vec::new() })
                }
                Err(e) => {
                    self.refuse(device, post.submission, "key_unwrap").await?;
                    return Err(e);
                }
            },
            Some(_) => {}
        }
        Ok(post)
    }

    /// Receives one media part of the POST, streamed (an encrypted one decoded as it
    /// streams). A part the submission already holds is not stored again; a duplicate's
    /// parts are read and dropped.
    pub async fn post_file<S, E>(&self, post: &mut Post, name: &str, media_type: &str, body: S) -> Result<()>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    {
        if post.duplicate {
            return drain(body).await;
        }
        if name.is_empty() {
            return Err(bad("a media part has no file name"));
        }
        let incoming = IncomingFile {
            name: name.to_owned(),
            media_type: media_type.to_owned(),
            declared_len: None,
            client_meta: None,
        };
        let decode = match &mut post.encrypted {
            None => None,
            Some(enc) if name == enc.manifest.xml_file => {
                let received = buffer(body, self.attachments.limits().idle_timeout).await?;
                let mut decoder = enc.key.decoder(&enc.manifest, name)?;
                let mut plain = Vec::new();
                decoder.update(&received, &mut plain)?;
                decoder.finish(&mut plain)?;
                // The signature covers the decrypted contents' MD5s.
                let md5 = hex::encode(md5::Md5::digest(&plain));
                let kept = Kept {
                    md5,
                    document: String::from_utf8(plain)
                        .map_err(|_| bad("the decrypted submission is not UTF-8"))?,
                    received_sha256: hex::encode(Sha256::digest(&received)),
                    received_md5: hex::encode(md5::Md5::digest(&received)),
                };
                // Kept sealed with the submission: the last POST may not carry it again.
                self.keep_document(&post.device, post.submission, &kept).await?;
                enc.md5s.push((name.to_owned(), kept.md5.clone()));
                post.received_sha256 = kept.received_sha256.clone();
                enc.document = Some(kept.document);
                return Ok(());
            }
            Some(enc) if enc.manifest.media.iter().any(|m| m == name) => {
                Some(enc.key.decoder(&enc.manifest, name)?)
            }
            Some(_) => return Err(bad("a part the encrypted submission's manifest does not name")),
        };
        let file = self.receive_file(&post.device, post.submission, incoming, body, decode).await?;
        if let Some(enc) = &mut post.encrypted {
            enc.md5s.push((name.to_owned(), file.meta.md5));
        }
        Ok(())
    }

    /// Ends the POST: the last one (not `incomplete`) completes the submission with its
    /// document, after checking an encrypted one's signature.
    pub async fn finish_post(&self, post: &Post, incomplete: bool) -> Result<Outcome> {
        if post.duplicate {
            return Ok(Outcome::Duplicate);
        }
        if incomplete {
            return Ok(Outcome::Partial);
        }
        let (document, received_sha256) = match &post.encrypted {
            None => (post.document.clone(), post.received_sha256.clone()),
            Some(enc) => {
                let mut md5s = enc.md5s.clone();
                let mut received_sha256 = post.received_sha256.clone();
                let document = match enc.document.clone() {
                    Some(document) => document,
                    None => {
                        let Some(kept) = self.kept_document(&post.device, post.submission).await? else {
                            return Err(bad("the encrypted submission's submission.xml.enc never arrived"));
                        };
                        md5s.push((enc.manifest.xml_file.clone(), kept.md5));
                        received_sha256 = kept.received_sha256;
                        kept.document
                    }
                };
                for name in &enc.manifest.media {
                    if md5s.iter().any(|(n, _)| n == name) {
                        continue;
                    }
                    match self.received_file(&post.device, post.submission, name).await? {
                        Some(f) => md5s.push((name.clone(), f.meta.md5)),
                        None => return Err(bad("a media file the manifest names never arrived")),
                    }
                }
                if let Err(e) = enc.key.verify(&enc.manifest, &md5s) {
                    self.refuse(&post.device, post.submission, "signature").await?;
                    return Err(e);
                }
                (document, received_sha256)
            }
        };
        let content = Content {
            kind: ContentKind::XForm,
            document,
            received_sha256,
            form: Some((post.form_id.clone(), post.version.clone())),
        };
        self.complete(&post.device, post.submission, content, Some(post.form)).await?;
        Ok(Outcome::Received)
    }

    /// A POST that failed: a submission it opened is thrown away whole (no half-made
    /// record); one opened earlier keeps what earlier POSTs brought.
    pub async fn abandon_post(&self, post: &Post, reason: &'static str) -> Result<()> {
        if post.opened && !post.duplicate {
            match self.refuse(&post.device, post.submission, reason).await {
                // Already gone (refused on a bad key or signature) or completed meanwhile.
                Ok(()) | Err(Error::NotFound) | Err(Error::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// An encrypted submission's decoded document, sealed on its row (field `kept`) while it
/// is receiving; `complete` replaces it with the submission's content.
#[derive(serde::Serialize, serde::Deserialize)]
struct Kept {
    document: String,
    received_sha256: String,
    received_md5: String,
    /// MD5 (hex) of the decrypted document: what the signature covers.
    #[serde(default)]
    md5: String,
}

impl Intake {
    async fn keep_document(&self, device: &Device, submission: Uuid, kept: &Kept) -> Result<()> {
        let (device, id) = (device.clone(), submission.to_string());
        let kept = serde_json::to_value(kept).map_err(Error::internal)?;
        self.ctx
            .write(move |c, k| {
                receiving_in(c, &device, submission)?;
                let existing: Option<Vec<u8>> =
                    intake_submissions::table.find(&id).select(intake_submissions::content).first(c)?;
                let sealer = match existing {
                    Some(_) => Sealer::open(c, k, SUBMISSIONS, &id)?,
                    None => Sealer::create(c, k, SUBMISSIONS, &id)?,
                };
                diesel::update(intake_submissions::table.find(&id))
                    .set(intake_submissions::content.eq(sealer.seal("kept", &kept)?))
                    .execute(c)?;
                Ok(())
            })
            .await
    }

    async fn kept_document(&self, device: &Device, submission: Uuid) -> Result<Option<Kept>> {
        let (device, id) = (device.clone(), submission.to_string());
        self.ctx
            .write(move |c, k| {
                receiving_in(c, &device, submission)?;
                let existing: Option<Vec<u8>> =
                    intake_submissions::table.find(&id).select(intake_submissions::content).first(c)?;
                existing.map(|blob| Sealer::open(c, k, SUBMISSIONS, &id)?.unseal("kept", &blob)).transpose()
            })
            .await
    }
}

async fn drain<S, E>(mut body: S) -> Result<()>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
{
    while let Some(chunk) = body.next().await {
        chunk.map_err(|_| bad("the upload was interrupted"))?;
    }
    Ok(())
}

/// A part read whole, refused past [`MAX_XML_BYTES`] before more is buffered, and dropped
/// when it sends nothing for `idle` (a stalled client holds nothing for long).
pub async fn buffer<S, E>(mut body: S, idle: std::time::Duration) -> Result<Vec<u8>>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
{
    let mut out = Vec::new();
    loop {
        let Ok(next) = tokio::time::timeout(idle, body.next()).await else {
            return Err(Error::Stalled);
        };
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(|_| bad("the upload was interrupted"))?;
        if out.len() + chunk.len() > MAX_XML_BYTES {
            return Err(Error::TooLarge { limit: MAX_XML_BYTES as u64 });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}
