//! Photographs and diagnostic tests of an evaluation, through the attachment service
//! (`attachments.evaluation_id`). Uploading needs `medical.write`, reading `medical.read`;
//! `cases::attachments` keeps them out of every other listing and download path.

use diesel::prelude::*;
use uuid::Uuid;

use super::stored::authorize;
use crate::access::{ActionMarker, Allowed, act};
use crate::cases::attachments::{self as rows, AttachmentView, Target, UploadTicket};
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::evaluations;

/// Permission to upload a file to an evaluation version, checked before a byte is read.
pub(crate) fn begin_upload(
    c: &mut DbConnection,
    who: &Allowed<act::MedicalWrite>,
    evaluation: Uuid,
) -> Result<UploadTicket> {
    let (row, _) = authorize(c, who, &evaluation.to_string())?;
    Ok(UploadTicket {
        attachment_id: Uuid::new_v4(),
        target: Target::Evaluation(row.id),
        case_id: row.case_id,
    })
}

/// The files of these evaluation versions.
pub(crate) fn list_for(
    c: &mut DbConnection,
    keyring: &Keyring,
    version_ids: &[String],
) -> Result<Vec<AttachmentView>> {
    rows::list_for_evaluations(c, keyring, version_ids)
}

/// Is `attachment` a file of evaluation `id` (any of its versions), which `who` may
/// reach for `A`? `NotFound` otherwise.
pub(crate) fn check_belongs<A: ActionMarker>(
    c: &mut DbConnection,
    who: &Allowed<A>,
    id: Uuid,
    attachment: Uuid,
) -> Result<()> {
    let (row, _) = authorize(c, who, &id.to_string())?;
    let Some(of) = rows::evaluation_of(c, &attachment.to_string()).or_else(|e| match e {
        Error::NotFound => Ok(None),
        e => Err(e),
    })?
    else {
        return Err(Error::NotFound);
    };
    let root: Option<String> =
        evaluations::table.find(&of).select(evaluations::root_id).first(c).optional()?;
    if root.as_deref() == Some(row.root_id.as_str()) { Ok(()) } else { Err(Error::NotFound) }
}
