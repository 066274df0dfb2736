//! Search over encrypted testimonies (in progress): the normaliser that turns text and
//! names into tokens — folded, stop words dropped, stemmed for Russian and English,
//! prefix-cut for Ukrainian and Belarusian — and the cross-script name keys. The blind
//! index over these tokens and the query API are not built yet (issue 5).

pub mod normalize;
pub mod translit;
