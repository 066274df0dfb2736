//! Submissions and their files as they arrive. A submission is opened by the client's own
//! instance id (so a re-sent one is found, not made twice), receives its files one by
//! one, and is completed with its content, which puts it in the case lead's inbox. Every
//! step is audited in its own transaction; the entries name the submission as the
//! testimony and each file as the attachment they become, so they head those records'
//! chains of custody: who (the device account), when, sizes and hashes of the bytes as
//! received and of the content.

use bytes::Bytes;
use diesel::prelude::*;
use futures_util::Stream;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use super::{Device, Intake};
use crate::attachments::Decode;
use crate::audit::{self, Entry};
use crate::cases::attachments::TABLE as ATTACHMENTS;
use crate::cases::sealed::Sealer;
use crate::crypto::{Dek, Keyring};
use crate::error::{Error, Result};
use crate::keys::store as key_store;
use crate::store::DbConnection;
use crate::store::schema::{intake_files, intake_submissions};

pub(crate) use super::files::{NewFileRow, chunk_record, delete_submission, file, file_entry, insert_file};

/// The sealed-field table of a file's metadata and of a submission's content.
pub const FILES: &str = "intake_files";
pub const SUBMISSIONS: &str = "intake_submissions";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    OpenRosa,
    Tella,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::OpenRosa => "openrosa",
            Channel::Tella => "tella",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SubmissionStatus {
    /// Files may still arrive.
    Receiving,
    /// Complete, in the case lead's inbox.
    Pending,
    Accepted,
    Rejected,
}

impl SubmissionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionStatus::Receiving => "receiving",
            SubmissionStatus::Pending => "pending",
            SubmissionStatus::Accepted => "accepted",
            SubmissionStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "receiving" => Ok(SubmissionStatus::Receiving),
            "pending" => Ok(SubmissionStatus::Pending),
            "accepted" => Ok(SubmissionStatus::Accepted),
            "rejected" => Ok(SubmissionStatus::Rejected),
            _ => Err(Error::Integrity),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct SubmissionRef {
    pub id: Uuid,
    pub status: SubmissionStatus,
    /// Opened by this call (not found from an earlier one).
    pub opened: bool,
}

/// What a client says about a file.
#[derive(Debug, Clone)]
pub struct IncomingFile {
    /// Its name within the submission (the multipart part's file name, Tella's file
    /// name): unique per submission.
    pub name: String,
    pub media_type: String,
    pub declared_len: Option<u64>,
    /// What the app sent with it (Tella: location, cell and Wi-Fi data): sealed.
    pub client_meta: Option<serde_json::Value>,
}

/// A file's sealed metadata (`intake_files.meta`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FileMeta {
    pub name: String,
    /// Hex digests of the bytes as received (ciphertext when the phone encrypted them).
    pub received_sha256: String,
    pub received_md5: String,
    /// Hex SHA-256 of the content stored (decrypted): empty until complete.
    pub sha256: String,
    /// Hex MD5 of the content stored (what an ODK encrypted submission's signature
    /// covers): empty until complete.
    #[serde(default)]
    pub md5: String,
    pub client: Option<serde_json::Value>,
}

/// A file as stored.
#[derive(Debug, Clone, Serialize)]
pub struct ReceivedFile {
    pub id: Uuid,
    pub media_type: String,
    pub received: u64,
    pub size: u64,
    pub meta: FileMeta,
}

/// How a submission's document is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    /// An XForms instance (OpenRosa), decrypted where the phone encrypted it.
    XForm,
    /// A Tella report: JSON with its title and description.
    TellaReport,
}

/// A submission's sealed content (`intake_submissions.content`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Content {
    pub kind: ContentKind,
    pub document: String,
    /// Hex SHA-256 of the document as received (the encrypted one, for encrypted forms).
    pub received_sha256: String,
    /// The form it answers (`form_id` and version), when it names one.
    pub form: Option<(String, String)>,
}

/// The keyed digest a client's instance id is found by (the id is not stored).
pub fn instance_key(keyring: &Keyring, channel: Channel, instance: &str) -> Vec<u8> {
    keyed(keyring, "intake-instance", &[channel.as_str(), instance])
}

/// The keyed digest of a file's name within its submission.
pub fn name_key(keyring: &Keyring, submission: Uuid, name: &str) -> Vec<u8> {
    keyed(keyring, "intake-file-name", &[&submission.to_string(), name])
}

fn keyed(keyring: &Keyring, index: &str, parts: &[&str]) -> Vec<u8> {
    let key = keyring.blind_index_key(index);
    // HMAC takes keys of any length; a 32-byte key cannot be refused.
    let Ok(mut mac) = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key.expose()) else {
        return Vec::new();
    };
    for p in parts {
        mac.update(p.as_bytes());
        mac.update(&[0]);
    }
    mac.finalize().into_bytes().to_vec()
}

impl Intake {
    /// Finds the submission a client names by its instance id, or opens it (audited: the
    /// first entry of the future testimony's custody). A submission of another device is
    /// `Conflict`; one already complete is returned as it stands, so a re-sent submission
    /// is answered as accepted without a second record.
    pub async fn open_submission(
        &self,
        device: &Device,
        channel: Channel,
        instance: &str,
    ) -> Result<SubmissionRef> {
        let device = device.clone();
        let instance = instance.to_owned();
        let now = self.ctx.clock.now_naive();
        self.ctx
            .write(move |c, k| {
                let case = device.case_id.to_string();
                let key = instance_key(k, channel, &instance);
                let found = intake_submissions::table
                    .filter(intake_submissions::case_id.eq(&case))
                    .filter(intake_submissions::channel.eq(channel.as_str()))
                    .filter(intake_submissions::instance_key.eq(&key))
                    .select((
                        intake_submissions::id,
                        intake_submissions::device_id,
                        intake_submissions::status,
                    ))
                    .first::<(String, String, String)>(c)
                    .optional()?;
                if let Some((id, by, status)) = found {
                    if by != device.who.principal.user_id.to_string() {
                        return Err(Error::Conflict(
                            "another device sent a submission with this instance id",
                        ));
                    }
                    let id = Uuid::parse_str(&id).map_err(|_| Error::Integrity)?;
                    return Ok(SubmissionRef {
                        id,
                        status: SubmissionStatus::parse(&status)?,
                        opened: false,
                    });
                }
                let id = Uuid::new_v4();
                diesel::insert_into(intake_submissions::table)
                    .values((
                        intake_submissions::id.eq(id.to_string()),
                        intake_submissions::case_id.eq(&case),
                        intake_submissions::device_id.eq(device.who.principal.user_id.to_string()),
                        intake_submissions::channel.eq(channel.as_str()),
                        intake_submissions::instance_key.eq(&key),
                        intake_submissions::status.eq(SubmissionStatus::Receiving.as_str()),
                        intake_submissions::received_at.eq(now),
                    ))
                    .execute(c)?;
                audit::append(
                    c,
                    &Entry::new(&device.who.principal, "intake.open")
                        .target("testimony", id)
                        .detail("case", case.as_str())
                        .detail("channel", channel.as_str()),
                )?;
                Ok(SubmissionRef { id, status: SubmissionStatus::Receiving, opened: true })
            })
            .await
    }

    /// The file of this name the submission already holds complete, if any (a part sent
    /// again after a lost answer).
    pub async fn received_file(
        &self,
        device: &Device,
        submission: Uuid,
        name: &str,
    ) -> Result<Option<ReceivedFile>> {
        let device = device.clone();
        let name = name.to_owned();
        self.ctx
            .write(move |c, k| {
                owned_submission(c, &device, submission)?;
                let key = name_key(k, submission, &name);
                let row = intake_files::table
                    .filter(intake_files::submission_id.eq(submission.to_string()))
                    .filter(intake_files::name_key.eq(key))
                    .filter(intake_files::status.eq("complete"))
                    .select(intake_files::id)
                    .first::<String>(c)
                    .optional()?;
                row.map(|id| file(c, k, &id)).transpose()
            })
            .await
    }

    /// Streams one whole file of a submission into the store: the bytes as received are
    /// hashed, `decode` (a phone's encryption) may turn them into the content, which is
    /// stored and hashed again. The row and its custody entry are written in one
    /// transaction once every byte is stored; on any failure nothing is left. A name the
    /// submission already holds is answered with the file it holds.
    pub async fn receive_file<S, E>(
        &self,
        device: &Device,
        submission: Uuid,
        incoming: IncomingFile,
        body: S,
        decode: Option<Box<dyn Decode>>,
    ) -> Result<ReceivedFile>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    {
        if let Some(existing) = self.received_file(device, submission, &incoming.name).await? {
            return Ok(existing);
        }
        self.receiving(device, submission).await?;
        let id = Uuid::new_v4();
        let dek = Dek::generate();
        let stored =
            self.attachments.store_stream(body, incoming.declared_len, &dek, &id.to_string(), decode).await?;
        let meta = FileMeta {
            name: incoming.name.clone(),
            received_sha256: hex::encode(stored.received_sha256),
            received_md5: hex::encode(stored.received_md5),
            sha256: hex::encode(stored.sha256),
            md5: hex::encode(stored.md5),
            client: incoming.client_meta.clone(),
        };
        let (device, now, blob) = (device.clone(), self.ctx.clock.now_naive(), stored.blob_id);
        let recorded = self
            .ctx
            .write(move |c, k| {
                receiving_in(c, &device, submission)?;
                let row = NewFileRow {
                    id,
                    submission,
                    name: &incoming.name,
                    media_type: &incoming.media_type,
                    declared: incoming.declared_len,
                    received: stored.received,
                    now,
                };
                insert_file(c, k, &row, &meta)?;
                key_store::store_record_key(c, k, ATTACHMENTS, &id.to_string(), &dek)?;
                diesel::update(intake_files::table.find(id.to_string()))
                    .set((
                        intake_files::status.eq("complete"),
                        intake_files::size.eq(stored.size as i64),
                        intake_files::blob_id.eq(stored.blob_id.to_string()),
                        intake_files::completed_at.eq(now),
                    ))
                    .execute(c)?;
                file_entry(
                    c,
                    &device,
                    submission,
                    id,
                    &incoming.media_type,
                    stored.received,
                    &meta,
                    stored.size,
                )?;
                file(c, k, &id.to_string())
            })
            .await;
        if recorded.is_err() {
            self.attachments.blobs().delete(blob)?;
        }
        recorded
    }

    /// Completes a submission with its content: it leaves `receiving` for the case lead's
    /// inbox. Audited with the document's digest and how many files came with it.
    pub async fn complete(
        &self,
        device: &Device,
        submission: Uuid,
        content: Content,
        form: Option<Uuid>,
    ) -> Result<()> {
        let device = device.clone();
        let now = self.ctx.clock.now_naive();
        self.ctx
            .write(move |c, k| {
                receiving_in(c, &device, submission)?;
                let id = submission.to_string();
                let files: i64 = intake_files::table
                    .filter(intake_files::submission_id.eq(&id))
                    .filter(intake_files::status.eq("complete"))
                    .count()
                    .get_result(c)?;
                // An encrypted submission's document may have been kept (sealed) by an
                // earlier POST (`openrosa::submit`): its key exists already. (A Tella
                // report's draft is sealed under a key of its own.)
                let sealer = if key_store::has_record_key(c, SUBMISSIONS, &id)? {
                    Sealer::open(c, k, SUBMISSIONS, &id)?
                } else {
                    Sealer::create(c, k, SUBMISSIONS, &id)?
                };
                diesel::update(intake_submissions::table.find(&id))
                    .set((
                        intake_submissions::status.eq(SubmissionStatus::Pending.as_str()),
                        intake_submissions::content.eq(sealer.seal("content", &content)?),
                        intake_submissions::form_id.eq(form.map(|f| f.to_string())),
                        intake_submissions::completed_at.eq(now),
                    ))
                    .execute(c)?;
                let mut entry = Entry::new(&device.who.principal, "intake.submission")
                    .target("testimony", &id)
                    .detail("files", files)
                    .detail("received_sha256", content.received_sha256.as_str());
                if let Some((form_id, version)) = &content.form {
                    entry = entry.detail("form", form_id.as_str()).detail("form_version", version.as_str());
                }
                audit::append(c, &entry)?;
                Ok(())
            })
            .await
    }

    /// Throws away a submission still receiving that turned out bad (a tampered encrypted
    /// submission, a key that does not unwrap): its files, their keys and blobs, and the
    /// row. Audited with a reason code; the client's answer says what was wrong.
    pub async fn refuse(&self, device: &Device, submission: Uuid, reason: &'static str) -> Result<()> {
        let device = device.clone();
        let blobs = self
            .ctx
            .write(move |c, _| {
                receiving_in(c, &device, submission)?;
                let blobs = delete_submission(c, submission)?;
                audit::append(
                    c,
                    &Entry::new(&device.who.principal, "intake.refuse")
                        .target("testimony", submission)
                        .detail("reason", reason),
                )?;
                Ok(blobs)
            })
            .await?;
        for blob in blobs {
            self.attachments.blobs().delete(blob)?;
        }
        Ok(())
    }

    async fn receiving(&self, device: &Device, submission: Uuid) -> Result<()> {
        let device = device.clone();
        self.ctx.read(move |c| receiving_in(c, &device, submission)).await
    }
}

/// The submission, if this device's: its status.
pub(crate) fn owned_submission(
    c: &mut DbConnection,
    device: &Device,
    submission: Uuid,
) -> Result<SubmissionStatus> {
    let (by, status) = intake_submissions::table
        .find(submission.to_string())
        .select((intake_submissions::device_id, intake_submissions::status))
        .first::<(String, String)>(c)
        .optional()?
        .ok_or(Error::NotFound)?;
    if by != device.who.principal.user_id.to_string() {
        return Err(Error::NotFound);
    }
    SubmissionStatus::parse(&status)
}

/// The submission is this device's and still takes files.
pub(crate) fn receiving_in(c: &mut DbConnection, device: &Device, submission: Uuid) -> Result<()> {
    match owned_submission(c, device, submission)? {
        SubmissionStatus::Receiving => Ok(()),
        _ => Err(Error::Conflict("the submission is complete and takes no more files")),
    }
}

/// The submission is this device's and takes files: while receiving, and for a Tella
/// report also while it waits in the inbox (Tella's apps never say a report is finished).
pub(crate) fn takes_files(c: &mut DbConnection, device: &Device, submission: Uuid) -> Result<()> {
    match owned_submission(c, device, submission)? {
        SubmissionStatus::Receiving => Ok(()),
        SubmissionStatus::Pending => {
            let channel: String = intake_submissions::table
                .find(submission.to_string())
                .select(intake_submissions::channel)
                .first(c)?;
            if channel == Channel::Tella.as_str() {
                Ok(())
            } else {
                Err(Error::Conflict("the submission is complete and takes no more files"))
            }
        }
        _ => Err(Error::Conflict("the case lead has already decided on this submission")),
    }
}
