//! The offline verifier: everything a recipient can check about a bundle without us —
//! the minisign signature over the tag manifest, the tag and payload manifests (both
//! algorithms), no missing and no unlisted file, Payload-Oxum, the attachments' recorded
//! SHA-256, and every chain-of-custody entry's Merkle inclusion in the signed audit
//! checkpoint the bundle carries, and the evidence index (`data/index.csv`). Reads a bag directory or its `.tar` without
//! extracting it; memory stays bounded by the largest JSON file.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Component, Path};

use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};

use super::bag::{self, EXPORT_KEY_FILE, SIGNATURE_FILE};
use super::signer;
use crate::audit::checkpoint::NoteVerifier;
use crate::audit::merkle::{self, Hash};

/// Files kept in memory to be read, not only hashed.
const KEEP_LIMIT: u64 = 64 * 1024 * 1024;
const MAX_REPORTED: usize = 20;

struct Seen {
    size: u64,
    sha256: String,
    sha512: String,
    bytes: Option<Vec<u8>>,
}

#[derive(Debug)]
pub struct Check {
    pub name: &'static str,
    pub failures: Vec<String>,
    pub detail: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub checks: Vec<Check>,
    pub warnings: Vec<String>,
    /// The signature was checked with a key the caller supplied (the one the organisation
    /// published), not with the key the bag carries.
    pub trusted_key: bool,
}

/// What a recipient may conclude.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Intact, and signed by the key the recipient obtained separately.
    Verified,
    /// Something is missing, altered or unsigned.
    Failed,
    /// Intact and self-consistent, but checked only against the key inside the bag:
    /// whoever could alter the bag could have replaced that key too.
    OriginUnknown,
}

impl Report {
    /// Every check passed (integrity; see `outcome` for origin).
    pub fn ok(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.failures.is_empty())
    }

    pub fn outcome(&self) -> Outcome {
        match (self.ok(), self.trusted_key) {
            (false, _) => Outcome::Failed,
            (true, true) => Outcome::Verified,
            (true, false) => Outcome::OriginUnknown,
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            let mark = if c.failures.is_empty() { "ok  " } else { "FAIL" };
            out.push_str(&format!("{mark} {}: {}\n", c.name, c.detail));
            for f in c.failures.iter().take(MAX_REPORTED) {
                out.push_str(&format!("       - {f}\n"));
            }
            if c.failures.len() > MAX_REPORTED {
                out.push_str(&format!("       … and {} more\n", c.failures.len() - MAX_REPORTED));
            }
        }
        for w in &self.warnings {
            out.push_str(&format!("warn {w}\n"));
        }
        out.push_str(match self.outcome() {
            Outcome::Verified => "bundle verified\n",
            Outcome::Failed => "bundle FAILED verification\n",
            Outcome::OriginUnknown => {
                "bundle intact, but its ORIGIN IS NOT VERIFIED: run again with --pubkey and the \
                 organisation's public key, obtained separately from the bundle\n"
            }
        });
        out
    }

    fn add(&mut self, name: &'static str, failures: Vec<String>, detail: impl Into<String>) {
        self.checks.push(Check { name, failures, detail: detail.into() });
    }
}

fn keep(path: &str, size: u64) -> bool {
    size <= KEEP_LIMIT
        && (!path.contains('/')
            || path.ends_with(".json")
            || path.starts_with("data/custody/")
            || path == super::index::CSV_PATH)
}

fn read_entry(path: &str, size_hint: u64, mut r: impl Read) -> io::Result<Seen> {
    let mut sha256 = Sha256::new();
    let mut sha512 = Sha512::new();
    let mut kept = keep(path, size_hint).then(Vec::new);
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        sha256.update(&buf[..n]);
        sha512.update(&buf[..n]);
        if let Some(k) = kept.as_mut() {
            k.extend_from_slice(&buf[..n]);
        }
        size += n as u64;
    }
    Ok(Seen {
        size,
        sha256: hex::encode(sha256.finalize()),
        sha512: hex::encode(sha512.finalize()),
        bytes: kept,
    })
}

/// A relative path inside the bag, refusing anything that could point outside it.
fn clean_relative(path: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str()?.to_owned()),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn scan_dir(root: &Path, files: &mut BTreeMap<String, Seen>, problems: &mut Vec<String>) -> io::Result<()> {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = entry.path();
            let rel = path.strip_prefix(root).ok().and_then(clean_relative).unwrap_or_default();
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let size = entry.metadata()?.len();
                files.insert(rel.clone(), read_entry(&rel, size, File::open(&path)?)?);
            } else {
                problems.push(format!("{rel}: not a regular file (symlinks are refused)"));
            }
        }
    }
    Ok(())
}

fn scan_tar(
    reader: impl Read,
    files: &mut BTreeMap<String, Seen>,
    problems: &mut Vec<String>,
) -> io::Result<()> {
    let mut archive = tar::Archive::new(reader);
    let mut top: Option<String> = None;
    for entry in archive.entries()? {
        let entry = entry?;
        let kind = entry.header().entry_type();
        let raw = entry.path()?.into_owned();
        let Some(full) = clean_relative(&raw) else {
            problems.push(format!("{}: path escapes the bag", raw.display()));
            continue;
        };
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            problems.push(format!("{full}: not a regular file"));
            continue;
        }
        let (first, rest) = full.split_once('/').unwrap_or(("", full.as_str()));
        match &top {
            None => top = Some(first.to_owned()),
            Some(t) if t == first => {}
            Some(_) => {
                problems.push(format!("{full}: outside the bag's directory"));
                continue;
            }
        }
        let size = entry.header().size()?;
        let rest = rest.to_owned();
        let seen = read_entry(&rest, size, entry)?;
        if files.insert(rest.clone(), seen).is_some() {
            problems.push(format!("{rest}: appears twice"));
        }
    }
    Ok(())
}

fn text<'a>(files: &'a BTreeMap<String, Seen>, path: &str) -> Option<&'a str> {
    files.get(path).and_then(|s| s.bytes.as_deref()).and_then(|b| std::str::from_utf8(b).ok())
}

fn parse_hash(hex_text: &str) -> Option<Hash> {
    hex::decode(hex_text).ok()?.try_into().ok()
}

/// Verifies a bag (directory or `.tar`). `public_key` is the organisation's minisign
/// public key (file text or base64); without it the key inside the bag is used, which
/// proves integrity but not origin.
pub fn verify_path(path: &Path, public_key: Option<&str>) -> io::Result<Report> {
    let mut files = BTreeMap::new();
    let mut problems = Vec::new();
    if path.is_dir() {
        scan_dir(path, &mut files, &mut problems)?;
    } else {
        scan_tar(io::BufReader::new(File::open(path)?), &mut files, &mut problems)?;
    }
    Ok(report_on(files, problems, public_key))
}

/// Verifies a bag read as a tar stream (what `verify_path` does for a `.tar`).
pub fn verify_tar(reader: impl Read, public_key: Option<&str>) -> io::Result<Report> {
    let mut files = BTreeMap::new();
    let mut problems = Vec::new();
    scan_tar(reader, &mut files, &mut problems)?;
    Ok(report_on(files, problems, public_key))
}

fn report_on(files: BTreeMap<String, Seen>, problems: Vec<String>, public_key: Option<&str>) -> Report {
    let mut report = Report::default();
    report.add("layout", problems, format!("{} files", files.len()));
    check(&files, public_key, &mut report);
    report
}

fn check(files: &BTreeMap<String, Seen>, public_key: Option<&str>, report: &mut Report) {
    // Declaration.
    let declared =
        text(files, "bagit.txt").is_some_and(|t| t.lines().any(|l| l.trim() == "BagIt-Version: 1.0"));
    report.add(
        "bag declaration",
        if declared { vec![] } else { vec!["bagit.txt missing or not BagIt 1.0".into()] },
        "BagIt 1.0",
    );

    // Signature over the tag manifest.
    let tagmanifest = text(files, "tagmanifest-sha256.txt");
    let signature = text(files, SIGNATURE_FILE);
    let carried = text(files, EXPORT_KEY_FILE);
    report.trusted_key = public_key.is_some();
    let key_text = match public_key {
        Some(k) => {
            let differs = carried.zip(key_id(k)).is_some_and(|(c, given)| key_id(c) != Some(given));
            if differs {
                report.warnings.push(format!(
                    "the bag's {EXPORT_KEY_FILE} is not the key you gave: the bag was not signed by it"
                ));
            }
            Some(k.to_owned())
        }
        None => {
            report.warnings.push(format!(
                "no --pubkey given: the signature was checked only with the bag's own {EXPORT_KEY_FILE}, \
                 which proves nothing about who made the bundle (whoever could alter it could replace \
                 that key too); get the organisation's public key through another channel and pass it \
                 with --pubkey"
            ));
            carried.map(str::to_owned)
        }
    };
    let (failures, detail) = match (tagmanifest, signature, key_text) {
        (Some(m), Some(s), Some(k)) => {
            match signer::parse_public_key(&k).and_then(|pk| signer::verify(&pk, m.as_bytes(), s)) {
                Ok(comment) => (vec![], format!("minisign, trusted comment: {comment}")),
                Err(e) => (vec![format!("signature does not verify: {e}")], "minisign".to_owned()),
            }
        }
        _ => (vec!["tag manifest, signature or public key missing".into()], "minisign".to_owned()),
    };
    report.add("signature", failures, detail);

    // Tag manifests: every listed tag file matches, and no tag file is unlisted.
    let mut failures = Vec::new();
    let mut listed_tags = Vec::new();
    for (manifest, sha512) in [("tagmanifest-sha256.txt", false), ("tagmanifest-sha512.txt", true)] {
        let Some(t) = text(files, manifest) else {
            failures.push(format!("{manifest} missing"));
            continue;
        };
        match bag::parse_manifest(t) {
            Ok(entries) => {
                for (path, digest) in entries {
                    match files.get(&path) {
                        Some(seen) if (if sha512 { &seen.sha512 } else { &seen.sha256 }) == &digest => {}
                        Some(_) => failures.push(format!("{path}: digest differs from {manifest}")),
                        None => failures.push(format!("{path}: listed in {manifest} but missing")),
                    }
                    listed_tags.push(path);
                }
            }
            Err(e) => failures.push(e),
        }
    }
    for path in files.keys().filter(|p| !p.starts_with("data/")) {
        let unsigned = path.starts_with("tagmanifest-") || path == SIGNATURE_FILE;
        if !unsigned && !listed_tags.contains(path) {
            failures.push(format!("{path}: tag file not in the tag manifest"));
        }
    }
    report.add("tag manifests", failures, "SHA-256 and SHA-512");

    // Payload manifests: complete, nothing missing, nothing added.
    let mut failures = Vec::new();
    let payload: Vec<&String> = files.keys().filter(|p| p.starts_with("data/")).collect();
    for (manifest, sha512) in [("manifest-sha256.txt", false), ("manifest-sha512.txt", true)] {
        let Some(t) = text(files, manifest) else {
            failures.push(format!("{manifest} missing"));
            continue;
        };
        let entries = match bag::parse_manifest(t) {
            Ok(e) => e,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let mut listed = std::collections::BTreeSet::new();
        for (path, digest) in entries {
            match files.get(&path) {
                Some(seen) if (if sha512 { &seen.sha512 } else { &seen.sha256 }) == &digest => {}
                Some(_) => failures.push(format!("{path}: digest differs from {manifest}")),
                None => failures.push(format!("{path}: listed in {manifest} but missing")),
            }
            listed.insert(path);
        }
        for p in &payload {
            if !listed.contains(*p) {
                failures.push(format!("{p}: not listed in {manifest}"));
            }
        }
    }
    report.add("payload manifests", failures, format!("{} payload files", payload.len()));

    // Payload-Oxum.
    let octets: u64 = payload.iter().filter_map(|p| files.get(*p)).map(|s| s.size).sum();
    let actual = format!("{octets}.{}", payload.len());
    let declared = text(files, "bag-info.txt")
        .map(bag::parse_bag_info)
        .and_then(|info| info.into_iter().find(|(k, _)| k == "Payload-Oxum").map(|(_, v)| v));
    let failures = match &declared {
        Some(d) if *d == actual => vec![],
        Some(d) => vec![format!("bag-info says {d}, payload is {actual}")],
        None => vec!["bag-info.txt has no Payload-Oxum".into()],
    };
    report.add("Payload-Oxum", failures, actual);

    check_attachments(files, report);
    check_custody(files, report);
    check_index(files, report);
}

/// The evidence index: well-formed, every row a payload file with the manifest's SHA-256
/// and a custody record, every document a row, ranges apart, originals rows too.
fn check_index(files: &BTreeMap<String, Seen>, report: &mut Report) {
    let manifest = text(files, "manifest-sha256.txt")
        .and_then(|t| bag::parse_manifest(t).ok())
        .map(|entries| entries.into_iter().collect::<BTreeMap<String, String>>())
        .unwrap_or_default();
    let index = if files.contains_key(super::index::CSV_PATH) {
        Some(text(files, super::index::CSV_PATH).unwrap_or(""))
    } else {
        None
    };
    match super::index::check(index, &manifest) {
        Some((failures, detail)) => report.add("evidence index", failures, detail),
        None => report
            .warnings
            .push("no data/index.csv: a bundle made before evidence reference numbers".to_owned()),
    }
}

/// The base64 key line of a minisign public key (file text or the bare line).
fn key_id(key: &str) -> Option<&str> {
    key.lines().map(str::trim).rfind(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
}

fn check_attachments(files: &BTreeMap<String, Seen>, report: &mut Report) {
    let mut failures = Vec::new();
    let mut count = 0;
    for (path, seen) in
        files.iter().filter(|(p, _)| p.starts_with("data/testimonies/") && p.ends_with(".json"))
    {
        let Some(doc) = seen.bytes.as_deref().and_then(|b| serde_json::from_slice::<Value>(b).ok()) else {
            failures.push(format!("{path}: not readable JSON"));
            continue;
        };
        for version in doc["versions"].as_array().into_iter().flatten() {
            for a in version["attachments"].as_array().into_iter().flatten() {
                count += 1;
                let file = a["file"].as_str().unwrap_or_default();
                let recorded = a["sha256"].as_str().unwrap_or_default();
                match files.get(file) {
                    Some(s) if s.sha256 == recorded && Some(s.size) == a["size"].as_u64() => {}
                    Some(_) => failures.push(format!("{file}: differs from the SHA-256 recorded at upload")),
                    None => failures.push(format!("{file}: attachment missing")),
                }
            }
        }
    }
    report.add("attachments", failures, format!("{count} match the SHA-256 recorded at upload"));
}

fn check_custody(files: &BTreeMap<String, Seen>, report: &mut Report) {
    let mut failures = Vec::new();
    let checkpoint =
        match (text(files, "data/custody/log-key.txt"), text(files, "data/custody/checkpoint.txt")) {
            (Some(key), Some(note)) => NoteVerifier::parse(key.trim())
                .map_err(|e| e.to_string())
                .and_then(|v| v.verify(note).map_err(|e| e.to_string())),
            _ => Err("custody/checkpoint.txt or custody/log-key.txt missing".into()),
        };
    let checkpoint = match checkpoint {
        Ok(c) => c,
        Err(e) => {
            report.add("chain of custody", vec![format!("audit checkpoint does not verify: {e}")], "");
            return;
        }
    };
    let mut entries = 0;
    for (path, seen) in files.iter().filter(|(p, _)| p.starts_with("data/custody/") && p.ends_with(".json")) {
        let Some(doc) = seen.bytes.as_deref().and_then(|b| serde_json::from_slice::<Value>(b).ok()) else {
            failures.push(format!("{path}: not readable JSON"));
            continue;
        };
        if doc["tree_size"].as_u64() != Some(checkpoint.size) {
            failures.push(format!("{path}: proofs are not against the included checkpoint"));
            continue;
        }
        for e in doc["entries"].as_array().into_iter().flatten() {
            entries += 1;
            let canonical = e["canonical"].as_str().unwrap_or_default();
            let leaf = merkle::leaf_hash(canonical.as_bytes());
            let index = e["seq"].as_u64().unwrap_or(u64::MAX);
            let proof: Option<Vec<Hash>> = e["inclusion_proof"]
                .as_array()
                .map(|p| p.iter().filter_map(|h| h.as_str().and_then(parse_hash)).collect());
            let ok = e["leaf_hash"].as_str() == Some(hex::encode(leaf).as_str())
                && proof.is_some_and(|p| {
                    merkle::verify_inclusion(&leaf, index, checkpoint.size, &p, &checkpoint.root).is_ok()
                });
            if !ok {
                failures.push(format!("{path}: entry {index} is not in the signed audit log"));
            }
        }
    }
    report.add(
        "chain of custody",
        failures,
        format!("{entries} audit entries proved against signed checkpoint of size {}", checkpoint.size),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_escape_are_refused() {
        assert_eq!(clean_relative(Path::new("bag/data/x.json")).as_deref(), Some("bag/data/x.json"));
        assert_eq!(clean_relative(Path::new("bag/../../etc/passwd")), None);
        assert_eq!(clean_relative(Path::new("/etc/passwd")), None);
    }

    #[test]
    fn an_empty_report_is_not_a_pass() {
        assert!(!Report::default().ok());
    }
}
