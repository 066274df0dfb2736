//! The case's public key set in an XForm: `<submission base64RsaPublicKey="…"/>` in its
//! `<model>` (the attribute replaced when the form has one, the element added when it has
//! none). Only that tag is rewritten; every other byte of the form stays as it was.

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::error::{Error, Result};
use crate::intake::xml;

const ATTRIBUTE: &str = "base64RsaPublicKey";

fn bad(what: &str) -> Error {
    Error::BadRequest(format!("the form was refused: {what}"))
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The start tag rebuilt with the key: its other attributes kept as written (quoted
/// anew with `"`), the key's replaced or added.
fn tag(e: &BytesStart<'_>, key: &str, empty: bool) -> Result<String> {
    let qname = e.name();
    let name: &str = qname.as_ref();
    let mut s = format!("<{name}");
    for a in e.attributes() {
        let a = a.map_err(|_| bad("an attribute is malformed"))?;
        let k: &str = a.key.as_ref();
        if local(k) == ATTRIBUTE {
            continue;
        }
        let v: &str = &a.value;
        s.push_str(&format!(" {k}=\"{}\"", v.replace('"', "&quot;")));
    }
    s.push_str(&format!(" {ATTRIBUTE}=\"{key}\""));
    s.push_str(if empty { "/>" } else { ">" });
    Ok(s)
}

/// `xform` with `base64_key` set on its `<submission>` element (added when it has none).
pub fn with_public_key(xform: &str, base64_key: &str) -> Result<String> {
    if base64_key.is_empty() || !base64_key.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
    {
        return Err(Error::internal("a public key that is not base64"));
    }
    // The safe reader first: whatever it refuses is refused here too.
    xml::parse(xform.as_bytes())?;
    let mut reader = Reader::from_str(xform);
    let mut stack: Vec<String> = Vec::new();
    // Where the model's start tag ends (and its prefix), for a submission to add.
    let mut model: Option<(usize, String)> = None;
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|_| bad("it is not well-formed"))?;
        let after = reader.buffer_position() as usize;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let name: String = e.name().as_ref().to_owned();
                let in_model = stack.last().is_some_and(|p| local(p) == "model");
                if local(&name) == "submission" && in_model {
                    let mut out = String::with_capacity(xform.len() + base64_key.len() + 32);
                    out.push_str(&xform[..before]);
                    out.push_str(&tag(e, base64_key, empty)?);
                    out.push_str(&xform[after..]);
                    return Ok(out);
                }
                if local(&name) == "model" && model.is_none() {
                    let prefix = match name.rfind(':') {
                        Some(i) => format!("{}:", &name[..i]),
                        None => String::new(),
                    };
                    if empty {
                        // `<model/>`: no instance, so no form worth keying.
                        return Err(bad("its model is empty"));
                    }
                    model = Some((after, prefix));
                }
                if !empty {
                    stack.push(name);
                }
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let (at, prefix) = model.ok_or_else(|| bad("it has no model"))?;
    let mut out = String::with_capacity(xform.len() + base64_key.len() + 64);
    out.push_str(&xform[..at]);
    out.push_str(&format!("<{prefix}submission {ATTRIBUTE}=\"{base64_key}\"/>"));
    out.push_str(&xform[at..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: &str = r#"<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa">
  <h:head>
    <h:title>Intake</h:title>
    <model>
      <instance><data id="intake" version="1"><account/><meta><instanceID/></meta></data></instance>
      <bind nodeset="/data/account" type="string"/>
    </model>
  </h:head>
  <h:body><input ref="/data/account"><label>Account &amp; notes</label></input></h:body>
</h:html>"#;

    fn submission_key(doc: &str) -> Option<String> {
        let root = xml::parse(doc.as_bytes()).unwrap();
        let model = root.find(&["head", "model"]).unwrap();
        model.child("submission").and_then(|s| s.attribute(ATTRIBUTE)).map(str::to_owned)
    }

    #[test]
    fn a_submission_element_is_added_and_the_rest_kept() {
        let keyed = with_public_key(FORM, "QUJD+/==").unwrap();
        assert_eq!(submission_key(&keyed).as_deref(), Some("QUJD+/=="));
        assert_eq!(keyed.replace(r#"<submission base64RsaPublicKey="QUJD+/=="/>"#, ""), FORM);
    }

    #[test]
    fn an_existing_key_is_replaced_and_other_attributes_kept() {
        let form = FORM.replace(
            "<bind ",
            r#"<submission method='post' base64RsaPublicKey="OLD" orx:auto-delete="true"/><bind "#,
        );
        let keyed = with_public_key(&form, "TkVX").unwrap();
        assert_eq!(submission_key(&keyed).as_deref(), Some("TkVX"));
        assert!(
            keyed.contains(r#"<submission method="post" orx:auto-delete="true" base64RsaPublicKey="TkVX"/>"#)
        );
        assert!(!keyed.contains("OLD"));
        assert_eq!(with_public_key(&keyed, "TkVX").unwrap(), keyed);
    }

    #[test]
    fn a_prefixed_model_gets_a_prefixed_submission() {
        let form = FORM
            .replace("<model>", "<xf:model xmlns:xf=\"http://www.w3.org/2002/xforms\">")
            .replace("</model>", "</xf:model>");
        let keyed = with_public_key(&form, "QUJD").unwrap();
        assert!(keyed.contains(r#"<xf:submission base64RsaPublicKey="QUJD"/>"#));
        xml::parse(keyed.as_bytes()).unwrap();
    }

    #[test]
    fn forms_without_a_model_or_unsafe_ones_are_refused() {
        let no_model = r#"<h:html xmlns:h="http://www.w3.org/1999/xhtml"><h:head/></h:html>"#;
        let dtd = r#"<!DOCTYPE x [<!ENTITY a "b">]><x/>"#;
        for doc in [no_model, dtd, "<a>"] {
            assert!(matches!(with_public_key(doc, "QUJD"), Err(Error::BadRequest(_))), "{doc}");
        }
        assert!(with_public_key(FORM, "not base64!").is_err());
    }
}
