//! Field intake: phones submit straight into a case. ODK Collect, Kobo and Tella's
//! "Collect" mode speak OpenRosa (`openrosa`); Tella also speaks Tella Web's API
//! (`tella`). Each submission arrives from a device account (role `intake`, bound to one
//! case, `devices`), its files streamed through the attachment pipeline and hashed on
//! arrival (`receive`), and waits in the case lead's inbox until it is accepted as a draft
//! testimony or rejected (`inbox`). Nothing a phone sends is ever sealed automatically.
//!
//! - `xml`: the parser every XML document from a phone goes through (no DTD, no entity).
//! - `devices`: which case a verified device account submits to; making and revoking them.
//! - `receive`: submissions and their files as they arrive, with the first custody entry;
//!   `files`: the rows of those files (insert, custody entry, read, delete).
//! - `forms`: the XForms a case's devices fill (published by the case lead).
//! - `openrosa`: the OpenRosa server's side (form list, submissions split over POSTs).
//! - `odk`: ODK's encrypted forms (case key pair, manifest, decoding, signature).
//! - `tella`: Tella Web's API (reports, resumable chunked files).
//! - `inbox`, `accept`, `reject`, `mapping`: the case lead's review; a submission's
//!   answers mapped onto a draft testimony, a person and an incident.
//!
//! Ids are chosen so that accepting moves nothing: a submission's id becomes its draft
//! testimony's, a file's id its attachment's (the content is already the pipeline's
//! ciphertext, bound to `('attachments', id)`), and the intake entries in the audit log
//! head those records' chains of custody.

pub mod accept;
pub mod devices;
pub mod files;
pub mod forms;
pub mod inbox;
pub mod mapping;
pub mod odk;
pub mod openrosa;
pub mod receive;
pub mod reject;
pub mod tella;
pub mod xml;

use crate::attachments::Attachments;
use crate::auth::password::Passwords;
use crate::context::Context;

pub use devices::Device;
pub use receive::{Channel, IncomingFile, ReceivedFile, SubmissionRef, SubmissionStatus};

#[derive(Debug, Clone)]
pub struct Intake {
    ctx: Context,
    attachments: Attachments,
    /// The people's hasher (and its cap on concurrent hashes): device passwords are
    /// hashed as theirs are.
    passwords: Passwords,
}

impl Intake {
    pub fn new(ctx: Context, attachments: Attachments, passwords: Passwords) -> Self {
        Intake { ctx, attachments, passwords }
    }
}
