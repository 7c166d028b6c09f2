//! Look-alike protection for emails and organisation names: normalisation
//! (NFKC and case folding), refusal of invisible and bidirectional control
//! characters, and Unicode TR 39 confusable skeletons, so that `аdmin`
//! (Cyrillic а), `ａｄｍｉｎ` (full width) and `ad\u{200B}min` cannot pass for
//! `admin`.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::error::Validator;

/// Bidirectional formatting characters (Unicode's Bidi_Control property):
/// they reorder what is displayed, e.g. U+202E makes `exe.txt` read `txt.exe`.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that display as nothing (zero-width spaces and joiners, soft
/// hyphen, word joiner, byte-order mark, Hangul fillers, variation selectors,
/// tags…: Unicode's Default_Ignorable_Code_Point), bidi controls, and other
/// control characters.
pub fn is_hidden(c: char) -> bool {
    is_bidi_control(c)
        || c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFF8}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// Adds a field error when `value` holds an invisible or bidi control
/// character; says which, as U+XXXX.
pub fn refuse_hidden(v: &mut Validator, field: &str, value: &str) {
    if let Some(c) = value.chars().find(|c| is_hidden(*c)) {
        let kind = if is_bidi_control(c) { "a bidirectional control character" } else { "an invisible character" };
        v.add(field, format!("contains {kind} (U+{:04X}); remove it", c as u32));
    }
}

/// Adds a field error when `value` holds a bidi control character.
pub fn refuse_bidi(v: &mut Validator, field: &str, value: &str) {
    if let Some(c) = value.chars().find(|c| is_bidi_control(*c)) {
        v.add(field, format!("contains a bidirectional control character (U+{:04X}); remove it", c as u32));
    }
}

/// NFKC, then case folded (lower case), then NFKC again: full-width and
/// compatibility forms become their plain letters, `É` and `E\u{301}` the same.
pub fn fold(s: &str) -> String {
    let lower: String = s.nfkc().collect::<String>().to_lowercase();
    lower.nfkc().collect()
}

/// The TR 39 skeleton of the folded text, without combining marks and white
/// space: two strings with the same skeleton look alike to a reader.
pub fn skeleton(s: &str) -> String {
    let folded = fold(s);
    let skel: String = unicode_security::skeleton(&folded).collect();
    skel.nfd().filter(|c| !is_combining_mark(*c) && !c.is_whitespace() && !is_hidden(*c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_share_a_skeleton() {
        let plain = skeleton("admin@city.gov.cn");
        for alike in [
            "ADMIN@city.gov.cn",
            "ａｄｍｉｎ@city.gov.cn",
            "\u{430}dmin@city.gov.cn",
            "admi\u{301}n@city.gov.cn",
            "adm\u{131}n@city.gov.cn",
        ] {
            assert_eq!(skeleton(alike), plain, "{alike}");
        }
        assert_ne!(skeleton("other@city.gov.cn"), plain);
        assert_eq!(skeleton("上海 智算（集团）有限公司"), skeleton("上海智算(集团)有限公司"));
    }

    #[test]
    fn hidden_characters_are_found() {
        for c in ['\u{200B}', '\u{202E}', '\u{2066}', '\u{FEFF}', '\u{00AD}', '\u{E0041}'] {
            assert!(is_hidden(c), "{:04X}", c as u32);
        }
        assert!(!is_hidden('a') && !is_hidden('中') && !is_hidden(' '));
        assert!(is_bidi_control('\u{202E}') && !is_bidi_control('\u{200B}'));
    }
}
