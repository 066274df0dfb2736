//! The signature of an encrypted submission: the phone's RSA-OAEP encryption of the MD5 of
//! its "element signature source" — form id, version (when the form has one), the wrapped
//! key, the instance id, then `name::md5` of each media file in the manifest's order and
//! of the XML, names without `.enc` and MD5s of the decrypted contents in 32 lower-case
//! hex digits, each line ending in `\n`. It binds the files to the manifest: a file
//! swapped, dropped or altered, or a key replaced, no longer matches.

use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

use super::manifest::{Manifest, plain_name};
use crate::error::{Error, Result};

/// The text whose MD5 the phone signed, from the files' content MD5s (hex) by name
/// (encrypted or plain). `None` when the manifest names a file that is not given.
pub fn source(manifest: &Manifest, content_md5: &[(String, String)]) -> Option<String> {
    let md5_of = |name: &str| {
        content_md5
            .iter()
            .find(|(n, _)| n == name || n == plain_name(name))
            .map(|(_, md5)| md5.trim().to_ascii_lowercase())
            .filter(|md5| md5.len() == 32 && md5.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let mut s = String::new();
    for line in [
        Some(&manifest.form_id),
        manifest.version.as_ref(),
        Some(&manifest.encrypted_key),
        Some(&manifest.instance_id),
    ]
    .into_iter()
    .flatten()
    {
        s.push_str(line);
        s.push('\n');
    }
    for name in manifest.files() {
        s.push_str(plain_name(name));
        s.push_str("::");
        s.push_str(&md5_of(name)?);
        s.push('\n');
    }
    Some(s)
}

pub fn verify(manifest: &Manifest, content_md5: &[(String, String)], signed: &[u8; 16]) -> Result<()> {
    let source = source(manifest, content_md5).ok_or_else(|| {
        Error::BadRequest("a file the encrypted submission's manifest names is missing".into())
    })?;
    let digest: [u8; 16] = Md5::digest(source.as_bytes()).into();
    if bool::from(digest.ct_eq(signed)) {
        Ok(())
    } else {
        Err(Error::BadRequest("the encrypted submission's signature does not match its files".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(version: Option<&str>) -> Manifest {
        Manifest {
            form_id: "intake".into(),
            version: version.map(str::to_owned),
            instance_id: "uuid:1".into(),
            encrypted_key: "S0VZ".into(),
            media: vec!["a.jpg.enc".into()],
            xml_file: "submission.xml.enc".into(),
            signature: String::new(),
        }
    }

    #[test]
    fn the_source_follows_collects_order() {
        let md5s = [
            ("a.jpg".to_owned(), "0000000018E6137AC2CAAB16074784A6".to_owned()),
            ("submission.xml.enc".to_owned(), "bc6e6f16b8a077ef5fbc8d59d0b931b9".to_owned()),
        ];
        assert_eq!(
            source(&manifest(Some("3")), &md5s).unwrap(),
            "intake\n3\nS0VZ\nuuid:1\na.jpg::0000000018e6137ac2caab16074784a6\nsubmission.xml::bc6e6f16b8a077ef5fbc8d59d0b931b9\n"
        );
        assert!(source(&manifest(None), &md5s).unwrap().starts_with("intake\nS0VZ\n"));
        assert_eq!(source(&manifest(None), &md5s[..1]), None);
    }

    #[test]
    fn a_signature_matches_only_its_files() {
        let m = manifest(None);
        let md5s =
            vec![("a.jpg.enc".to_owned(), "0".repeat(32)), ("submission.xml.enc".to_owned(), "1".repeat(32))];
        let signed: [u8; 16] = Md5::digest(source(&m, &md5s).unwrap().as_bytes()).into();
        assert!(verify(&m, &md5s, &signed).is_ok());
        let mut other = md5s.clone();
        other[0].1 = "2".repeat(32);
        assert!(matches!(verify(&m, &other, &signed), Err(Error::BadRequest(_))));
        assert!(matches!(verify(&m, &md5s[..1], &signed), Err(Error::BadRequest(_))));
    }
}
