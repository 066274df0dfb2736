//! The XML that phones send (XForms, submissions, ODK's encryption manifests), read into a
//! small tree with everything dangerous refused rather than tolerated: a DTD (and with it
//! external entities and entity expansion, "billion laughs"), an entity that is not one of
//! XML's five, processing instructions, nesting deeper than [`MAX_DEPTH`] and more than
//! [`MAX_NODES`] nodes. The callers bound the size before a byte is parsed.
//!
//! A hand-written tree over `quick-xml` (a pull parser that never expands entities on its
//! own) rather than a DOM crate: what is needed is a few dozen lines, and the refusals
//! above are this module's whole point.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::error::{Error, Result};

pub const MAX_DEPTH: usize = 64;
pub const MAX_NODES: usize = 100_000;

/// An element: its name without prefix, its attributes (names without prefix, values
/// unescaped), and its children in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first child element of this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// The element at a path of child names (`["meta", "instanceID"]`).
    pub fn find(&self, path: &[&str]) -> Option<&Element> {
        path.iter().try_fold(self, |at, name| at.child(name))
    }

    /// The text directly inside this element, trimmed.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                s.push_str(t);
            }
        }
        s.trim().to_owned()
    }

    /// Every element below this one, depth first (not this one).
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        let mut stack: Vec<&Element> = self.elements().collect::<Vec<_>>().into_iter().rev().collect();
        while let Some(e) = stack.pop() {
            out.push(e);
            stack.extend(e.elements().collect::<Vec<_>>().into_iter().rev());
        }
        out
    }
}

fn bad(what: impl std::fmt::Display) -> Error {
    Error::BadRequest(format!("the XML was refused: {what}"))
}

/// Parses a whole document into its root element, or a 400 naming what was refused.
pub fn parse(bytes: &[u8]) -> Result<Element> {
    let text = std::str::from_utf8(bytes).map_err(|_| bad("it is not UTF-8"))?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    let mut nodes = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| bad(format!("it is not well-formed ({e})")))?;
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(bad("it has too many nodes"));
        }
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if root.is_some() {
                    return Err(bad("it has more than one root element"));
                }
                let element = start(e)?;
                if matches!(event, Event::Empty(_)) {
                    close(&mut stack, &mut root, element);
                } else {
                    stack.push(element);
                    if stack.len() > MAX_DEPTH {
                        return Err(bad("it is nested too deeply"));
                    }
                }
            }
            Event::End(_) => {
                let element = stack.pop().ok_or_else(|| bad("an end tag closes nothing"))?;
                close(&mut stack, &mut root, element);
            }
            Event::Text(ref t) => push_text(&mut stack, &t.xml10_content())?,
            Event::CData(ref t) => {
                let raw: &str = t.as_ref();
                push_text(&mut stack, raw)?;
            }
            Event::GeneralRef(ref r) => {
                let text = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match r.as_ref() {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        _ => return Err(bad("it names an entity XML does not define")),
                    },
                    Err(_) => return Err(bad("it has a bad character reference")),
                };
                push_text(&mut stack, &text)?;
            }
            Event::DocType(_) => return Err(bad("it has a DTD (DOCTYPE), which phones never send")),
            Event::PI(_) => return Err(bad("it has a processing instruction")),
            Event::Decl(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(bad("an element is not closed"));
    }
    root.ok_or_else(|| bad("it has no root element"))
}

fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or(name).to_owned()
}

fn start(e: &BytesStart<'_>) -> Result<Element> {
    let mut attributes = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| bad(format!("an attribute is malformed ({e})")))?;
        let key: &str = a.key.as_ref();
        // Namespace declarations are kept under their own names (`xmlns`, `xmlns:jr`).
        let name = if key.starts_with("xmlns") { key.to_owned() } else { local(key) };
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|_| bad("an attribute names an entity XML does not define"))?;
        attributes.push((name, value.into_owned()));
    }
    Ok(Element { name: local(e.name().as_ref()), attributes, children: Vec::new() })
}

fn push_text(stack: &mut [Element], text: &str) -> Result<()> {
    match stack.last_mut() {
        Some(parent) => {
            match parent.children.last_mut() {
                Some(Node::Text(t)) => t.push_str(text),
                _ => parent.children.push(Node::Text(text.to_owned())),
            }
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(bad("it has text outside the root element")),
    }
}

fn close(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Element(element)),
        None => *root = Some(element),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_submission_is_read_into_a_tree() {
        let doc = br#"<?xml version="1.0"?>
            <data xmlns:jr="http://openrosa.org/javarosa" id="intake" version="3">
              <name>A &amp; B &#1046;</name><meta><instanceID>uuid:1</instanceID></meta>
              <note><![CDATA[<raw>]]></note><empty/>
            </data>"#;
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "data");
        assert_eq!(root.attribute("version"), Some("3"));
        assert_eq!(root.attribute("xmlns:jr"), Some("http://openrosa.org/javarosa"));
        assert_eq!(root.child("name").unwrap().text(), "A & B Ж");
        assert_eq!(root.find(&["meta", "instanceID"]).unwrap().text(), "uuid:1");
        assert_eq!(root.child("note").unwrap().text(), "<raw>");
        assert_eq!(root.descendants().len(), 5);
    }

    #[test]
    fn dtds_entities_and_deep_nesting_are_refused() {
        let laughs = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><lolz>&lol2;</lolz>"#;
        let xxe = br#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>"#;
        let unknown = b"<d>&nbsp;</d>";
        let deep = format!("{}{}", "<a>".repeat(MAX_DEPTH + 1), "</a>".repeat(MAX_DEPTH + 1));
        for doc in [&laughs[..], &xxe[..], unknown, deep.as_bytes(), b"<a></b>", b"<a/><b/>", b"", b"\xff"] {
            assert!(matches!(parse(doc), Err(Error::BadRequest(_))), "{}", String::from_utf8_lossy(doc));
        }
    }
}
