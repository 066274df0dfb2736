//! The last phase: the files a sheet names (photos, audio, medical reports), each
//! encrypted into the blob store like any upload, then its row, its external id and the
//! import's progress committed together. A file whose row already committed (apply
//! resumed) is found by its external id and not stored twice.

use uuid::Uuid;

use super::convert::Item;
use super::fields::Kind;
use super::keys::{self, Digester};
use super::record;
use super::service::Imports;
use super::source::Files;
use crate::access::membership as access;
use crate::access::{Allowed, act};
use crate::attachments::{clean_filename, clean_media_type};
use crate::audit::{self, Entry};
use crate::cases::attachments::{self as rows, CONTENT_FIELD, Stored, Target, UploadTicket};
use crate::crypto::{Dek, FieldContext};
use crate::error::{Error, Result};

/// What a file phase batch did.
pub enum Wrote {
    Created,
    Unchanged,
}

/// Stores and records one file; `(phase, done_after)` is the progress it completes.
pub async fn write_file(
    imports: &Imports,
    who: &Allowed<act::CaseImport>,
    case_id: Uuid,
    import_id: &str,
    item: Item,
    files: Files,
    (phase, done_after): (i64, i64),
) -> Result<Wrote> {
    let ctx = &imports.ctx;
    let keyring = ctx.keys.keyring()?;
    let digester = Digester::new(&keyring, &case_id.to_string());
    let key = digester.key(Kind::Attachment, &item.key);
    let values = digester.values(&item);
    let case = case_id.to_string();
    let (k2, case2) = (key.clone(), case.clone());
    let known = ctx.read(move |c| keys::find(c, &case2, Kind::Attachment, &k2)).await?;
    if known.is_some_and(|k| k.values_digest == values) {
        let id = import_id.to_owned();
        ctx.write_plain(move |c| record::set_progress(c, &id, phase, done_after)).await?;
        return Ok(Wrote::Unchanged);
    }
    let name = item.text("file").unwrap_or_default().to_owned();
    let filename = clean_filename(name.rsplit('/').next().unwrap_or(&name));
    let media_type = match item.text("media_type") {
        Some(m) => clean_media_type(m)?,
        None => guess_media_type(&name).to_owned(),
    };
    let attachment_id = Uuid::new_v4();
    let dek = Dek::generate();
    let (blobs, at, file_dek, record_id) =
        (imports.blobs.clone(), item.at.clone(), dek.clone(), attachment_id.to_string());
    let max = imports.max_file_bytes;
    let (blob_id, size, sha256) = tokio::task::spawn_blocking(move || {
        if files.size(&name, &at).map_err(|i| Error::BadRequest(i.to_string()))? > max {
            return Err(Error::TooLarge { limit: max });
        }
        let reader = files.open(&name, &at).map_err(|i| Error::BadRequest(i.to_string()))?;
        let ctx = FieldContext::new(rows::TABLE, &record_id, CONTENT_FIELD);
        blobs.put_encrypted(&file_dek, &ctx, reader)
    })
    .await
    .map_err(|e| Error::internal(format!("import file task: {e}")))??;
    let stored = Stored { blob_id, size, sha256, dek, media_type, filename };
    let now = ctx.clock.now_naive();
    let (who, import_id) = (who.clone(), import_id.to_owned());
    let recorded = ctx
        .write(move |c, k| {
            access::authorize_for(c, &who, &case)?;
            let w = super::write::Writer {
                who: &who.principal,
                case_id,
                import_id: &import_id,
                digester: &digester,
                now,
            };
            let ticket = |target| UploadTicket { attachment_id, target, case_id: case.clone() };
            if let Some(t) = item.text("testimony") {
                let target = w.resolve_key(c, Kind::Testimony, t)?;
                let proof = Allowed::<act::AttachmentUpload>::check(who.principal.clone())?;
                rows::finish_upload(c, k, &proof, &ticket(Target::Testimony(target)), &stored, now)?;
            } else {
                let target = w.resolve_key(c, Kind::Incident, item.text("incident").unwrap_or_default())?;
                let proof = Allowed::<act::RecordWrite>::check(who.principal.clone())?;
                rows::finish_upload(c, k, &proof, &ticket(Target::Incident(target)), &stored, now)?;
            }
            keys::remember(
                c,
                &case,
                Kind::Attachment,
                &key,
                &attachment_id.to_string(),
                &values,
                &import_id,
                now,
            )?;
            record::set_progress(c, &import_id, phase, done_after)?;
            audit::append(
                c,
                &Entry::new(&who.principal, "import.batch")
                    .target("import", &import_id)
                    .detail("phase", "attachment")
                    .detail("records", 1u64)
                    .detail("created", 1u64)
                    .detail("updated", 0u64),
            )?;
            Ok(())
        })
        .await;
    if recorded.is_err() {
        imports.blobs.delete(blob_id)?;
    }
    recorded.map(|()| Wrote::Created)
}

/// A media type from the file's extension: the files organisations keep (photos, scans,
/// audio and video of interviews, documents); anything else is a plain byte stream.
pub fn guess_media_type(name: &str) -> &'static str {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "heic" => "image/heic",
        "tif" | "tiff" => "image/tiff",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "ogg" | "oga" | "opus" => "audio/ogg",
        "wav" => "audio/wav",
        "mp4" | "m4v" => "video/mp4",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "odt" => "application/vnd.oasis.opendocument.text",
        _ => "application/octet-stream",
    }
}
