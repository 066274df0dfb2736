//! Attachments named by a sheet: in the uploaded ZIP, a folder or a second ZIP given on
//! the command line. To be written (helper); placeholder so the skeleton compiles.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use super::{Issue, Limits, Origin};
use crate::import::issue::Location;

/// Where the files a sheet names are found.
#[derive(Clone, Default)]
pub struct Files {
    inner: Inner,
}

#[derive(Clone, Default)]
enum Inner {
    #[default]
    None,
    Dir(PathBuf),
    Zip(Arc<dyn Origin>, Limits),
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Files")
    }
}

impl Files {
    pub fn none() -> Files {
        Files { inner: Inner::None }
    }

    pub fn dir(path: PathBuf) -> Files {
        Files { inner: Inner::Dir(path) }
    }

    pub fn zip(origin: Arc<dyn Origin>, limits: Limits) -> Files {
        Files { inner: Inner::Zip(origin, limits) }
    }

    /// The size of the file at `name` (a relative path, `/`-separated), or an issue
    /// located at `at` when there is none or the name leaves its folder.
    pub fn size(&self, name: &str, at: &Location) -> Result<u64, Issue> {
        let _ = (name, &self.inner);
        Err(Issue::new(at.clone(), "no_such_file", "no such file among the attachments"))
    }

    /// Opens the file at `name`.
    pub fn open(&self, name: &str, at: &Location) -> Result<Box<dyn Read + Send>, Issue> {
        let _ = name;
        Err(Issue::new(at.clone(), "no_such_file", "no such file among the attachments"))
    }
}
