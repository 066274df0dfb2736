//! The fixed words of the pictures (titles, axis names, legends, notes) in English and
//! Russian. The pages and the evidence-bundle annex call `caption` for the same words, so
//! a table beside a picture says what the picture says. `{n}` stands for a number.

use super::Language;

/// One fixed caption. Every variant has both languages (the match is exhaustive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caption {
    // Shared
    AndMore,
    Withheld,
    Incidents,
    Victims,
    // Chain of command
    CommandTitle,
    CommandCounts,
    Commander,
    ParentMissing,
    NoUnits,
    CommandIncidents,
    Possibly,
    OpenEnd,
    // Timeline
    TimelineTitle,
    ExactDate,
    SpanDate,
    EstimatedDate,
    Detention,
    TestimonyTaken,
    Testimonies,
    Undated,
    NoDatedIncidents,
    Time,
    // Patterns
    PerWeek,
    PerFacility,
    PerActType,
    PerMethod,
    PerUnit,
    PerOther,
    NothingToCount,
    AllWithheld,
    MatrixTitle,
    Method,
    Facility,
    // Map
    MapTitle,
    NoPlaces,
    WithoutCoordinates,
    LandSource,
    Kilometres,
    // Corroboration
    StrengthsTitle,
    Links,
    NoLinks,
    Corroborated,
    SingleSource,
    HearsayOnly,
    Contradicted,
    Unsupported,
}

/// The words of `c` in `language`.
pub fn caption(language: Language, c: Caption) -> &'static str {
    let (en, ru) = words(c);
    match language {
        Language::En => en,
        Language::Ru => ru,
    }
}

fn words(c: Caption) -> (&'static str, &'static str) {
    use Caption::*;
    match c {
        AndMore => ("and {n} more not drawn", "и ещё {n} не показано"),
        Withheld => ("withheld: fewer than {n}", "скрыто: меньше {n}"),
        Incidents => ("incidents", "инциденты"),
        Victims => ("victims", "пострадавшие"),
        CommandTitle => ("Chain of command", "Цепочка командования"),
        CommandCounts => ("incidents (own / with units below)", "инциденты (свои / с нижестоящими)"),
        Commander => ("commander", "командир"),
        ParentMissing => ("parent missing", "вышестоящее подразделение не найдено"),
        NoUnits => ("No units to draw.", "Нет подразделений."),
        CommandIncidents => ("incidents in period: {n}", "инцидентов за период: {n}"),
        Possibly => ("possibly: {n}", "возможно: {n}"),
        OpenEnd => ("…", "…"),
        TimelineTitle => ("Timeline of incidents", "Хронология инцидентов"),
        ExactDate => ("exact date", "точная дата"),
        SpanDate => ("month or year: the whole period", "месяц или год: весь период"),
        EstimatedDate => ("estimated date", "примерная дата"),
        Detention => ("detention", "задержание"),
        TestimonyTaken => ("testimony taken", "показания получены"),
        Testimonies => ("testimonies", "показания"),
        Undated => ("incidents without a date, not drawn: {n}", "инцидентов без даты (не показаны): {n}"),
        NoDatedIncidents => {
            ("No dated incidents in this period.", "Нет датированных инцидентов за этот период.")
        }
        Time => ("time", "время"),
        PerWeek => ("Incidents and victims per week", "Инциденты и пострадавшие по неделям"),
        PerFacility => {
            ("Incidents and victims per facility", "Инциденты и пострадавшие по местам содержания")
        }
        PerActType => ("Incidents and victims per act type", "Инциденты и пострадавшие по видам действий"),
        PerMethod => {
            ("Incidents and victims per torture method", "Инциденты и пострадавшие по методам пыток")
        }
        PerUnit => ("Incidents and victims per unit", "Инциденты и пострадавшие по подразделениям"),
        PerOther => ("Incidents and victims", "Инциденты и пострадавшие"),
        NothingToCount => ("Nothing to count.", "Нечего считать."),
        AllWithheld => ("Every count is withheld: fewer than {n}.", "Все числа скрыты: меньше {n}."),
        MatrixTitle => {
            ("Torture methods by facility (incidents)", "Методы пыток по местам содержания (инциденты)")
        }
        Method => ("method", "метод"),
        Facility => ("facility", "место содержания"),
        MapTitle => ("Places", "Места"),
        NoPlaces => ("No places with coordinates.", "Нет мест с координатами."),
        WithoutCoordinates => {
            ("places without coordinates, not drawn: {n}", "мест без координат (не показаны): {n}")
        }
        LandSource => ("Land: Natural Earth (public domain)", "Суша: Natural Earth (общественное достояние)"),
        Kilometres => ("{n} km", "{n} км"),
        StrengthsTitle => ("Links by strength of support", "Связи по силе подтверждения"),
        Links => ("links", "связи"),
        NoLinks => ("No links.", "Нет связей."),
        Corroborated => ("corroborated", "подтверждено"),
        SingleSource => ("single source", "один источник"),
        HearsayOnly => ("hearsay only", "только со слов других"),
        Contradicted => ("contradicted", "оспорено"),
        Unsupported => ("unsupported", "не подтверждено"),
    }
}

/// The caption naming a strength of support.
pub fn strength(s: crate::analysis::model::Strength) -> Caption {
    use crate::analysis::model::Strength as S;
    match s {
        S::Corroborated => Caption::Corroborated,
        S::SingleSource => Caption::SingleSource,
        S::HearsayOnly => Caption::HearsayOnly,
        S::Contradicted => Caption::Contradicted,
        S::Unsupported => Caption::Unsupported,
    }
}

/// The title of a series along `dimension`.
pub fn series_title(dimension: &str) -> Caption {
    match dimension {
        "week" => Caption::PerWeek,
        "facility" => Caption::PerFacility,
        "act_type" => Caption::PerActType,
        "method" => Caption::PerMethod,
        "unit" => Caption::PerUnit,
        _ => Caption::PerOther,
    }
}

/// Short month names for the time axis.
pub fn month(language: Language, m: u32) -> &'static str {
    const EN: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const RU: [&str; 12] =
        ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"];
    let i = (m.clamp(1, 12) - 1) as usize;
    match language {
        Language::En => EN[i],
        Language::Ru => RU[i],
    }
}
