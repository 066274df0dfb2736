//! How documenters mark the words of an account that identify the witness (names,
//! addresses, a workplace): by putting them in double square brackets while typing,
//! `[[Ivan Petrov]]`. The brackets never reach storage: they become the testimony's
//! `identifying_spans` (character offsets), which the service uses to show the
//! pseudonym instead to readers and bundle recipients who may not know who the witness
//! is. Plain text, so it works without JavaScript, in any browser, on a phone.

use crate::cases::testimonies::Span;

const OPEN: &str = "[[";
const CLOSE: &str = "]]";

/// The account without brackets and the spans they marked (in characters). An opening
/// bracket without its close is kept as typed.
pub fn parse(marked: &str) -> (String, Vec<Span>) {
    let mut text = String::with_capacity(marked.len());
    let mut spans = Vec::new();
    let mut chars = 0usize;
    let mut rest = marked;
    while let Some(open) = rest.find(OPEN) {
        let before = &rest[..open];
        let after = &rest[open + OPEN.len()..];
        let Some(close) = after.find(CLOSE) else { break };
        let inner = &after[..close];
        text.push_str(before);
        chars += before.chars().count();
        let len = inner.chars().count();
        if len > 0 {
            spans.push(Span { start: chars, end: chars + len });
        }
        text.push_str(inner);
        chars += len;
        rest = &after[close + CLOSE.len()..];
    }
    text.push_str(rest);
    (text, spans)
}

/// The account with its spans bracketed again, for editing. Spans out of range or
/// overlapping an earlier one are left unmarked rather than corrupting the text.
pub fn render(text: &str, spans: &[Span]) -> String {
    let mut sorted: Vec<Span> = spans.to_vec();
    sorted.sort_by_key(|s| s.start);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + spans.len() * 4);
    let mut at = 0usize;
    for s in sorted {
        if s.start < at || s.end > chars.len() || s.start >= s.end {
            continue;
        }
        out.extend(&chars[at..s.start]);
        out.push_str(OPEN);
        out.extend(&chars[s.start..s.end]);
        out.push_str(CLOSE);
        at = s.end;
    }
    out.extend(&chars[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_become_spans_in_characters() {
        let (text, spans) = parse("Меня зовут [[Иван Петров]], я из [[Гродно]].");
        assert_eq!(text, "Меня зовут Иван Петров, я из Гродно.");
        assert_eq!(spans, vec![Span { start: 11, end: 22 }, Span { start: 29, end: 35 }]);
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(chars[11..22].iter().collect::<String>(), "Иван Петров");
        assert_eq!(render(&text, &spans), "Меня зовут [[Иван Петров]], я из [[Гродно]].");
    }

    #[test]
    fn odd_input_is_kept_as_typed() {
        assert_eq!(parse("a [[b"), ("a [[b".to_owned(), vec![]));
        assert_eq!(parse("[[]]x"), ("x".to_owned(), vec![]));
        assert_eq!(parse("no marks"), ("no marks".to_owned(), vec![]));
        assert_eq!(render("abc", &[Span { start: 2, end: 9 }]), "abc");
        assert_eq!(render("abcd", &[Span { start: 0, end: 2 }, Span { start: 1, end: 3 }]), "[[ab]]cd");
    }

    proptest::proptest! {
        #[test]
        fn parse_and_render_round_trip(words in proptest::collection::vec("[a-zа-я ]{0,8}", 0..8), marks in proptest::collection::vec(proptest::bool::ANY, 8)) {
            let marked: String = words.iter().zip(&marks).map(|(w, m)| if *m && !w.is_empty() { format!("[[{w}]]") } else { w.clone() }).collect();
            let (text, spans) = parse(&marked);
            let (again, spans2) = parse(&render(&text, &spans));
            proptest::prop_assert_eq!(&again, &text);
            proptest::prop_assert_eq!(spans2, spans);
        }
    }
}
