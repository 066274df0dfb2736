//! Where the root key file sits against the data it opens: a key file in the same
//! folder tree as the database or the attachments, or on their disk, goes along with
//! any copy or backup of them — and then the copy opens itself.

use std::path::{Path, PathBuf};

/// A reason a copy of the data would take the key file along.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beside {
    /// One folder holds both.
    SameTree,
    /// They share a filesystem.
    SameDisk,
}

/// Why a copy of the data would take the root key file along: it shares a folder tree
/// with the data (`data`: the database file, the attachments' folder), or their disk.
pub fn key_file_beside_data(key_file: &Path, data: &[PathBuf]) -> Vec<Beside> {
    let key = absolute(key_file);
    let data: Vec<PathBuf> = data.iter().map(|d| absolute(d)).collect();
    let key_dir = key.parent().unwrap_or(&key);
    let mut reasons = Vec::new();
    if data.iter().any(|d| same_tree(key_dir, if d.is_dir() { d } else { d.parent().unwrap_or(d) })) {
        reasons.push(Beside::SameTree);
    }
    if data.iter().any(|d| same_disk(&key, d)) {
        reasons.push(Beside::SameDisk);
    }
    reasons
}

fn absolute(p: &Path) -> PathBuf {
    p.canonicalize().or_else(|_| std::path::absolute(p)).unwrap_or_else(|_| p.to_path_buf())
}

/// One folder holds the other: a copy (or backup) of the outer one takes both.
fn same_tree(key_dir: &Path, data_dir: &Path) -> bool {
    data_dir.starts_with(key_dir) || key_dir.starts_with(data_dir)
}

#[cfg(unix)]
fn same_disk(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_disk(_: &Path, _: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_folder_holding_or_inside_the_data_is_the_same_tree() {
        let p = Path::new;
        // The defaults: data/root.key beside data/custodia.db and data/blobs.
        assert!(same_tree(p("/srv/custodia/data"), p("/srv/custodia/data")));
        assert!(same_tree(p("/srv/custodia/data"), p("/srv/custodia/data/blobs")));
        // A key in the home folder that holds the installation.
        assert!(same_tree(p("/home/anna"), p("/home/anna/custodia/data")));
        // A key inside the data folder's tree.
        assert!(same_tree(p("/var/lib/custodia/keys"), p("/var/lib/custodia")));
        // Apart: /etc and /var/lib, or a removable key.
        assert!(!same_tree(p("/etc/custodia"), p("/var/lib/custodia")));
        assert!(!same_tree(p("/media/usb-key"), p("/srv/custodia/data")));
        assert!(!same_tree(p("/srv/custodia/key"), p("/srv/custodia/data")));
    }

    #[test]
    fn files_on_one_filesystem_share_a_disk() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, b"a").unwrap();
        std::fs::write(&b, b"b").unwrap();
        assert_eq!(same_disk(&a, &b), cfg!(unix));
        assert!(!same_disk(&a, &dir.path().join("missing")), "nothing to compare");
    }
}
