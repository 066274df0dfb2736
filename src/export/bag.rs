//! BagIt (RFC 8493, version 1.0) written straight into a tar stream: payload files
//! first, hashed (SHA-256 and SHA-512) on the way through, then the manifests and tag
//! files, which can only be written once every payload digest is known. Nothing is
//! staged on disk, so plaintext exists only in the stream the caller encrypts.
//!
//! Written by hand rather than with a crate: the Rust BagIt crates are unmaintained or
//! need a directory on disk, and the format is a handful of text files.

use std::io::{self, Read, Write};

use sha2::{Digest, Sha256, Sha512};

pub const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
pub const SIGNATURE_FILE: &str = "tagmanifest-sha256.txt.minisig";
pub const EXPORT_KEY_FILE: &str = "export-key.pub";

/// A file's digests as the manifests list them.
#[derive(Debug, Clone)]
pub struct FileDigest {
    /// Relative to the bag root, `/`-separated (`data/…` for payload).
    pub path: String,
    pub size: u64,
    pub sha256: [u8; 32],
    pub sha512: [u8; 64],
}

impl FileDigest {
    pub fn of(path: &str, bytes: &[u8]) -> FileDigest {
        FileDigest {
            path: path.to_owned(),
            size: bytes.len() as u64,
            sha256: Sha256::digest(bytes).into(),
            sha512: Sha512::digest(bytes).into(),
        }
    }
}

/// Paths in a manifest: RFC 8493 §2.1.3 asks for `%`, CR and LF to be percent-encoded.
pub fn encode_path(path: &str) -> String {
    path.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

pub fn decode_path(path: &str) -> String {
    path.replace("%0A", "\n")
        .replace("%0a", "\n")
        .replace("%0D", "\r")
        .replace("%0d", "\r")
        .replace("%25", "%")
}

/// `manifest-<alg>.txt` text: one `hex  path` line per file, sorted by path.
pub fn manifest(files: &[FileDigest], sha512: bool) -> String {
    let mut lines: Vec<String> = files
        .iter()
        .map(|f| {
            let hex = if sha512 { hex::encode(f.sha512) } else { hex::encode(f.sha256) };
            format!("{hex}  {}\n", encode_path(&f.path))
        })
        .collect();
    lines.sort_by(|a, b| a.split_once("  ").map(|x| x.1).cmp(&b.split_once("  ").map(|x| x.1)));
    lines.concat()
}

/// Parses a manifest into (path, lowercase hex digest).
pub fn parse_manifest(text: &str) -> Result<Vec<(String, String)>, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (hex, path) = line.split_once(char::is_whitespace).ok_or_else(|| {
                format!("malformed manifest line: {}", line.chars().take(80).collect::<String>())
            })?;
            let path = path.trim_start_matches([' ', '\t', '*']);
            Ok((decode_path(path), hex.to_ascii_lowercase()))
        })
        .collect()
}

/// `Payload-Oxum`: total payload octets and file count.
pub fn oxum(files: &[FileDigest]) -> String {
    let octets: u64 = files.iter().map(|f| f.size).sum();
    format!("{octets}.{}", files.len())
}

/// Human-readable size for `Bag-Size`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// `bag-info.txt`. Values are folded onto one line: the fields are ours, but a label
/// could hold a newline and must not start a new field.
pub fn bag_info(fields: &[(&str, String)]) -> String {
    fields.iter().map(|(k, v)| format!("{k}: {}\n", v.replace(['\r', '\n'], " "))).collect()
}

pub fn parse_bag_info(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

/// Hashes everything read through it.
struct Hashing<R> {
    inner: R,
    sha256: Sha256,
    sha512: Sha512,
    read: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sha256.update(&buf[..n]);
        self.sha512.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

/// Writes one bag into a tar stream under `<name>/`.
pub struct BagWriter<W: Write> {
    tar: tar::Builder<W>,
    name: String,
    mtime: u64,
    payload: Vec<FileDigest>,
    tags: Vec<FileDigest>,
}

impl<W: Write> BagWriter<W> {
    pub fn new(out: W, name: &str, mtime: u64) -> Self {
        let mut tar = tar::Builder::new(out);
        tar.mode(tar::HeaderMode::Deterministic);
        BagWriter { tar, name: name.to_owned(), mtime, payload: Vec::new(), tags: Vec::new() }
    }

    fn header(&self, size: u64) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_size(size);
        h.set_mode(0o644);
        h.set_mtime(self.mtime);
        h.set_entry_type(tar::EntryType::Regular);
        h
    }

    fn append(&mut self, path: &str, size: u64, reader: impl Read) -> io::Result<()> {
        let mut header = self.header(size);
        let full = format!("{}/{path}", self.name);
        self.tar.append_data(&mut header, full, reader)
    }

    /// A payload file held in memory (JSON, text). `path` is below `data/`.
    pub fn payload_bytes(&mut self, path: &str, bytes: &[u8]) -> io::Result<()> {
        let path = format!("data/{path}");
        self.append(&path, bytes.len() as u64, bytes)?;
        self.payload.push(FileDigest::of(&path, bytes));
        Ok(())
    }

    /// A payload file streamed from `reader`, which must yield exactly `size` bytes.
    /// Returns its digest so the caller can check it against what was recorded.
    pub fn payload_stream(&mut self, path: &str, size: u64, reader: impl Read) -> io::Result<FileDigest> {
        let path = format!("data/{path}");
        let mut hashing =
            Hashing { inner: reader.take(size), sha256: Sha256::new(), sha512: Sha512::new(), read: 0 };
        self.append(&path, size, &mut hashing)?;
        if hashing.read != size {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "attachment shorter than recorded"));
        }
        let digest = FileDigest {
            path,
            size,
            sha256: hashing.sha256.finalize().into(),
            sha512: hashing.sha512.finalize().into(),
        };
        self.payload.push(digest.clone());
        Ok(digest)
    }

    fn tag(&mut self, path: &str, bytes: &[u8], listed: bool) -> io::Result<()> {
        self.append(path, bytes.len() as u64, bytes)?;
        if listed {
            self.tags.push(FileDigest::of(path, bytes));
        }
        Ok(())
    }

    pub fn payload(&self) -> &[FileDigest] {
        &self.payload
    }

    /// Writes the tag files and returns the tag manifest (SHA-256) the caller signs.
    /// `info` is bag-info.txt without Payload-Oxum and Bag-Size, which are added here.
    pub fn write_tags(&mut self, info: &[(&str, String)], extra: &[(&str, &[u8])]) -> io::Result<TagSummary> {
        let octets: u64 = self.payload.iter().map(|f| f.size).sum();
        let mut info = info.to_vec();
        info.push(("Payload-Oxum", oxum(&self.payload)));
        info.push(("Bag-Size", human_size(octets)));
        let manifest256 = manifest(&self.payload, false);
        let manifest512 = manifest(&self.payload, true);
        self.tag("bagit.txt", BAGIT_TXT.as_bytes(), true)?;
        self.tag("bag-info.txt", bag_info(&info).as_bytes(), true)?;
        self.tag("manifest-sha256.txt", manifest256.as_bytes(), true)?;
        self.tag("manifest-sha512.txt", manifest512.as_bytes(), true)?;
        for (path, bytes) in extra {
            self.tag(path, bytes, true)?;
        }
        let tags256 = manifest(&self.tags, false);
        let tags512 = manifest(&self.tags, true);
        self.tag("tagmanifest-sha512.txt", tags512.as_bytes(), false)?;
        Ok(TagSummary {
            manifest_sha256: hex::encode(Sha256::digest(manifest256.as_bytes())),
            tagmanifest: tags256,
            payload_octets: octets,
            payload_files: self.payload.len(),
        })
    }

    /// Writes the signed tag manifest and its signature, and closes the tar stream.
    pub fn finish(mut self, tagmanifest: &str, signature: &str) -> io::Result<W> {
        self.tag("tagmanifest-sha256.txt", tagmanifest.as_bytes(), false)?;
        self.tag(SIGNATURE_FILE, signature.as_bytes(), false)?;
        self.tar.into_inner()
    }
}

#[derive(Debug, Clone)]
pub struct TagSummary {
    /// SHA-256 of manifest-sha256.txt: what the export's audit entry records.
    pub manifest_sha256: String,
    pub tagmanifest: String,
    pub payload_octets: u64,
    pub payload_files: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_sort_and_encode_paths() {
        let a = FileDigest::of("data/b.txt", b"b");
        let b = FileDigest::of("data/a%\n.txt", b"a");
        let text = manifest(&[a, b], false);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with("  data/a%25%0A.txt"));
        assert!(lines[1].ends_with("  data/b.txt"));
        let parsed = parse_manifest(&text).unwrap();
        assert_eq!(parsed[0].0, "data/a%\n.txt");
        assert_eq!(parsed[1].1, hex::encode(Sha256::digest(b"b")));
    }

    #[test]
    fn oxum_and_bag_info_round_trip() {
        let files = [FileDigest::of("data/x", b"12345"), FileDigest::of("data/y", b"")];
        assert_eq!(oxum(&files), "5.2");
        let text = bag_info(&[("Source-Organization", "A\nB".into()), ("Payload-Oxum", "5.2".into())]);
        assert_eq!(text, "Source-Organization: A B\nPayload-Oxum: 5.2\n");
        assert_eq!(parse_bag_info(&text)[1], ("Payload-Oxum".into(), "5.2".into()));
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1_500_000), "1.5 MB");
    }

    #[test]
    fn a_short_stream_is_an_error_not_a_short_file() {
        let mut bag = BagWriter::new(Vec::new(), "bag", 0);
        assert!(bag.payload_stream("f", 10, &b"short"[..]).is_err());
    }
}
