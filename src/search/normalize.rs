//! Text → search tokens for the blind indexes: fold (NFKC, lower case, ё → е, apostrophes),
//! split, drop stop words, stem per token language, deduplicate. Pure and bounded; the HMAC
//! and truncation of each token happen elsewhere. Query text goes through the very same path.

// Every step is a function of the token alone, never of its neighbours or of the document:
// a query is a few words without context, and it must produce the tokens the document did.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::translit;

/// Input beyond this many characters is ignored by `tokens` (bounded work per document).
pub const MAX_INPUT_CHARS: usize = 1_000_000;
/// `tokens` stops after this many distinct tokens.
pub const MAX_TOKENS: usize = 10_000;
/// Longer words are cut to this many characters before stemming (base64 blobs, URLs): keeps
/// each stemmer call bounded, and query and document are cut alike so they still meet.
pub const MAX_TOKEN_CHARS: usize = 64;
/// Tokens shorter than this (in characters) carry no search value and are dropped.
pub const MIN_TOKEN_CHARS: usize = 2;
/// A query longer than this is refused rather than silently cut.
pub const MAX_QUERY_CHARS: usize = 2_000;
/// At most this many distinct terms per query: each is one blind-index lookup.
pub const MAX_QUERY_TERMS: usize = 32;
/// Ukrainian and Belarusian words are cut to this many characters instead of stemmed.
///
/// Snowball has no Ukrainian or Belarusian stemmer (a Ukrainian one is still a pull request
/// upstream, and the ported ones are GPL), so a prefix is the best maintained means: 5 letters
/// keep most inflections of a stem together (`затримали`, `затримання` → `затри`) while
/// staying distinct enough; the false positives cost a re-check on decrypted text, no more.
pub const PREFIX_CHARS: usize = 5;

/// The language of one token, as far as its letters tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Ru,
    Be,
    Uk,
    En,
    Unknown,
}

/// Guess the language of one word from its letters. A heuristic, per token, no context:
///
/// - no letters (numbers) → `Unknown`; mostly Latin letters → `En` if all ASCII, else `Unknown`
///   (Łacinka, Polish, Czech: no stemmer, the word is only folded);
/// - Cyrillic with ў → `Be`; with ї, є or ґ → `Uk`;
/// - Cyrillic with і (or an apostrophe between letters) → `Be` if it also has ы or э (Belarusian
///   has no и), else `Uk`: both are treated alike, so a wrong guess between them is harmless;
/// - any other Cyrillic word → `Ru`, including words with none of these letters (most of them,
///   and many Ukrainian and Belarusian forms too: `затримали` is stemmed as Russian). That is the
///   price of a per-token guess; it can only cost recall, and only in uk and be.
pub fn detect(word: &str) -> Lang {
    let (mut cyrillic, mut latin, mut latin_ascii) = (0usize, 0usize, true);
    let (mut be, mut uk, mut i_dotted, mut yery, mut apostrophe) = (false, false, false, false, false);
    let mut prev_letter = false;
    let mut chars = word.chars().flat_map(char::to_lowercase).peekable();
    while let Some(c) = chars.next() {
        if is_cyrillic(c) {
            cyrillic += 1;
            match c {
                'ў' => be = true,
                'ї' | 'є' | 'ґ' => uk = true,
                'і' => i_dotted = true,
                'ы' | 'э' => yery = true,
                _ => {}
            }
        } else if is_latin(c) {
            latin += 1;
            latin_ascii &= c.is_ascii();
        } else if is_apostrophe(c) && prev_letter && chars.peek().is_some_and(|n| n.is_alphabetic()) {
            apostrophe = true;
        }
        prev_letter = c.is_alphabetic();
    }
    if cyrillic == 0 && latin == 0 {
        return Lang::Unknown;
    }
    if latin > cyrillic {
        return if latin_ascii { Lang::En } else { Lang::Unknown };
    }
    if be {
        Lang::Be
    } else if uk {
        Lang::Uk
    } else if i_dotted || apostrophe {
        if yery { Lang::Be } else { Lang::Uk }
    } else {
        Lang::Ru
    }
}

/// Fold text for matching: invisible characters out, NFKC, full Unicode lower case, ё → е,
/// stress marks out, apostrophes resolved, whitespace collapsed to single spaces.
///
/// Apostrophes (’ ' ʼ ` ´ ‘ ʹ ′ ＇) are *removed* between two letters or digits and become a space
/// elsewhere. Ukrainian and Belarusian write them inside words (`п'ять`, `сям'я`) in half a dozen
/// code points, and people often leave them out; removing makes all of those meet (and `пять`
/// too, which is the same word in Russian), and English `police's` meets `polices`. A quote
/// mark around a word is not part of it, hence the space.
/// Hyphens (-, ‐, ‑) are kept as `-`: `tokens` indexes a hyphenated word as its parts and as a
/// whole. Soft hyphens and zero-width characters are removed, so they cannot split or hide a word.
/// Not capped: callers that need a bound cap first (`tokens` does).
pub fn fold(text: &str) -> String {
    let cleaned = text.chars().filter_map(|c| match c {
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}' => None,
        // Before NFKC: it would turn ´ into a space and a combining accent.
        c if is_apostrophe(c) => Some('\''),
        '\u{2010}' | '\u{2011}' => Some('-'),
        c => Some(c),
    });
    let lowered = cleaned.nfkc().collect::<String>().to_lowercase();
    let chars: Vec<char> = lowered
        .chars()
        // Cyrillic stress marks have no precomposed form, so they survive NFKC as combining
        // acute or grave; on Latin letters NFKC has already composed them (é stays é).
        .filter(|&c| c != '\u{0301}' && c != '\u{0300}')
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect();
    let mut out = String::with_capacity(lowered.len());
    let mut pending_space = false;
    for (i, &c) in chars.iter().enumerate() {
        let c = if c == '\'' {
            let inside = i > 0
                && chars[i - 1].is_alphanumeric()
                && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
            if inside {
                continue;
            }
            ' '
        } else {
            c
        };
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// Search tokens of a text: folded words (letters and digits), stop words and 1-letter words
/// dropped, each stemmed by its `detect`ed language (Snowball Russian and English; a
/// `PREFIX_CHARS` prefix for Ukrainian and Belarusian; numbers and other words as folded),
/// deduplicated in order of first occurrence. A hyphenated word gives its parts and then the
/// parts joined (`северо-запад` → `север`, `запад`, `северозапад`). Bounded by
/// `MAX_INPUT_CHARS` and `MAX_TOKENS`.
pub fn tokens(text: &str) -> Vec<String> {
    tokens_of_folded(&fold(cap(text, MAX_INPUT_CHARS)))
}

/// A parsed search query. `Debug` shows only counts: search terms are as sensitive as testimony.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Normalised exactly as `tokens` does, deduplicated; includes the words of the phrases.
    pub terms: Vec<String>,
    /// Beside each term, the cross-script key of the word it came from (`name_key_token`):
    /// a term is found as itself or, in a capitalised word of the text, as its key, so
    /// `Sidorenko` finds `Сидоренко`. `None` for a word without letters.
    pub keys: Vec<Option<String>>,
    /// Quoted phrases, folded, as words joined by single spaces: the blind index finds the
    /// candidates by `terms`, then `contains_phrase` re-checks each phrase on decrypted text.
    pub phrases: Vec<String>,
}

impl fmt::Debug for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query")
            .field("terms", &self.terms.len())
            .field("keys", &self.keys.iter().flatten().count())
            .field("phrases", &self.phrases.len())
            .finish()
    }
}

/// Why a query cannot be run. The messages carry no query text, so they can be logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query has no letters or digits")]
    Empty,
    #[error("the query is longer than {max_chars} characters")]
    TooLong { max_chars: usize },
    #[error("the query has more than {max_terms} distinct search terms")]
    TooManyTerms { max_terms: usize },
    /// Words, but all of them stop words or single letters (`"to be or not to be"`). An error
    /// rather than an empty `Query`: an empty term list would match nothing or, worse, be read
    /// by a caller as "no filter"; the user should be told to add a searchable word.
    #[error("the query has only stop words or single letters: nothing to search for")]
    NothingToSearch,
}

/// Parse a search query: terms as `tokens` makes them, plus quoted phrases. Quotes are
/// `"`, “ ”, „, « », toggling (so `„…“`, `«…»` and `"…"` all work); an unclosed quote runs to the
/// end. A phrase of stop words only still needs a searchable word elsewhere in the query.
pub fn query_terms(q: &str) -> Result<Query, QueryError> {
    if q.char_indices().nth(MAX_QUERY_CHARS).is_some() {
        return Err(QueryError::TooLong { max_chars: MAX_QUERY_CHARS });
    }
    let folded = fold(q);
    if !folded.chars().any(is_word_char) {
        return Err(QueryError::Empty);
    }
    let mut terms: Vec<String> = Vec::new();
    let mut keys: Vec<Option<String>> = Vec::new();
    each_token(&folded, |t, word| {
        if !terms.contains(&t) {
            terms.push(t);
            keys.push(name_key_token(word));
        }
        terms.len() <= MAX_QUERY_TERMS
    });
    if terms.is_empty() {
        return Err(QueryError::NothingToSearch);
    }
    if terms.len() > MAX_QUERY_TERMS {
        return Err(QueryError::TooManyTerms { max_terms: MAX_QUERY_TERMS });
    }
    let mut phrases: Vec<String> = Vec::new();
    for (n, part) in folded.split(is_quote).enumerate() {
        // Odd-numbered pieces lie between an opening and a closing quote.
        let phrase = words(part).collect::<Vec<_>>().join(" ");
        if n % 2 == 1 && !phrase.is_empty() && !phrases.contains(&phrase) {
            phrases.push(phrase);
        }
    }
    Ok(Query { terms, keys, phrases })
}

/// Whether `phrase` occurs in `text` as consecutive words, both folded. Punctuation, case and
/// line breaks between the words do not matter; word forms do (no stemming here).
pub fn contains_phrase(text: &str, phrase: &str) -> bool {
    let wanted_text = fold(phrase);
    let wanted: Vec<&str> = words(&wanted_text).collect();
    if wanted.is_empty() {
        return false;
    }
    let folded = fold(text);
    let have: Vec<&str> = words(&folded).collect();
    have.windows(wanted.len()).any(|w| w == wanted.as_slice())
}

/// Whole-name tokens of a person's name (the index also holds `name_part_tokens`).
///
/// Returns, deduplicated and in this order: the cross-script key (`translit::name_key`), the
/// folded name in its own script, and its Latin romanisation (`translit::to_latin`). They are
/// alternatives: match any, never require all. A search finds a person by the whole name as
/// recorded through these, and by its parts in any order through the part tokens.
pub fn name_tokens(name: &str) -> Vec<String> {
    let capped = cap(name, translit::MAX_NAME_CHARS);
    let folded = fold(capped);
    let full = words(&folded).collect::<Vec<_>>().join(" ");
    if full.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::with_capacity(3);
    let latin = translit::to_latin(&full);
    for t in [translit::name_key(capped), full, latin] {
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// Part tokens of a person's name: the cross-script key of each whole word of it
/// (`translit::part_keys`: surname, first name, patronymic; initials left out), so a person
/// is found by any part, in any order and script. Whole words only: never a prefix or a
/// substring of one. What an extra token per part reveals: docs/threat-model.md.
pub fn name_part_tokens(name: &str) -> Vec<String> {
    translit::part_keys(cap(name, translit::MAX_NAME_CHARS))
}

/// What marks a cross-script key among a text's tokens, so it never meets a stem.
pub const KEY_MARK: char = '~';

/// The cross-script key token of one word (`~` and `translit::name_key`), or `None` if the
/// word has no letters or its key is a single symbol.
pub fn name_key_token(word: &str) -> Option<String> {
    if !word.chars().any(char::is_alphabetic) {
        return None;
    }
    let key = translit::name_key(cap(word, MAX_TOKEN_CHARS));
    (key.chars().count() >= MIN_TOKEN_CHARS && !key.contains(' ')).then(|| format!("{KEY_MARK}{key}"))
}

/// Cross-script key tokens of the name-like words of a text: those written with a capital
/// letter (`Сидоренко`, `Sidorenko`, sentence starts too), stop words left out, a
/// hyphenated one also joined (`Римский-Корсаков`). Distinct, in order of first occurrence,
/// at most `MAX_TOKENS`. Indexed beside `tokens`, so a name in the words box finds the text
/// in the other script.
pub fn name_keys(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    each_name_key(text, |k| {
        if seen.insert(k.clone()) {
            out.push(k);
        }
        out.len() < MAX_TOKENS
    });
    out
}

/// How often each of `name_keys` occurs in the text (for ranking).
pub fn name_key_counts(text: &str) -> HashMap<String, u32> {
    let mut counts: HashMap<String, u32> = HashMap::new();
    each_name_key(text, |k| {
        if counts.len() < MAX_TOKENS || counts.contains_key(&k) {
            *counts.entry(k).or_default() += 1;
        }
        true
    });
    counts
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// Calls `f` with the key of every capitalised word occurrence, until it says stop. The case
/// is read before folding (which lowers it); apostrophes stay inside a word, as `fold` has them.
fn each_name_key(text: &str, mut f: impl FnMut(String) -> bool) {
    let text = cap(text, MAX_INPUT_CHARS);
    let mut known: HashMap<String, Option<String>> = HashMap::new();
    let chunks = text.split(|c: char| !(is_word_char(c) || is_apostrophe(c) || is_hyphen(c)));
    for chunk in chunks {
        let parts: Vec<&str> = chunk.split(is_hyphen).filter(|p| p.chars().any(is_word_char)).collect();
        let capital = |p: &&str| p.chars().find(|c| c.is_alphabetic()).is_some_and(char::is_uppercase);
        // Joined only when every part is a word (`W-0031`, a pseudonym, is not a name).
        let lettered = parts.iter().all(|p| p.chars().any(char::is_alphabetic));
        let joined =
            (parts.len() > 1 && lettered && parts.first().is_some_and(capital)).then(|| parts.concat());
        let named = parts.iter().copied().filter(capital).chain(joined.as_deref());
        for word in named {
            // A name recurs in an account: key each spelling once.
            let key = match known.get(word) {
                Some(key) => key.clone(),
                None => {
                    let folded = fold(word);
                    let key =
                        if folded.chars().count() < MIN_TOKEN_CHARS || STOP_WORDS.contains(folded.as_str()) {
                            None
                        } else {
                            name_key_token(&folded)
                        };
                    known.insert(word.to_owned(), key.clone());
                    key
                }
            };
            if let Some(k) = key
                && !f(k)
            {
                return;
            }
        }
    }
}

/// A character that belongs to a word: letters, digits, and combining marks left after NFKC.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}'
            | '\u{2018}'
            | '\u{201B}'
            | '\u{02BC}'
            | '\u{02B9}'
            | '\u{02BB}'
            | '`'
            | '\u{00B4}'
            | '\u{2032}'
            | '\u{FF07}'
    )
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„' | '‟' | '«' | '»' | '〝' | '〞')
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{052F}')
}

fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic()
        || (matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}') && c.is_alphabetic())
}

/// The first `max` characters of `s`.
fn cap(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

/// Maximal runs of word characters: hyphens, apostrophes left over and punctuation separate.
fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty())
}

fn tokens_of_folded(folded: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    each_token(folded, |t, _| {
        if seen.insert(t.clone()) {
            out.push(t);
        }
        out.len() < MAX_TOKENS
    });
    out
}

/// How often each token of `text` occurs (the same tokens as `tokens`, at most
/// `MAX_TOKENS` distinct ones): what search ranks by.
pub fn token_counts(text: &str) -> HashMap<String, u32> {
    let mut counts: HashMap<String, u32> = HashMap::new();
    each_token(&fold(cap(text, MAX_INPUT_CHARS)), |t, _| {
        if counts.len() < MAX_TOKENS || counts.contains_key(&t) {
            *counts.entry(t).or_default() += 1;
        }
        true
    });
    counts
}

/// Calls `f` with every token occurrence of a folded text and the word it came from, in
/// order, until it says stop.
fn each_token(folded: &str, mut f: impl FnMut(String, &str) -> bool) {
    let ru = Stemmer::create(Algorithm::Russian);
    let en = Stemmer::create(Algorithm::English);
    for chunk in folded.split(|c: char| !(is_word_char(c) || c == '-')) {
        let parts: Vec<&str> = chunk.split('-').filter(|p| !p.is_empty()).collect();
        let joined = (parts.len() > 1).then(|| parts.concat());
        for word in parts.iter().copied().chain(joined.as_deref()) {
            if let Some(t) = normalise_word(word, &ru, &en)
                && !f(t, word)
            {
                return;
            }
        }
    }
}

/// One folded word → its token, or `None` if it is too short or a stop word.
fn normalise_word(word: &str, ru: &Stemmer, en: &Stemmer) -> Option<String> {
    let word: String = fix_homoglyphs(word).chars().take(MAX_TOKEN_CHARS).collect();
    if word.chars().count() < MIN_TOKEN_CHARS || STOP_WORDS.contains(word.as_str()) {
        return None;
    }
    let stem = match detect(&word) {
        Lang::Ru => ru.stem(&word).into_owned(),
        Lang::En => en.stem(&word).into_owned(),
        Lang::Uk | Lang::Be => word.chars().take(PREFIX_CHARS).collect(),
        Lang::Unknown => return Some(word),
    };
    // A stemmer may leave a single letter; the whole word is then the better token.
    Some(if stem.chars().count() < MIN_TOKEN_CHARS { word } else { stem })
}

/// Lower-case letters that look alike in Latin and Cyrillic.
const HOMOGLYPHS: &[(char, char)] = &[
    ('a', 'а'),
    ('c', 'с'),
    ('e', 'е'),
    ('i', 'і'),
    ('k', 'к'),
    ('o', 'о'),
    ('p', 'р'),
    ('x', 'х'),
    ('y', 'у'),
];

/// In a word that mixes scripts, rewrite look-alike letters into the script of the majority.
/// OCR and keyboard switching produce `Пeтров` with a Latin e; Ukrainians often type a Latin i
/// for і. Unmixed words are returned untouched.
fn fix_homoglyphs(word: &str) -> std::borrow::Cow<'_, str> {
    let cyrillic = word.chars().filter(|&c| is_cyrillic(c)).count();
    let latin = word.chars().filter(|&c| is_latin(c)).count();
    if cyrillic == 0 || latin == 0 || cyrillic == latin {
        return word.into();
    }
    let to_cyrillic = cyrillic > latin;
    word.chars()
        .map(|c| {
            HOMOGLYPHS
                .iter()
                .find(|(l, k)| if to_cyrillic { *l == c } else { *k == c })
                .map_or(c, |(l, k)| if to_cyrillic { *k } else { *l })
        })
        .collect::<String>()
        .into()
}

// Stop words, written already folded (е for ё, no apostrophes; a test checks). One set for
// all four languages: the lists are disjoint enough, and a language-free check keeps the
// decision a function of the word alone. Left out on purpose: words that are content words in
// another of the languages (Belarusian `ад` "from" is Russian "hell"), English `may` (the month),
// numerals (`три дня`) and `нет`, `никогда`, which answer questions in testimony.
const STOP_RU: &str = "\
    без бы был была были было быть вам вас во вот все всех где да для до его ее ей ему если еще же \
    за здесь из или им их как ко когда кто ли мне мной мы на над нас не него нее ней ни них но ну \
    об он она они оно от по под при про со так там те тем то того тоже только тот тут уже чем что \
    чтобы эта эти это этот ты вы меня себя себе сам уж ведь чтото ктото както гдето когдато изза \
    изпод чтонибудь ктонибудь";
const STOP_UK: &str = "\
    але або аж без би бо був була були було бути вам вас вже ви від він вона вони воно все всі де \
    для до його її їй їм їх за зі із коли лише мене мені ми між на над нам нас не ні них ну по при \
    про під після саме себе та так також там те теж ти тим то тоді той тут тільки хто це цей ці ця \
    чи через що щоб як який яка яке які ще йому";
const STOP_BE: &str = "\
    але без бо быў была былі было быць вам вас вы да дзе для ен есць іх каб калі мне мы мяне на над \
    нам нас не ні па пад паміж пасля перад пра праз пры са сябе так таксама там то толькі тут ты \
    ужо хто ці што як які якая якое якія яго яе яна яно яны яшчэ гэта гэты гэтая гэтыя";
const STOP_EN: &str = "\
    about all also am an and any are as at be been being but by can could did do does for from had \
    has have he her here him his how if in into is it its me my no not of on or our she so than \
    that the their them then there these they this those to us was we were what when where which \
    while who whom will with would you your";

static STOP_WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    [STOP_RU, STOP_UK, STOP_BE, STOP_EN].iter().flat_map(|list| list.split_whitespace()).collect()
});

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        tokens(s)
    }

    /// The single token a word gives.
    fn one(s: &str) -> String {
        let t = tokens(s);
        assert_eq!(t.len(), 1, "{s} gave {t:?}");
        t[0].clone()
    }

    #[test]
    fn russian_inflections_under_snowball() {
        // (word, its Snowball Russian stem): what meets shares a stem, what does not, does not.
        let cases = [
            ("избивали", "избива"),
            ("избивать", "избива"),
            ("избили", "изб"),
            ("избит", "изб"),
            ("избиение", "избиен"),
            ("задержан", "задержа"),
            ("задержали", "задержа"),
            ("задержанный", "задержа"),
            ("задержания", "задержан"),
            ("задержание", "задержан"),
            ("омон", "омон"),
            ("омоновцы", "омоновц"),
            ("омоновец", "омоновец"),
            ("дубинками", "дубинк"),
            ("дубинка", "дубинк"),
            ("дубинкой", "дубинк"),
            ("пытали", "пыта"),
            ("пытки", "пытк"),
            ("пытка", "пытк"),
            ("силовики", "силовик"),
            ("силовиков", "силовик"),
        ];
        for (word, stem) in cases {
            assert_eq!(one(word), stem, "{word}");
        }
    }

    #[test]
    fn english_inflections_under_snowball() {
        let cases = [
            ("beating", "beat"),
            ("beat", "beat"),
            ("beats", "beat"),
            // Irregular participle: Snowball has no lexicon, so `beaten` stays apart.
            ("beaten", "beaten"),
            ("detained", "detain"),
            ("detain", "detain"),
            ("detainees", "detaine"),
            // Derivation, not inflection: `detention` does not meet `detained`.
            ("detention", "detent"),
            ("tortured", "tortur"),
            ("torture", "tortur"),
            ("police's", "polic"),
        ];
        for (word, stem) in cases {
            assert_eq!(one(word), stem, "{word}");
        }
    }

    #[test]
    fn ukrainian_and_belarusian_use_a_prefix() {
        let cases = [
            ("затриманні", Lang::Uk, "затри"),
            ("катування", Lang::Ru, "катуван"),
            ("побиття", Lang::Ru, "побитт"),
            ("їх", Lang::Uk, "їх"),
            ("збіў", Lang::Be, "збіў"),
            ("затрымалі", Lang::Be, "затры"),
            ("затрыманы", Lang::Ru, "затрыма"),
            ("сілавікі", Lang::Uk, "сілав"),
            ("ўсіх", Lang::Be, "ўсіх"),
        ];
        for (word, lang, token) in cases {
            assert_eq!(detect(word), lang, "{word}");
            if STOP_WORDS.contains(word) {
                continue;
            }
            assert_eq!(one(word), token, "{word}");
        }
    }

    #[test]
    fn detect_follows_the_letters() {
        let cases = [
            ("мы", Lang::Ru),
            ("объезд", Lang::Ru),
            ("эти", Lang::Ru),
            ("пришёл", Lang::Ru),
            ("ўзяў", Lang::Be),
            ("білі", Lang::Uk),
            ("быў", Lang::Be),
            ("міліцыя", Lang::Be),
            ("міліція", Lang::Uk),
            ("їжа", Lang::Uk),
            ("ґрати", Lang::Uk),
            ("п'ять", Lang::Uk),
            ("сям'я", Lang::Uk),
            ("beaten", Lang::En),
            ("Lukašenka", Lang::Unknown),
            ("2020", Lang::Unknown),
            ("", Lang::Unknown),
        ];
        for (word, lang) in cases {
            assert_eq!(detect(word), lang, "{word}");
        }
    }

    #[test]
    fn fold_cases() {
        let cases = [
            ("ЕЩЁ", "еще"),
            ("Пришёл", "пришел"),
            ("п’ять пʼять п'ять п`ять п´ять п‘ять", "пять пять пять пять пять пять"),
            ("‘цитата’", "цитата"),
            ("'quoted' words", "quoted words"),
            ("ＯＭＯＮ ３６", "omon 36"),
            ("ﬁle", "file"),
            ("из\u{00AD}би\u{200B}ли", "избили"),
            ("зА\u{0301}мок", "замок"),
            ("Café", "café"),
            ("северо‑запад", "северо-запад"),
            ("  two\n\tlines  ", "two lines"),
            ("ΣΟΦΟΣ", "σοφος"),
            ("", ""),
        ];
        for (text, want) in cases {
            assert_eq!(fold(text), want, "{text:?}");
            assert_eq!(fold(&fold(text)), fold(text), "idempotent on {text:?}");
        }
    }

    #[test]
    fn token_cases() {
        let cases: &[(&str, &[&str])] = &[
            ("ещё", &[]),
            ("Его избили 12 июня 2020 года", &["изб", "12", "июн", "2020", "год"]),
            ("п’ять", &["пят"]),
            ("п'ять", &["пят"]),
            ("пʼять", &["пят"]),
            ("северо-запад", &["север", "запад", "северозапад"]),
            ("кто-то", &[]),
            ("ＯＭＯＮ", &["omon"]),
            ("Пeтров", &["петр"]),
            ("мiлiцiя", &["міліц"]),
            ("били, били и били", &["бил"]),
            ("a I я", &[]),
            ("O'Brien's", &["obrien"]),
        ];
        for (text, want) in cases {
            assert_eq!(toks(text), *want, "{text}");
        }
    }

    #[test]
    fn stop_words_are_folded_and_disjoint_from_content() {
        for w in [STOP_RU, STOP_UK, STOP_BE, STOP_EN].iter().flat_map(|l| l.split_whitespace()) {
            assert_eq!(fold(w), w, "stop word {w} must be written folded");
        }
        assert!(!STOP_WORDS.contains("ад"));
        assert!(!STOP_WORDS.contains("may"));
    }

    #[test]
    fn bounds_hold() {
        let many: String = (0..20_000).map(|n| format!("w{n} ")).collect();
        assert_eq!(tokens(&many).len(), MAX_TOKENS);
        let long = "ж".repeat(500);
        assert_eq!(tokens(&long)[0].chars().count(), MAX_TOKEN_CHARS);
        let huge = "а ".repeat(MAX_INPUT_CHARS);
        assert!(tokens(&huge).is_empty());
    }

    #[test]
    fn queries() {
        let q = query_terms("«били дубинками» ОМОН \"in the van\"").unwrap();
        assert_eq!(q.terms, ["бил", "дубинк", "омон", "van"]);
        assert_eq!(q.phrases, ["били дубинками", "in the van"]);
        assert_eq!(format!("{q:?}"), "Query { terms: 4, keys: 4, phrases: 2 }");

        let q = query_terms("„избили“ unclosed \"half phrase").unwrap();
        assert_eq!(q.phrases, ["избили", "half phrase"]);

        assert_eq!(query_terms(""), Err(QueryError::Empty));
        assert_eq!(query_terms("  «» ?! "), Err(QueryError::Empty));
        assert_eq!(query_terms("и в на не"), Err(QueryError::NothingToSearch));
        assert_eq!(query_terms("\"to be or not to be\""), Err(QueryError::NothingToSearch));
        let wide: String = (0..40).map(|n| format!("w{n} ")).collect();
        assert_eq!(query_terms(&wide), Err(QueryError::TooManyTerms { max_terms: MAX_QUERY_TERMS }));
        let long = "x".repeat(MAX_QUERY_CHARS + 1);
        assert_eq!(query_terms(&long), Err(QueryError::TooLong { max_chars: MAX_QUERY_CHARS }));
    }

    #[test]
    fn query_terms_match_document_tokens() {
        let doc = tokens("Меня задержали 9 августа, избивали дубинками в автозаке.");
        for q in ["задержан", "ИЗБИВАЛИ", "дубинка", "Автозак"] {
            let terms = query_terms(q).unwrap().terms;
            assert!(terms.iter().all(|t| doc.contains(t)), "{q}: {terms:?} not in {doc:?}");
        }
    }

    #[test]
    fn phrases_recheck_on_decrypted_text() {
        let text = "Нас БИЛИ,\nдубинками — долго.";
        assert!(contains_phrase(text, "били дубинками"));
        assert!(contains_phrase(text, "«Били  Дубинками»"));
        assert!(!contains_phrase(text, "били долго"));
        assert!(!contains_phrase(text, ""));
    }

    #[test]
    fn token_counts_count_every_occurrence_of_the_same_tokens() {
        let text = "Избивали, избивали и снова избивали; северо-запад. Beating, beating.";
        let counts = token_counts(text);
        assert_eq!(counts["избива"], 3);
        assert_eq!(counts["beat"], 2);
        assert_eq!(counts["северозапад"], 1);
        let mut keys: Vec<&String> = counts.keys().collect();
        keys.sort();
        let mut distinct = tokens(text);
        distinct.sort();
        assert_eq!(keys, distinct.iter().collect::<Vec<_>>(), "the same tokens as `tokens`");
    }

    #[test]
    fn capitalised_words_of_a_text_give_cross_script_keys() {
        let text = "Его избил майор Сидоренко, потом Petrov-Vodkin и Римский-Корсаков; сидоренко.";
        let keys = name_keys(text);
        // `Его` is a stop word; lower-case words give none, so the second `сидоренко` adds nothing.
        assert_eq!(
            keys,
            ["~sidarenk", "~petrav", "~vadkin", "~petravadkin", "~rimsk", "~karsakav", "~rimskikarsakav"]
        );
        assert_eq!(name_key_counts("Сидоренко и Sidorenko, Sydorenko.")["~sidarenk"], 3);
        assert!(name_keys("всё с маленькой буквы").is_empty());
        assert!(name_keys("W-0031 В 2020").is_empty(), "a pseudonym's letter and numbers give no key");
    }

    #[test]
    fn query_words_carry_their_keys() {
        let q = query_terms("Sidorenko избил 2020").unwrap();
        assert_eq!(q.terms, ["sidorenko", "изб", "2020"]);
        assert_eq!(q.keys, [Some("~sidarenk".to_owned()), Some("~izbil".to_owned()), None]);
        // The key of a query word is the key of the same name in a text, in either script.
        for (word, text) in
            [("Sidorenko", "Сидоренко"), ("Сидоренко", "Sidorenko"), ("Lukashenko", "Лукашэнка")]
        {
            let q = query_terms(word).unwrap();
            assert_eq!(q.keys[0].as_deref(), name_keys(text).first().map(String::as_str), "{word}");
        }
    }

    #[test]
    fn name_part_tokens_are_whole_parts() {
        assert_eq!(name_part_tokens("Сидоренко Виктор Петрович"), ["sidarenk", "viktar", "petraviq"]);
        assert_eq!(name_part_tokens("Viktor Sidorenko"), ["viktar", "sidarenk"]);
        assert!(name_part_tokens("В. П.").is_empty());
    }

    #[test]
    fn name_tokens_are_whole_names() {
        assert_eq!(name_tokens("Лукашенко"), ["lukaxenk", "лукашенко", "lukashenko"]);
        assert_eq!(name_tokens("Иван  ПЕТРОВ"), ["ivan petrav", "иван петров", "ivan petrov"]);
        // Latin input: the romanisation equals the folded name and is not repeated.
        assert_eq!(name_tokens("Lukašenka"), ["lukaxenk", "lukašenka", "lukasenka"]);
        assert_eq!(name_tokens("Petrov"), ["petrav", "petrov"]);
        assert!(name_tokens(" ,. ").is_empty());
        // The cross-script key is shared; the surname alone is a part token, not a whole one.
        assert_eq!(name_tokens("Ціханоўская")[0], name_tokens("Tsikhanouskaya")[0]);
        assert!(!name_tokens("Иван Петров").iter().any(|t| t == "петров" || t == "petrav"));
    }
}
