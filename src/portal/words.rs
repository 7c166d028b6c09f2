//! Codes in the person's words: ISO 8601 durations, language tags, the
//! field names of revisions; and which data text is Chinese, so that an
//! English page can mark it (`lang="zh-CN"`, WCAG 3.1.2).

use super::i18n::Arg;
use super::ui::Ui;
use super::view::label;

/// Whether a text holds Chinese characters (Han ideographs, CJK
/// punctuation, full-width forms).
pub fn has_han(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c,
            '\u{3000}'..='\u{303f}'
            | '\u{3400}'..='\u{4dbf}'
            | '\u{4e00}'..='\u{9fff}'
            | '\u{f900}'..='\u{faff}'
            | '\u{ff00}'..='\u{ffef}'
            | '\u{20000}'..='\u{2ffff}')
    })
}

/// An ISO 8601 duration (`PT1H`, `P1D`, `PT30M`, `P1Y2M`) in words, or the
/// text as given when it is not one.
pub fn duration(ui: &Ui, iso: &str) -> String {
    match parse_duration(iso) {
        Some(parts) if !parts.is_empty() => parts
            .into_iter()
            .map(|(unit, n)| ui.tr.args(&format!("duration-{unit}"), &[("count", Arg::Number(n))]))
            .collect::<Vec<_>>()
            .join(if ui.en() { " " } else { "" }),
        _ => iso.to_string(),
    }
}

/// The parts of a duration, largest first: (`years`, 1), (`hours`, 6), ...
fn parse_duration(iso: &str) -> Option<Vec<(&'static str, i64)>> {
    let rest = iso.trim().strip_prefix(['P', 'p'])?;
    let (date, time) = match rest.split_once(['T', 't']) {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (rest, None),
    };
    let mut parts = Vec::new();
    let mut take = |text: &str, units: &[(char, &'static str)]| -> Option<()> {
        let mut number = String::new();
        let mut next = 0;
        for c in text.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let at = units.iter().skip(next).position(|(u, _)| u.eq_ignore_ascii_case(&c))? + next;
            let n: i64 = number.parse().ok()?;
            number.clear();
            next = at + 1;
            if n > 0 {
                parts.push((units[at].1, n));
            }
        }
        number.is_empty().then_some(())
    };
    take(date, &[('Y', "years"), ('M', "months"), ('W', "weeks"), ('D', "days")])?;
    if let Some(t) = time {
        take(t, &[('H', "hours"), ('M', "minutes"), ('S', "seconds")])?;
    }
    Some(parts)
}

/// A language tag (`zh-CN`, `en`) in words: the tag's own message, else its
/// language's (`language-zh`), else the tag.
pub fn language(ui: &Ui, tag: &str) -> String {
    let full = format!("language-{}", tag.to_ascii_lowercase());
    let primary = format!("language-{}", tag.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase());
    match [full, primary].into_iter().find(|k| ui.tr.has(k)) {
        Some(key) => ui.t(&key),
        None => tag.to_string(),
    }
}

/// The name of a field a revision changed, in words (else the field).
pub fn field(ui: &Ui, name: &str) -> String {
    label(ui, "field", name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_split_into_their_parts() {
        assert_eq!(parse_duration("PT1H"), Some(vec![("hours", 1)]));
        assert_eq!(parse_duration("P1DT30M"), Some(vec![("days", 1), ("minutes", 30)]));
        assert_eq!(parse_duration("P1Y2M"), Some(vec![("years", 1), ("months", 2)]));
        assert_eq!(parse_duration("PT5M"), Some(vec![("minutes", 5)]));
        for bad in ["1H", "PT", "PTH", "P1H", "PT1M1H", "hourly", "P1.5D"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn chinese_text_is_recognised() {
        assert!(has_han("A级旅游景区名录（CSV）"));
        assert!(has_han("人次/日"));
        assert!(has_han("沪S（2025）036号"));
        assert!(!has_han("sh-tourism-a-level-scenic-areas"));
        assert!(!has_han("µg/m³"));
    }
}
