//! Language names and codes as datasets write them (`Japanese`, `Mandarin Chinese`, `ja`, `jpn`,
//! `zh-TW`) -> one ISO 639 code, so that items filter and group by language whatever the
//! spelling.
//!
//! The ISO 639 table (codes and English reference names) is the `isolang` crate's. On top of it
//! sit two small, deliberate steps the crate has no data for:
//!
//! - [`COMMON_NAMES`]: English names in everyday use that ISO 639-3 spells otherwise
//!   (`Mandarin` is ISO's `Mandarin Chinese`, `Farsi` its `Persian`);
//! - [`MACROLANGUAGES`]: ISO 639-3 macrolanguage membership for the individual languages a
//!   benchmark names that have no ISO 639-1 code of their own (`cmn` Mandarin Chinese is a member
//!   of `zh` Chinese), so that Mandarin groups with Chinese.
//!
//! The result is the ISO 639-1 code when the language (or its macrolanguage) has one, else its
//! ISO 639-3 code (`fil` Filipino).

use isolang::Language;
use std::collections::HashMap;
use std::sync::OnceLock;

/// English names in common use -> the ISO 639-3 code of the language ISO names otherwise.
const COMMON_NAMES: &[(&str, &str)] = &[
    ("mandarin", "cmn"),
    ("cantonese", "yue"),
    ("farsi", "fas"),
    ("greek", "ell"),
    ("punjabi", "pan"),
    ("pashto", "pus"),
];

/// ISO 639-1 macrolanguage -> ISO 639-3 codes of some of its member languages (the ones that have
/// no ISO 639-1 code; taken from ISO 639-3's macrolanguage mappings).
const MACROLANGUAGES: &[(&str, &[&str])] = &[
    (
        "zh",
        &["cmn", "yue", "wuu", "hak", "nan", "hsn", "gan", "cjy", "cdo", "cpx", "czh", "czo", "mnp", "lzh"],
    ),
    (
        "ar",
        &[
            "arb", "arz", "apc", "ajp", "acm", "acq", "acw", "acx", "acy", "adf", "aeb", "aec", "afb", "apd",
            "arq", "ars", "ary", "ayh", "ayl", "ayn", "ayp", "shu", "ssh",
        ],
    ),
    ("fa", &["pes", "prs"]),
    ("ms", &["zsm"]),
    ("sw", &["swh", "swc"]),
    ("ne", &["npi"]),
    ("uz", &["uzn", "uzs"]),
    ("mn", &["khk", "mvf"]),
    ("ps", &["pbt", "pbu", "pst"]),
    ("ku", &["ckb", "kmr", "sdh"]),
    ("az", &["azj", "azb"]),
    ("no", &["nob", "nno"]),
    ("lv", &["lvs", "ltg"]),
    ("et", &["ekk", "vro"]),
    ("sq", &["als", "aln"]),
];

/// Lower-case English name -> language. Where ISO gives one name to several languages
/// (`Swahili` the macrolanguage and the individual language), the one with an ISO 639-1 code
/// wins. Names with a qualifier (`Malay (macrolanguage)`) are also found without it.
fn names() -> &'static HashMap<String, Language> {
    static NAMES: OnceLock<HashMap<String, Language>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut map: HashMap<String, Language> = HashMap::new();
        let mut add = |name: String, lang: Language| match map.get(&name) {
            Some(old) if old.to_639_1().is_some() || lang.to_639_1().is_none() => {}
            _ => {
                map.insert(name, lang);
            }
        };
        for lang in isolang::languages() {
            let name = lang.to_name().to_lowercase();
            if let Some((bare, _)) = name.split_once(" (") {
                add(bare.to_string(), lang);
            }
            add(name, lang);
        }
        map
    })
}

/// The code stored for a language: its ISO 639-1 code, its macrolanguage's, or its 639-3 code.
fn code_of(lang: Language) -> &'static str {
    if let Some(code) = lang.to_639_1() {
        return code;
    }
    let three = lang.to_639_3();
    MACROLANGUAGES
        .iter()
        .find(|(_, members)| members.contains(&three))
        .map(|(macro_code, _)| *macro_code)
        .unwrap_or(three)
}

/// A language code as written: ISO 639-1 or 639-3, alone or as the first part of a locale
/// (`zh-TW`, `pt_BR`).
fn from_code(value: &str) -> Option<Language> {
    let primary = value.split(['-', '_']).next().unwrap_or(value).to_ascii_lowercase();
    match primary.len() {
        2 => Language::from_639_1(&primary),
        3 => Language::from_639_3(&primary),
        _ => None,
    }
}

/// The ISO 639 code for a language name or code (any case; a trailing qualifier such as
/// `Chinese (Simplified)` is ignored when the full name is not ISO's), or `None` when the value
/// names no language.
pub fn iso_code(value: &str) -> Option<&'static str> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let lower = value.to_lowercase();
    let by_name = |name: &str| {
        names().get(name).copied().or_else(|| {
            let three = COMMON_NAMES.iter().find(|(n, _)| *n == name)?.1;
            Language::from_639_3(three)
        })
    };
    let lang = by_name(&lower)
        .or_else(|| {
            let bare = lower.split_once('(').map(|(b, _)| b.trim())?;
            by_name(bare)
        })
        .or_else(|| from_code(value))?;
    Some(code_of(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_the_release_and_common_spellings() {
        for (name, code) in [
            ("Japanese", "ja"),
            ("japanese", "ja"),
            ("Mandarin", "zh"),
            ("Mandarin Chinese", "zh"),
            ("MANDARIN CHINESE", "zh"),
            ("Chinese", "zh"),
            ("Chinese (Simplified)", "zh"),
            ("Cantonese", "zh"),
            ("Yue Chinese", "zh"),
            ("Standard Arabic", "ar"),
            ("Egyptian Arabic", "ar"),
            ("Farsi", "fa"),
            ("Persian", "fa"),
            ("Greek", "el"),
            ("Modern Greek", "el"),
            ("Punjabi", "pa"),
            ("Pashto", "ps"),
            ("Swahili", "sw"),
            ("Malay", "ms"),
            ("Nepali", "ne"),
            ("Hausa", "ha"),
            ("  Korean ", "ko"),
            ("Filipino", "fil"),
        ] {
            assert_eq!(iso_code(name), Some(code), "{name}");
        }
    }

    #[test]
    fn codes_and_locales() {
        for (value, code) in [
            ("ja", "ja"),
            ("JA", "ja"),
            ("jpn", "ja"),
            ("cmn", "zh"),
            ("zh-TW", "zh"),
            ("pt_BR", "pt"),
            ("fil", "fil"),
        ] {
            assert_eq!(iso_code(value), Some(code), "{value}");
        }
    }

    #[test]
    fn values_that_are_no_language() {
        for value in ["", "  ", "The most used language in Nigeria is Hausa.", "xx", "qqq-ZZ", "Elvish"] {
            assert_eq!(iso_code(value), None, "{value:?}");
        }
    }

    #[test]
    fn every_name_the_old_hand_list_knew_keeps_its_code() {
        // The names an earlier version mapped by hand; Filipino now gets its own ISO code.
        for (name, code) in [
            ("amharic", "am"),
            ("arabic", "ar"),
            ("bengali", "bn"),
            ("burmese", "my"),
            ("czech", "cs"),
            ("danish", "da"),
            ("dutch", "nl"),
            ("english", "en"),
            ("finnish", "fi"),
            ("french", "fr"),
            ("german", "de"),
            ("gujarati", "gu"),
            ("hebrew", "he"),
            ("hindi", "hi"),
            ("hungarian", "hu"),
            ("igbo", "ig"),
            ("indonesian", "id"),
            ("italian", "it"),
            ("kazakh", "kk"),
            ("khmer", "km"),
            ("lao", "lo"),
            ("marathi", "mr"),
            ("mongolian", "mn"),
            ("norwegian", "no"),
            ("polish", "pl"),
            ("portuguese", "pt"),
            ("romanian", "ro"),
            ("russian", "ru"),
            ("sinhala", "si"),
            ("somali", "so"),
            ("spanish", "es"),
            ("swedish", "sv"),
            ("tagalog", "tl"),
            ("tamil", "ta"),
            ("telugu", "te"),
            ("thai", "th"),
            ("turkish", "tr"),
            ("ukrainian", "uk"),
            ("urdu", "ur"),
            ("uzbek", "uz"),
            ("vietnamese", "vi"),
            ("yoruba", "yo"),
            ("zulu", "zu"),
        ] {
            assert_eq!(iso_code(name), Some(code), "{name}");
        }
    }
}
