//! Tella Web's API, as Tella's apps speak it: a device signs in, finds its project by
//! slug, creates a report and uploads its files in resumable chunks. A project is a case.
//!
//! - `reports`: the project a device sees, its reports (each a submission), closing one.
//! - `chunks`: a file's pieces as they arrive (`PUT` with `Content-Range`), each its own
//!   encrypted blob, and the size received so far (`HEAD`).
//! - `assemble`: the pieces joined into the file once the last one arrived, streamed
//!   through the attachment pipeline one segment at a time.

pub mod assemble;
pub mod chunks;
pub mod reports;

use uuid::Uuid;

pub use chunks::{ChunkOutcome, ChunkRange, RangeRefusal};
pub use reports::{NewReport, Project, Report};

/// Where Tella's API is served; the app derives every other URL from the project URL.
pub const BASE_PATH: &str = "/api/v1/tella";

/// The slug of a case's Tella project.
pub fn project_slug(case: Uuid) -> String {
    case.simple().to_string()
}

/// The project URL a Tella app is given for a case (it derives the server and the slug
/// from it: `<server>/p/<slug>`, where the server is Custodia's Tella base).
pub fn project_url(server: &str, case: Uuid) -> String {
    format!("{}{}/p/{}", server.trim_end_matches('/'), BASE_PATH, project_slug(case))
}
