//! The syntax of the small standard values a corpus carries: BCP 47
//! language tags, ISO 8601 durations, time zones and map review numbers.

/// A well-formed BCP 47 tag (language, optional script, region and
/// variants), in its canonical case; `None` if it is not one.
pub fn bcp47(tag: &str) -> Option<String> {
    let mut parts = tag.trim().split('-');
    let lang = parts.next()?;
    if !((2..=3).contains(&lang.len()) || (5..=8).contains(&lang.len()))
        || !lang.bytes().all(|b| b.is_ascii_alphabetic())
    {
        return None;
    }
    let mut out = vec![lang.to_ascii_lowercase()];
    let mut stage = 0; // 0: script next, 1: region next, 2: variants
    for p in parts {
        let alpha = p.bytes().all(|b| b.is_ascii_alphabetic());
        let digits = p.bytes().all(|b| b.is_ascii_digit());
        if stage == 0 && p.len() == 4 && alpha {
            let mut s = p.to_ascii_lowercase();
            s[..1].make_ascii_uppercase();
            out.push(s);
            stage = 1;
        } else if stage <= 1 && ((p.len() == 2 && alpha) || (p.len() == 3 && digits)) {
            out.push(p.to_ascii_uppercase());
            stage = 2;
        } else if ((5..=8).contains(&p.len()) || (p.len() == 4 && p.as_bytes()[0].is_ascii_digit()))
            && p.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            out.push(p.to_ascii_lowercase());
            stage = 2;
        } else {
            return None;
        }
    }
    Some(out.join("-"))
}

/// The primary language subtag of a tag: `zh` for `zh-Hans-CN`.
pub fn primary_language(tag: &str) -> String {
    tag.split('-').next().unwrap_or_default().to_ascii_lowercase()
}

/// Seconds in an ISO 8601 duration (`P1DT2H`, `PT5M`, `PT0.5S`); months and
/// years count as 30 and 365 days.
pub fn iso_duration_seconds(s: &str) -> Option<f64> {
    let rest = s.strip_prefix('P').or_else(|| s.strip_prefix('p'))?;
    let (date, time) = match rest.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let mut total = 0.0;
    let mut parts = 0;
    let mut eat = |text: &str, units: &[(char, f64)]| -> Option<()> {
        let mut number = String::new();
        let mut next_unit = 0;
        for c in text.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
                continue;
            }
            let pos = units.iter().position(|(u, _)| *u == c.to_ascii_uppercase())?;
            if pos < next_unit || number.is_empty() {
                return None;
            }
            total += number.parse::<f64>().ok()? * units[pos].1;
            parts += 1;
            number.clear();
            next_unit = pos + 1;
        }
        number.is_empty().then_some(())
    };
    eat(date, &[('Y', 365.0 * 86400.0), ('M', 30.0 * 86400.0), ('W', 7.0 * 86400.0), ('D', 86400.0)])?;
    if let Some(t) = time {
        if t.is_empty() {
            return None;
        }
        eat(t, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)])?;
    }
    (parts > 0).then_some(total)
}

const TZ_AREAS: &[&str] = &[
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
    "Etc",
];

/// An IANA zone name (`Asia/Shanghai`), `UTC`, or a UTC offset (`+08:00`).
pub fn is_time_zone(z: &str) -> bool {
    if z == "UTC" {
        return true;
    }
    if let Some(offset) = z.strip_prefix('+').or_else(|| z.strip_prefix('-')) {
        let b = offset.as_bytes();
        return b.len() == 5
            && b[2] == b':'
            && offset[..2].parse::<u8>().is_ok_and(|h| h <= 14)
            && offset[3..].parse::<u8>().is_ok_and(|m| m < 60);
    }
    let mut parts = z.split('/');
    let area = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    TZ_AREAS.contains(&area)
        && !rest.is_empty()
        && rest.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c)))
}

/// A map review number: `GS（2024）1234号`, `GS京（2022）1061号`, `沪S（2025）036号`
/// (full- or half-width brackets).
pub fn is_review_number(r: &str) -> bool {
    let s = r.replace('（', "(").replace('）', ")");
    let Some((prefix, rest)) = s.split_once('(') else { return false };
    let Some((year, serial)) = rest.split_once(')') else { return false };
    let han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    let chars: Vec<char> = prefix.chars().collect();
    let prefix_ok = match chars.as_slice() {
        ['G', 'S'] => true,
        ['G', 'S', c] => han(*c),
        [c, 'S'] => han(*c),
        _ => false,
    };
    let serial = serial.strip_suffix('号').unwrap_or("");
    prefix_ok
        && year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && (1..=6).contains(&serial.len())
        && serial.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        assert_eq!(bcp47("zh-cn").as_deref(), Some("zh-CN"));
        assert_eq!(bcp47("zh-hans-cn").as_deref(), Some("zh-Hans-CN"));
        assert_eq!(bcp47("en").as_deref(), Some("en"));
        assert_eq!(bcp47("es-419").as_deref(), Some("es-419"));
        for bad in ["zh_CN", "chinese!", "", "z", "zh-", "zh-CN-CN"] {
            assert!(bcp47(bad).is_none(), "{bad}");
        }
        assert_eq!(primary_language("zh-Hans-CN"), "zh");
    }

    #[test]
    fn durations_time_zones_and_review_numbers() {
        assert_eq!(iso_duration_seconds("PT1H"), Some(3600.0));
        assert_eq!(iso_duration_seconds("P1DT30M"), Some(86400.0 + 1800.0));
        assert_eq!(iso_duration_seconds("PT0.5S"), Some(0.5));
        for bad in ["P", "PT", "1H", "PT1X", "PTH", "PT1M1H"] {
            assert!(iso_duration_seconds(bad).is_none(), "{bad}");
        }
        for ok in ["Asia/Shanghai", "UTC", "+08:00", "America/Argentina/Buenos_Aires", "Etc/GMT-8"] {
            assert!(is_time_zone(ok), "{ok}");
        }
        for bad in ["Shanghai", "+8", "Mars/Base", "+25:00"] {
            assert!(!is_time_zone(bad), "{bad}");
        }
        for ok in ["沪S（2025）036号", "GS(2024)1234号", "GS京（2022）1061号"] {
            assert!(is_review_number(ok), "{ok}");
        }
        for bad in ["审图号待定", "GS2024-1234", "沪S（25）036号", "沪S（2025）号"] {
            assert!(!is_review_number(bad), "{bad}");
        }
    }
}
