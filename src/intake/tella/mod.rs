//! Tella Web's API, as Tella's apps speak it: a device signs in, finds its project by
//! slug, creates a report and uploads its files in resumable chunks. A project is a case.

use uuid::Uuid;

/// The slug of a case's Tella project.
pub fn project_slug(case: Uuid) -> String {
    case.simple().to_string()
}

/// The project URL a Tella app is given for a case (it derives the server and the slug
/// from it).
pub fn project_url(server: &str, case: Uuid) -> String {
    format!("{}/p/{}", server.trim_end_matches('/'), project_slug(case))
}
