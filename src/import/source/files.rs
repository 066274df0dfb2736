//! Attachments named by a sheet: in the uploaded ZIP, a folder or a second ZIP given on
//! the command line.
//!
//! A name is a relative, `/`-separated path. Absolute paths, drives, `..`, backslashes and
//! NUL are refused (`unsafe_path`) before anything is looked up; in a folder, the path is
//! also resolved (symbolic links followed) and must still lie inside the folder. In a ZIP,
//! the entry is looked up by its exact name, or, when every entry sits in one top folder
//! (a zipped folder), by the name under that folder; its size is the declared one, and
//! reading it stops with an error one byte past that. The ZIP's directory is read and
//! guarded once per `Files`, on first use.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::archive::{self, Source};
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
    Zip(Arc<ZipFiles>),
}

struct ZipFiles {
    origin: Arc<dyn Origin>,
    limits: Limits,
    index: OnceLock<Result<ZipIndex, Issue>>,
}

/// A guarded ZIP's files by name.
struct ZipIndex {
    files: HashMap<String, (usize, u64)>,
    /// The folder every entry sits in, with its `/`, if there is one.
    top: Option<String>,
    /// The ZIP itself, when its origin cannot seek.
    memory: Option<Arc<Vec<u8>>>,
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
        Files { inner: Inner::Zip(Arc::new(ZipFiles { origin, limits, index: OnceLock::new() })) }
    }

    /// The size of the file at `name` (a relative path, `/`-separated), or an issue
    /// located at `at` when there is none or the name leaves its folder.
    pub fn size(&self, name: &str, at: &Location) -> Result<u64, Issue> {
        check_name(name, at)?;
        match &self.inner {
            Inner::None => Err(no_such_file(at)),
            Inner::Dir(dir) => Ok(resolve(dir, name, at)?.1),
            Inner::Zip(zip) => Ok(zip.find(name, at)?.1),
        }
    }

    /// Opens the file at `name`.
    pub fn open(&self, name: &str, at: &Location) -> Result<Box<dyn Read + Send>, Issue> {
        check_name(name, at)?;
        match &self.inner {
            Inner::None => Err(no_such_file(at)),
            Inner::Dir(dir) => {
                let (path, size) = resolve(dir, name, at)?;
                let file = std::fs::File::open(path).map_err(|_| no_such_file(at))?;
                Ok(Box::new(std::io::BufReader::new(file).take(size)))
            }
            Inner::Zip(zip) => {
                let (index, size) = zip.find(name, at)?;
                let reader = zip.source(at)?.reader().map_err(|i| Issue { at: at.clone(), ..i })?;
                archive::entry_reader(reader, index, size, &at.sheet)
            }
        }
    }
}

fn no_such_file(at: &Location) -> Issue {
    Issue::new(at.clone(), "no_such_file", "no such file among the attachments")
}

fn unsafe_path(at: &Location) -> Issue {
    Issue::new(
        at.clone(),
        "unsafe_path",
        "the file name must be a relative path with `/` that stays inside the attachments' folder",
    )
}

fn check_name(name: &str, at: &Location) -> Result<(), Issue> {
    if name.is_empty() || name.contains('\\') || archive::climbs_out(name) {
        return Err(unsafe_path(at));
    }
    Ok(())
}

/// The file's real path inside `dir` (links followed) and its size.
fn resolve(dir: &Path, name: &str, at: &Location) -> Result<(PathBuf, u64), Issue> {
    let root = std::fs::canonicalize(dir).map_err(|_| no_such_file(at))?;
    let real = std::fs::canonicalize(root.join(name)).map_err(|_| no_such_file(at))?;
    if !real.starts_with(&root) {
        return Err(unsafe_path(at));
    }
    let meta = std::fs::metadata(&real).map_err(|_| no_such_file(at))?;
    if !meta.is_file() {
        return Err(no_such_file(at));
    }
    Ok((real, meta.len()))
}

impl ZipFiles {
    fn index(&self) -> Result<&ZipIndex, Issue> {
        self.index.get_or_init(|| self.build()).as_ref().map_err(Clone::clone)
    }

    fn build(&self) -> Result<ZipIndex, Issue> {
        let source = Source::new(self.origin.as_ref(), &self.limits)?;
        let entries = archive::list(&archive::archive(source.reader()?)?, &self.limits)?;
        let memory = match source {
            Source::Memory(bytes) => Some(bytes),
            Source::Seekable(_) => None,
        };
        let files: HashMap<String, (usize, u64)> =
            entries.iter().filter(|e| !e.is_dir).map(|e| (e.name.clone(), (e.index, e.size))).collect();
        let top = files
            .keys()
            .filter(|n| !n.starts_with("__MACOSX/"))
            .map(|n| n.split_once('/').map(|(top, _)| top))
            .try_fold(None::<&str>, |common, top| match (common, top) {
                (_, None) => Err(()),
                (None, Some(t)) => Ok(Some(t)),
                (Some(c), Some(t)) if c == t => Ok(Some(c)),
                _ => Err(()),
            })
            .ok()
            .flatten()
            .map(|t| format!("{t}/"));
        Ok(ZipIndex { files, top, memory })
    }

    /// The entry's index and declared size.
    fn find(&self, name: &str, at: &Location) -> Result<(usize, u64), Issue> {
        let index = self.index().map_err(|i| Issue { at: at.clone(), ..i })?;
        let found = index
            .files
            .get(name)
            .or_else(|| index.top.as_ref().and_then(|top| index.files.get(&format!("{top}{name}"))));
        found.copied().ok_or_else(|| no_such_file(at))
    }

    fn source(&self, at: &Location) -> Result<Source<'_>, Issue> {
        let index = self.index().map_err(|i| Issue { at: at.clone(), ..i })?;
        Ok(match &index.memory {
            Some(bytes) => Source::Memory(bytes.clone()),
            None => Source::Seekable(self.origin.as_ref()),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::import::source::archive::tests::{lie_about_sizes, origin, zip_bytes};

    fn at() -> Location {
        Location::cell("persons", 7, "photo")
    }

    fn read_all(files: &Files, name: &str) -> Vec<u8> {
        let mut out = Vec::new();
        files.open(name, &at()).unwrap().read_to_end(&mut out).unwrap();
        out
    }

    fn code(result: Result<u64, Issue>) -> String {
        let issue = result.unwrap_err();
        assert_eq!(issue.at, at());
        issue.code
    }

    #[test]
    fn a_folder_serves_the_files_inside_it_and_nothing_else() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("a")).unwrap();
        std::fs::write(root.path().join("a/photo.jpg"), b"jpeg").unwrap();
        std::fs::write(outside.path().join("secret.txt"), b"secret").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), root.path().join("a/link")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("out")).unwrap();
        std::os::unix::fs::symlink("photo.jpg", root.path().join("a/inner")).unwrap();
        let files = Files::dir(root.path().to_path_buf());

        assert_eq!(files.size("a/photo.jpg", &at()).unwrap(), 4);
        assert_eq!(read_all(&files, "a/photo.jpg"), b"jpeg");
        assert_eq!(read_all(&files, "a/inner"), b"jpeg", "a link that stays inside is followed");
        for name in [
            "../secret.txt",
            "a/../../x",
            "/etc/passwd",
            "a\\photo.jpg",
            "C:/x",
            "a\0b",
            "",
            "a/link",
            "out/secret.txt",
        ] {
            assert_eq!(code(files.size(name, &at())), "unsafe_path", "{name:?}");
            assert_eq!(
                files.open(name, &at()).err().map(|i| i.code),
                Some("unsafe_path".to_owned()),
                "{name:?}"
            );
        }
        assert_eq!(code(files.size("missing.jpg", &at())), "no_such_file");
        assert_eq!(code(files.size("a", &at())), "no_such_file");
        assert_eq!(code(Files::none().size("a/photo.jpg", &at())), "no_such_file");
    }

    #[test]
    fn a_zip_serves_its_entries_by_name_or_under_its_top_folder() {
        let bytes = zip_bytes(&[
            ("export/persons.csv", b"id,photo\n1,photos/1.jpg\n", false),
            ("export/photos/1.jpg", b"jpeg", true),
        ]);
        let files = Files::zip(origin(bytes, "export.zip"), Limits::default());
        assert_eq!(files.size("export/photos/1.jpg", &at()).unwrap(), 4);
        assert_eq!(files.size("photos/1.jpg", &at()).unwrap(), 4);
        assert_eq!(read_all(&files, "photos/1.jpg"), b"jpeg");
        assert_eq!(code(files.size("photos/2.jpg", &at())), "no_such_file");
        assert_eq!(code(files.size("export", &at())), "no_such_file");
        assert_eq!(code(files.size("photos/../persons.csv", &at())), "unsafe_path");
    }

    #[test]
    fn a_zip_attachment_is_read_no_further_than_it_declares() {
        let mut bytes = zip_bytes(&[("photo.jpg", &[7u8; 5000], false)]);
        lie_about_sizes(&mut bytes, 10);
        let files = Files::zip(origin(bytes, "x.zip"), Limits::default());
        assert_eq!(files.size("photo.jpg", &at()).unwrap(), 10);
        let mut out = Vec::new();
        let err = files.open("photo.jpg", &at()).unwrap().read_to_end(&mut out).unwrap_err();
        assert!(err.to_string().contains("zip_bomb"), "{err}");
        assert!(out.len() <= 10);
    }

    #[test]
    fn a_zip_that_fails_its_guards_serves_nothing() {
        let zeros = vec![0u8; 8 << 20];
        let bytes = zip_bytes(&[("zeros.bin", &zeros, false)]);
        let files = Files::zip(origin(bytes, "bomb.zip"), Limits::default());
        assert_eq!(code(files.size("zeros.bin", &at())), "zip_bomb");
    }
}
