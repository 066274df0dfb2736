//! The attachment pipeline: files in (size limit, STREAM encryption, hashing, blob
//! write, row) and out (ranges, decryption, digest check), over byte streams, for every
//! edge that carries files — the API, the pages, import and field intake.

use crate::context::Context;

#[derive(Debug, Clone)]
pub struct Attachments {
    #[allow(dead_code)] // used as the pipeline moves here (issue 17)
    ctx: Context,
}

impl Attachments {
    pub fn new(ctx: Context) -> Self {
        Attachments { ctx }
    }
}
