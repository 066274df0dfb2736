//! The languages an interview can be held in, as the testimony form offers them: every
//! ISO 639-1 language (and a few ISO 639-3 ones spoken where the work happens) in a
//! searchable list labelled in the reader's language, while any ISO 639-1 or 639-3 code
//! typed is accepted. What is stored is the code (639-1 where one exists), never the
//! label, so stored records read the same in every interface language.
//!
//! English names and autonyms come from `isolang` (the SIL ISO 639-3 table); Russian
//! names are ours, in the table below.

use isolang::Language;

use super::i18n::Lang;

/// Codes offered in the list, with their Russian names. All of ISO 639-1, then ISO
/// 639-3 languages without a two-letter code that documenters in the region meet.
const RU: &[(&str, &str)] = &[
    ("aa", "Афарский"),
    ("ab", "Абхазский"),
    ("ae", "Авестийский"),
    ("af", "Африкаанс"),
    ("ak", "Акан"),
    ("am", "Амхарский"),
    ("an", "Арагонский"),
    ("ar", "Арабский"),
    ("as", "Ассамский"),
    ("av", "Аварский"),
    ("ay", "Аймара"),
    ("az", "Азербайджанский"),
    ("ba", "Башкирский"),
    ("be", "Белорусский"),
    ("bg", "Болгарский"),
    ("bi", "Бислама"),
    ("bm", "Бамбара"),
    ("bn", "Бенгальский"),
    ("bo", "Тибетский"),
    ("br", "Бретонский"),
    ("bs", "Боснийский"),
    ("ca", "Каталанский"),
    ("ce", "Чеченский"),
    ("ch", "Чаморро"),
    ("co", "Корсиканский"),
    ("cr", "Кри"),
    ("cs", "Чешский"),
    ("cu", "Церковнославянский"),
    ("cv", "Чувашский"),
    ("cy", "Валлийский"),
    ("da", "Датский"),
    ("de", "Немецкий"),
    ("dv", "Мальдивский"),
    ("dz", "Дзонг-кэ"),
    ("ee", "Эве"),
    ("el", "Греческий"),
    ("en", "Английский"),
    ("eo", "Эсперанто"),
    ("es", "Испанский"),
    ("et", "Эстонский"),
    ("eu", "Баскский"),
    ("fa", "Персидский"),
    ("ff", "Фула"),
    ("fi", "Финский"),
    ("fj", "Фиджийский"),
    ("fo", "Фарерский"),
    ("fr", "Французский"),
    ("fy", "Западнофризский"),
    ("ga", "Ирландский"),
    ("gd", "Шотландский гэльский"),
    ("gl", "Галисийский"),
    ("gn", "Гуарани"),
    ("gu", "Гуджарати"),
    ("gv", "Мэнский"),
    ("ha", "Хауса"),
    ("he", "Иврит"),
    ("hi", "Хинди"),
    ("ho", "Хири-моту"),
    ("hr", "Хорватский"),
    ("ht", "Гаитянский креольский"),
    ("hu", "Венгерский"),
    ("hy", "Армянский"),
    ("hz", "Гереро"),
    ("ia", "Интерлингва"),
    ("id", "Индонезийский"),
    ("ie", "Интерлингве"),
    ("ig", "Игбо"),
    ("ii", "Носу (сычуаньский и)"),
    ("ik", "Инупиак"),
    ("io", "Идо"),
    ("is", "Исландский"),
    ("it", "Итальянский"),
    ("iu", "Инуктитут"),
    ("ja", "Японский"),
    ("jv", "Яванский"),
    ("ka", "Грузинский"),
    ("kg", "Конго"),
    ("ki", "Кикуйю"),
    ("kj", "Кваньяма"),
    ("kk", "Казахский"),
    ("kl", "Гренландский"),
    ("km", "Кхмерский"),
    ("kn", "Каннада"),
    ("ko", "Корейский"),
    ("kr", "Канури"),
    ("ks", "Кашмири"),
    ("ku", "Курдский"),
    ("kv", "Коми"),
    ("kw", "Корнский"),
    ("ky", "Киргизский"),
    ("la", "Латинский"),
    ("lb", "Люксембургский"),
    ("lg", "Ганда"),
    ("li", "Лимбургский"),
    ("ln", "Лингала"),
    ("lo", "Лаосский"),
    ("lt", "Литовский"),
    ("lu", "Луба-катанга"),
    ("lv", "Латышский"),
    ("mg", "Малагасийский"),
    ("mh", "Маршалльский"),
    ("mi", "Маори"),
    ("mk", "Македонский"),
    ("ml", "Малаялам"),
    ("mn", "Монгольский"),
    ("mr", "Маратхи"),
    ("ms", "Малайский"),
    ("mt", "Мальтийский"),
    ("my", "Бирманский"),
    ("na", "Науру"),
    ("nb", "Норвежский букмол"),
    ("nd", "Северный ндебеле"),
    ("ne", "Непальский"),
    ("ng", "Ндонга"),
    ("nl", "Нидерландский"),
    ("nn", "Норвежский нюнорск"),
    ("no", "Норвежский"),
    ("nr", "Южный ндебеле"),
    ("nv", "Навахо"),
    ("ny", "Ньянджа"),
    ("oc", "Окситанский"),
    ("oj", "Оджибве"),
    ("om", "Оромо"),
    ("or", "Ория"),
    ("os", "Осетинский"),
    ("pa", "Панджаби"),
    ("pi", "Пали"),
    ("pl", "Польский"),
    ("ps", "Пушту"),
    ("pt", "Португальский"),
    ("qu", "Кечуа"),
    ("rm", "Романшский"),
    ("rn", "Рунди"),
    ("ro", "Румынский"),
    ("ru", "Русский"),
    ("rw", "Киньяруанда"),
    ("sa", "Санскрит"),
    ("sc", "Сардинский"),
    ("sd", "Синдхи"),
    ("se", "Северносаамский"),
    ("sg", "Санго"),
    ("sh", "Сербохорватский"),
    ("si", "Сингальский"),
    ("sk", "Словацкий"),
    ("sl", "Словенский"),
    ("sm", "Самоанский"),
    ("sn", "Шона"),
    ("so", "Сомали"),
    ("sq", "Албанский"),
    ("sr", "Сербский"),
    ("ss", "Свази"),
    ("st", "Южный сото"),
    ("su", "Сунданский"),
    ("sv", "Шведский"),
    ("sw", "Суахили"),
    ("ta", "Тамильский"),
    ("te", "Телугу"),
    ("tg", "Таджикский"),
    ("th", "Тайский"),
    ("ti", "Тигринья"),
    ("tk", "Туркменский"),
    ("tl", "Тагальский"),
    ("tn", "Тсвана"),
    ("to", "Тонганский"),
    ("tr", "Турецкий"),
    ("ts", "Тсонга"),
    ("tt", "Татарский"),
    ("tw", "Тви"),
    ("ty", "Таитянский"),
    ("ug", "Уйгурский"),
    ("uk", "Украинский"),
    ("ur", "Урду"),
    ("uz", "Узбекский"),
    ("ve", "Венда"),
    ("vi", "Вьетнамский"),
    ("vo", "Волапюк"),
    ("wa", "Валлонский"),
    ("wo", "Волоф"),
    ("xh", "Коса"),
    ("yi", "Идиш"),
    ("yo", "Йоруба"),
    ("za", "Чжуанский"),
    ("zh", "Китайский"),
    ("zu", "Зулу"),
    ("ady", "Адыгейский"),
    ("bua", "Бурятский"),
    ("crh", "Крымскотатарский"),
    ("kbd", "Кабардино-черкесский"),
    ("krc", "Карачаево-балкарский"),
    ("lez", "Лезгинский"),
    ("rom", "Цыганский"),
    ("rue", "Русинский"),
    ("sah", "Якутский"),
    ("tyv", "Тувинский"),
    ("udm", "Удмуртский"),
];

fn language(code: &str) -> Option<Language> {
    match code.len() {
        2 => Language::from_639_1(code),
        3 => Language::from_639_3(code),
        _ => None,
    }
}

/// The name of a language in the reader's language; the code itself for a code that is
/// not ISO 639 (old records are shown as they were stored).
pub fn name(lang: Lang, code: &str) -> String {
    if lang == Lang::Ru
        && let Some((_, ru)) = RU.iter().find(|(c, _)| *c == code)
    {
        return (*ru).to_owned();
    }
    language(code).map(|l| l.to_name().to_owned()).unwrap_or_else(|| code.to_owned())
}

/// What the list shows and what a chosen entry puts in the field: `Russian (ru)`.
pub fn entry(lang: Lang, code: &str) -> String {
    format!("{} ({code})", name(lang, code))
}

/// The list offered to the reader, sorted by name in their language: (entry, autonym).
pub fn offered(lang: Lang) -> Vec<(String, Option<&'static str>)> {
    let mut all: Vec<(String, Option<&'static str>)> =
        RU.iter().map(|(code, _)| (entry(lang, code), language(code).and_then(|l| l.to_autonym()))).collect();
    all.sort_by_key(|(e, _)| e.to_lowercase());
    all
}

/// The code meant by what was typed or chosen: an entry from the list (`Russian (ru)`),
/// a bare code (`ru`, `rus`, `crh`), or a name in English, Russian or the language
/// itself. Three-letter codes with a two-letter equivalent become the two-letter code,
/// as stored records have them. `None` when it names no ISO 639 language.
pub fn parse(typed: &str) -> Option<String> {
    let t = typed.trim();
    let inner = t
        .strip_suffix(')')
        .and_then(|rest| rest.rsplit_once('('))
        .map(|(_, code)| code.trim())
        .unwrap_or(t)
        .to_lowercase();
    let found = language(&inner).or_else(|| {
        let lower = t.to_lowercase();
        RU.iter().find_map(|(code, ru)| {
            let l = language(code)?;
            let matches = ru.to_lowercase() == lower
                || l.to_name().to_lowercase() == lower
                || l.to_autonym().is_some_and(|a| a.to_lowercase() == lower);
            matches.then_some(l)
        })
    })?;
    Some(found.to_639_1().unwrap_or(found.to_639_3()).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offered_code_is_iso_639_and_named_in_both_languages() {
        for (code, ru) in RU {
            let l = language(code).unwrap_or_else(|| panic!("{code} is not ISO 639"));
            assert!(!ru.is_empty() && !l.to_name().is_empty(), "{code}");
            if code.len() == 3 {
                assert!(l.to_639_1().is_none(), "{code} has a two-letter code: offer that");
            }
        }
        assert_eq!(RU.iter().filter(|(c, _)| c.len() == 2).count(), 184, "all of ISO 639-1");
    }

    #[test]
    fn typed_languages_resolve_to_stored_codes() {
        assert_eq!(parse("Russian (ru)").as_deref(), Some("ru"));
        assert_eq!(parse("Белорусский (be)").as_deref(), Some("be"));
        assert_eq!(parse("ru").as_deref(), Some("ru"));
        assert_eq!(parse(" rus ").as_deref(), Some("ru"), "639-3 with a 639-1 code");
        assert_eq!(parse("crh").as_deref(), Some("crh"));
        assert_eq!(parse("Crimean Tatar (crh)").as_deref(), Some("crh"));
        assert_eq!(parse("украинский").as_deref(), Some("uk"));
        assert_eq!(parse("English").as_deref(), Some("en"));
        assert_eq!(parse("Klingonish"), None);
        assert_eq!(parse("xq"), None);
        assert_eq!(parse("(zz)"), None);
    }

    #[test]
    fn names_follow_the_reader() {
        assert_eq!(name(Lang::En, "uk"), "Ukrainian");
        assert_eq!(name(Lang::Ru, "uk"), "Украинский");
        assert_eq!(name(Lang::Ru, "gsw"), "Swiss German", "no Russian name: the English one");
        assert_eq!(name(Lang::En, "zz"), "zz", "old odd codes are shown as stored");
        assert_eq!(offered(Lang::En).len(), RU.len());
    }
}
