//! The manifest of an encrypted submission: the plain `submission.xml` a phone sends for
//! an encrypted form (`<data encrypted="yes" id="…" version="…">` with the wrapped key,
//! the instance id, the encrypted media files' and XML's names, and the signature).

use crate::error::{Error, Result};
use crate::intake::xml::Element;

/// More media files than this in one submission is refused (no phone form has them).
pub const MAX_MEDIA: usize = 500;
const MAX_NAME: usize = 255;
const MAX_TEXT: usize = 1024;

/// An encrypted submission's manifest: the plain `submission.xml` of an encrypted form
/// (`<data encrypted="yes" …>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub form_id: String,
    pub version: Option<String>,
    pub instance_id: String,
    pub encrypted_key: String,
    /// The encrypted media files' names (`x.jpg.enc`), in the manifest's order.
    pub media: Vec<String>,
    /// The encrypted submission's name (`submission.xml.enc`).
    pub xml_file: String,
    pub signature: String,
}

fn missing(what: &str) -> Error {
    Error::BadRequest(format!("the encrypted submission's manifest has no {what}"))
}

fn bad(what: &str) -> Error {
    Error::BadRequest(format!("the encrypted submission's manifest has a bad {what}"))
}

/// A file name as the manifest may give it: a plain name ending in `.enc`.
fn file_name(name: String) -> Result<String> {
    let plain = name.strip_suffix(".enc").unwrap_or("");
    let safe = !plain.is_empty()
        && name.len() <= MAX_NAME
        && !name.chars().any(|c| c == '/' || c == '\\' || c.is_control())
        && name != ".."
        && !plain.starts_with('.');
    if safe { Ok(name) } else { Err(bad("file name")) }
}

fn text(root: &Element, name: &str) -> Result<String> {
    let value = root.descendants().into_iter().find(|e| e.name == name).map(|e| e.text()).unwrap_or_default();
    match value.len() {
        0 => Err(missing(name)),
        n if n > MAX_TEXT => Err(bad(name)),
        _ => Ok(value),
    }
}

impl Manifest {
    /// The manifest of an encrypted submission, `None` for a plain submission, or a 400
    /// for an encrypted one that lacks a part.
    pub fn parse(root: &Element) -> Result<Option<Manifest>> {
        if root.attribute("encrypted").map(str::trim) != Some("yes") {
            return Ok(None);
        }
        let form_id = root
            .attribute("id")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("form id"))?;
        let version = root.attribute("version").map(str::trim).filter(|s| !s.is_empty());
        // Briefcase reads the instance id from `meta/instanceID`, or else the root's attribute.
        let instance_id =
            match root.find(&["meta", "instanceID"]).map(Element::text).filter(|s| !s.is_empty()) {
                Some(id) => id,
                None => root.attribute("instanceID").map(str::trim).unwrap_or("").to_owned(),
            };
        if instance_id.is_empty() {
            return Err(missing("instance id"));
        }
        if form_id.len() > MAX_TEXT
            || instance_id.len() > MAX_TEXT
            || version.is_some_and(|v| v.len() > MAX_TEXT)
        {
            return Err(bad("form id, version or instance id"));
        }
        let mut media = Vec::new();
        for m in root.elements().filter(|e| e.name == "media") {
            for f in m.elements().filter(|e| e.name == "file") {
                media.push(file_name(f.text())?);
                if media.len() > MAX_MEDIA {
                    return Err(bad("list of files (too many)"));
                }
            }
        }
        let xml_file = file_name(text(root, "encryptedXmlFile")?)?;
        let mut names: Vec<&str> = media.iter().map(String::as_str).chain([xml_file.as_str()]).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err(bad("list of files (a name twice)"));
        }
        Ok(Some(Manifest {
            form_id: form_id.to_owned(),
            version: version.map(str::to_owned),
            instance_id,
            encrypted_key: text(root, "base64EncryptedKey")?,
            media,
            xml_file,
            signature: text(root, "base64EncryptedElementSignature")?,
        }))
    }

    /// The order in which the file was encrypted (its IV's index): media files in the
    /// manifest's order, then the XML.
    pub fn file_index(&self, name: &str) -> Option<usize> {
        if name == self.xml_file {
            return Some(self.media.len());
        }
        self.media.iter().position(|m| m == name)
    }

    /// Every file the manifest names, in encryption order.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.media.iter().map(String::as_str).chain([self.xml_file.as_str()])
    }
}

/// A file's name as it was before encryption (`x.jpg.enc` → `x.jpg`).
pub fn plain_name(name: &str) -> &str {
    name.strip_suffix(".enc").unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::xml::parse;

    const COLLECT: &str = r#"<?xml version='1.0' encoding='UTF-8' ?>
<data id="intake" version="2024031501" encrypted="yes" xmlns="http://www.opendatakit.org/xforms/encrypted">
<base64EncryptedKey>S0VZ</base64EncryptedKey>
<orx:meta xmlns:orx="http://openrosa.org/xforms"><orx:instanceID>uuid:6850c987</orx:instanceID></orx:meta>
<media><file>a.jpg.enc</file></media>
<media><file>b.m4a.enc</file></media>
<encryptedXmlFile>submission.xml.enc</encryptedXmlFile>
<base64EncryptedElementSignature>U0lH</base64EncryptedElementSignature>
</data>"#;

    #[test]
    fn a_collect_manifest_is_read() {
        let m = Manifest::parse(&parse(COLLECT.as_bytes()).unwrap()).unwrap().unwrap();
        assert_eq!(m.form_id, "intake");
        assert_eq!(m.version.as_deref(), Some("2024031501"));
        assert_eq!(m.instance_id, "uuid:6850c987");
        assert_eq!(m.encrypted_key, "S0VZ");
        assert_eq!(m.media, ["a.jpg.enc", "b.m4a.enc"]);
        assert_eq!(m.xml_file, "submission.xml.enc");
        assert_eq!(m.signature, "U0lH");
        assert_eq!(m.file_index("b.m4a.enc"), Some(1));
        assert_eq!(m.file_index("submission.xml.enc"), Some(2));
        assert_eq!(m.file_index("c.jpg.enc"), None);
        assert_eq!(plain_name("a.jpg.enc"), "a.jpg");
    }

    #[test]
    fn a_plain_submission_is_none() {
        let doc =
            br#"<data id="intake"><account>x</account><meta><instanceID>uuid:1</instanceID></meta></data>"#;
        assert_eq!(Manifest::parse(&parse(doc).unwrap()).unwrap(), None);
    }

    #[test]
    fn an_encrypted_submission_lacking_a_part_is_refused() {
        let broken = [
            COLLECT.replace("<base64EncryptedKey>S0VZ</base64EncryptedKey>", ""),
            COLLECT.replace("uuid:6850c987", ""),
            COLLECT.replace("<encryptedXmlFile>submission.xml.enc</encryptedXmlFile>", ""),
            COLLECT.replace("U0lH", " "),
            COLLECT.replace(r#"id="intake""#, ""),
            COLLECT.replace("a.jpg.enc", "../a.jpg.enc"),
            COLLECT.replace("a.jpg.enc", "a.jpg"),
            COLLECT.replace("b.m4a.enc", "a.jpg.enc"),
            COLLECT.replace("b.m4a.enc", "submission.xml.enc"),
        ];
        for doc in broken {
            let root = parse(doc.as_bytes()).unwrap();
            assert!(matches!(Manifest::parse(&root), Err(Error::BadRequest(_))), "{doc}");
        }
    }
}
