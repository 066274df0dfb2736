//! Withheld names replaced in the free text of a bundle, case-insensitively (and `ё` as
//! `е`), longest name first.

/// Replaces withheld names in free text, case-insensitively, longest name first.
pub(super) struct Scrubber {
    names: Vec<(Vec<char>, String)>,
}

fn fold(c: char) -> char {
    let c = c.to_lowercase().next().unwrap_or(c);
    if c == 'ё' { 'е' } else { c }
}

impl Scrubber {
    pub(super) fn new(mut names: Vec<(String, String)>) -> Self {
        names.retain(|(n, _)| n.trim().chars().count() >= 2);
        names.sort_by_key(|(n, _)| std::cmp::Reverse(n.chars().count()));
        Scrubber {
            names: names
                .into_iter()
                .map(|(n, p)| (n.trim().chars().map(fold).collect(), format!("[{p}]")))
                .collect(),
        }
    }

    pub(super) fn scrub(&self, text: &str) -> String {
        if self.names.is_empty() {
            return text.to_owned();
        }
        let chars: Vec<char> = text.chars().collect();
        let folded: Vec<char> = chars.iter().map(|&c| fold(c)).collect();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        'outer: while i < chars.len() {
            for (name, replacement) in &self.names {
                if folded[i..].starts_with(name) {
                    out.push_str(replacement);
                    i += name.len();
                    continue 'outer;
                }
            }
            out.push(chars[i]);
            i += 1;
        }
        out
    }

    pub(super) fn scrub_opt(&self, text: &Option<String>) -> Option<String> {
        text.as_ref().map(|t| self.scrub(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn withheld_names_are_replaced_in_any_case() {
        let s = Scrubber::new(vec![
            ("Иван Петров".into(), "W-0001".into()),
            ("Петров".into(), "W-0001".into()),
            ("Алёна".into(), "W-0002".into()),
        ]);
        assert_eq!(s.scrub("Видел ИВАН ПЕТРОВ и петрова."), "Видел [W-0001] и [W-0001]а.");
        assert_eq!(s.scrub("алена и АЛЁНА"), "[W-0002] и [W-0002]");
        assert_eq!(s.scrub("nothing here"), "nothing here");
    }
}
