//! Whether a string is a picture this module may hand out: well-formed XML with an `svg`
//! root in the SVG namespace, a `viewBox`, `width="100%"`, `role="img"`, a title and a
//! description it is labelled by, and nothing active or external (no script, no event
//! attribute, no reference that is not a relative path or an internal `#id`). The tests
//! of this module and the API's tests (on the pictures the service answers) use it.

use std::collections::HashSet;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// Elements a picture never contains: they run code, embed other documents or fetch.
/// Animation elements are refused too: they can set an attribute (an `href`) later.
const FORBIDDEN: &[&str] = &[
    "script",
    "foreignObject",
    "image",
    "iframe",
    "object",
    "embed",
    "audio",
    "video",
    "use",
    "feImage",
    "set",
    "animate",
    "animateMotion",
    "animateTransform",
    "handler",
    "listener",
];

/// `Ok` when `svg` is a well-formed, self-contained, accessible picture; otherwise what
/// is wrong with it.
pub fn check_svg(svg: &str) -> Result<(), String> {
    let lower = svg.to_ascii_lowercase();
    // Anywhere, even in text: the pictures name no web address but the SVG namespace.
    // Other schemes are refused where they could act: in references (below).
    for scheme in ["http:", "https:"] {
        let allowed = if scheme == "http:" { lower.matches("http://www.w3.org/2000/svg").count() } else { 0 };
        if lower.matches(scheme).count() > allowed {
            return Err(format!("an external reference ({scheme})"));
        }
    }
    if lower.contains("<!doctype") || lower.contains("<!entity") {
        return Err("a DTD or entity declaration".into());
    }
    if lower.contains("@import") {
        return Err("an @import".into());
    }

    let mut reader = Reader::from_str(svg);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<String> = Vec::new();
    let mut ids = HashSet::new();
    let mut labelled_by = String::new();
    let (mut roots, mut title, mut desc) = (0, None::<String>, None::<String>);
    loop {
        let event = reader.read_event().map_err(|e| format!("not well-formed XML: {e}"))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = e.name().as_ref().to_owned();
                let attrs = attributes(e)?;
                if stack.is_empty() {
                    roots += 1;
                    if roots > 1 {
                        return Err("more than one root element".into());
                    }
                    root(&name, &attrs)?;
                    labelled_by = value(&attrs, "aria-labelledby").unwrap_or_default().to_owned();
                }
                element(&name, &attrs, &mut ids)?;
                if stack.len() == 1 && (name == "title" || name == "desc") {
                    let id = value(&attrs, "id").unwrap_or_default().to_owned();
                    if name == "title" {
                        title.get_or_insert(id)
                    } else {
                        desc.get_or_insert(id)
                    };
                }
                if matches!(event, Event::Start(_)) {
                    stack.push(name);
                }
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Text(ref t) => {
                let raw = t.xml10_content();
                if stack.is_empty() && !raw.trim().is_empty() {
                    return Err("text outside the root element".into());
                }
            }
            Event::GeneralRef(ref r) => {
                let name: &str = r.as_ref();
                if !r.is_char_ref() && !matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
                    return Err(format!("an unknown entity &{name};"));
                }
                r.resolve_char_ref().map_err(|e| format!("a bad character reference: {e}"))?;
            }
            Event::DocType(_) => return Err("a DTD".into()),
            Event::PI(_) => return Err("a processing instruction".into()),
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::CData(_) => {}
        }
    }
    if roots == 0 {
        return Err("no root element".into());
    }
    if !stack.is_empty() {
        return Err(format!("unclosed element <{}>", stack.join("> <")));
    }
    let (Some(title), Some(desc)) = (title, desc) else {
        return Err("no <title> and <desc> under the root".into());
    };
    let wanted: Vec<&str> = labelled_by.split_whitespace().collect();
    if title.is_empty()
        || desc.is_empty()
        || !wanted.contains(&title.as_str())
        || !wanted.contains(&desc.as_str())
    {
        return Err("aria-labelledby does not name the title and the description".into());
    }
    Ok(())
}

fn attributes(e: &BytesStart) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| format!("a bad attribute: {err}"))?;
        let key = a.key.as_ref().to_owned();
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| format!("a bad attribute value: {err}"))?
            .into_owned();
        out.push((key, value));
    }
    Ok(out)
}

fn value<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn root(name: &str, attrs: &[(String, String)]) -> Result<(), String> {
    if name != "svg" {
        return Err(format!("the root is <{name}>, not <svg>"));
    }
    if value(attrs, "xmlns") != Some(SVG_NS) {
        return Err("the root lacks the SVG namespace".into());
    }
    if value(attrs, "viewBox").is_none_or(|v| v.split_whitespace().count() != 4) {
        return Err("the root lacks a viewBox".into());
    }
    if value(attrs, "width") != Some("100%") {
        return Err("the root's width is not 100%".into());
    }
    if value(attrs, "role") != Some("img") {
        return Err("the root's role is not img".into());
    }
    Ok(())
}

fn element(name: &str, attrs: &[(String, String)], ids: &mut HashSet<String>) -> Result<(), String> {
    let local = name.rsplit(':').next().unwrap_or(name);
    if FORBIDDEN.iter().any(|f| f.eq_ignore_ascii_case(local)) {
        return Err(format!("a <{name}> element"));
    }
    for (key, v) in attrs {
        let k = key.to_ascii_lowercase();
        if k.starts_with("on") {
            return Err(format!("an event attribute {key} on <{name}>"));
        }
        if k == "href" || k.ends_with(":href") || k == "src" {
            let relative = v.starts_with('/') && !v.starts_with("//");
            if !(relative || v.starts_with('#')) {
                return Err(format!("a reference that is not a relative path: {key}={v:?}"));
            }
        }
        if v.to_ascii_lowercase().contains("javascript:") {
            return Err(format!("a javascript: value in {key}"));
        }
        if v.contains("url(") && v.split("url(").skip(1).any(|rest| !rest.trim_start().starts_with('#')) {
            return Err(format!("a url() that is not internal in {key}"));
        }
        if k == "id" && !ids.insert(v.clone()) {
            return Err(format!("the id {v:?} twice"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_svg;

    const HEAD: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" width="100%" role="img" aria-labelledby="t d"><title id="t">T</title><desc id="d">D</desc>"#;

    fn doc(body: &str) -> String {
        format!("{HEAD}{body}</svg>")
    }

    #[test]
    fn a_plain_picture_passes() {
        assert_eq!(
            check_svg(&doc(r#"<a href="/units/1"><rect width="1" height="1" fill="url(#x)"/></a>"#)),
            Ok(())
        );
    }

    #[test]
    fn active_or_external_content_is_refused() {
        for bad in [
            "<script>alert(1)</script>",
            r#"<rect onclick="x()"/>"#,
            r#"<a href="https://example.org/">x</a>"#,
            r#"<a href="//example.org/">x</a>"#,
            r#"<a href="javascript:x()">x</a>"#,
            r#"<image href="/x.png"/>"#,
            r#"<rect fill="url(/x.svg#p)"/>"#,
            "<foreignObject/>",
            r#"<a href="/x"><set attributeName="href" to="/y"/></a>"#,
            r#"<rect fill="javascript:x()"/>"#,
            r#"<g id="t"/>"#,
        ] {
            assert!(check_svg(&doc(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn malformed_or_unlabelled_documents_are_refused() {
        assert!(check_svg("<svg").is_err());
        assert!(check_svg(&format!("{HEAD}<g>")).is_err());
        assert!(check_svg(&doc("<text>a & b</text>")).is_err());
        assert!(check_svg(&doc("<text>&nbsp;</text>")).is_err());
        assert!(
            check_svg(
                r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1" width="100%" role="img"/>"#
            )
            .is_err()
        );
        assert!(check_svg(&doc("").replace("width=\"100%\"", "width=\"300\"")).is_err());
        assert!(check_svg(&doc("").replacen("<title id=\"t\">T</title>", "", 1)).is_err());
    }
}
