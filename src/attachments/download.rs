//! An attachment in its original form: decrypted as it streams, the whole file checked
//! against its recorded SHA-256, or one byte range. The order is the point: authorised,
//! the range resolved, the first segment authenticated, the download audited — and only
//! then is anything handed to the edge, so nothing leaves unless its audit entry committed
//! and a file damaged at its start is an error, not an empty success.

use uuid::Uuid;

use super::Attachments;
use super::range::{Part, Wanted};
use super::sealed::{FileStream, Requester, SealedFile, stream_sealed};
use crate::access::{ActionMarker, Allowed, act};
use crate::audit::Actor;
use crate::cases::attachments::{self as rows, AttachmentView, CONTENT_FIELD, TABLE};
use crate::error::{Error, Result};

/// A download ready to send: its first chunk is authenticated and the download audited.
pub struct FileDownload {
    /// Name, media type and size of the whole file.
    pub view: AttachmentView,
    /// The inclusive byte range being sent, or `None` for the whole file.
    pub part: Option<(u64, u64)>,
    /// The plaintext; an `Err` item means damage further in (already audited), and the
    /// edge must cut the transfer short rather than end it cleanly.
    pub body: FileStream,
}

impl std::fmt::Debug for FileDownload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileDownload")
            .field("id", &self.view.id)
            .field("part", &self.part)
            .finish_non_exhaustive()
    }
}

/// What a download request comes to.
#[derive(Debug)]
pub enum Fetch {
    Ready(FileDownload),
    /// The range asked for lies outside the file of `size` bytes.
    Unsatisfiable {
        size: u64,
    },
    /// The file could not be opened, or is damaged at its start. Already audited (as
    /// `integrity_error` naming the attachment), so the edge must not audit it again.
    Failed(Error),
}

impl Attachments {
    /// Download an attachment, or the part of it `wanted`. Audited.
    pub async fn download(&self, who: Allowed<act::CaseRead>, id: Uuid, wanted: Wanted) -> Result<Fetch> {
        self.download_as(who, id, wanted).await
    }

    /// `download` under another action's proof (an evaluation's files: `medical.read`).
    pub async fn download_as<A: ActionMarker + Send + 'static>(
        &self,
        who: Allowed<A>,
        id: Uuid,
        wanted: Wanted,
    ) -> Result<Fetch> {
        let keyring = self.ctx.keys.keyring()?;
        // Looked up without an audit entry: it is written once the file's start verified.
        let (d, who) = self.ctx.read(move |c| Ok((rows::open_download(c, &keyring, &who, id)?, who))).await?;
        let size = d.view.size.max(0) as u64;
        let part = match wanted.resolve(size) {
            Part::Unsatisfiable => return Ok(Fetch::Unsatisfiable { size }),
            part => part.bounds(),
        };
        let file = SealedFile {
            blob_id: d.blob_id,
            dek: d.dek,
            table: TABLE,
            record: id.to_string(),
            field: CONTENT_FIELD,
            range: part,
            expected_sha: d.view.sha256.clone(),
        };
        let requester = Requester { actor: Actor::from(&who.principal), kind: "attachment", id };
        let body = match stream_sealed(&self.ctx, &self.blobs, requester, file).await {
            Ok(body) => body,
            Err(e) => return Ok(Fetch::Failed(e)),
        };
        self.ctx.write_plain(move |c| rows::record_download(c, &who, id, part)).await?;
        Ok(Fetch::Ready(FileDownload { view: d.view, part, body }))
    }
}
