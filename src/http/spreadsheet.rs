//! Text cells for documents that people open in a spreadsheet program
//! (CSV exports): a cell a spreadsheet would read as a formula is
//! neutralised as OWASP's "CSV Injection" guidance describes — a cell
//! beginning with `=`, `+`, `-`, `@`, tab or carriage return gets a leading
//! single quote, and every field of the document is quoted (with inner
//! double quotes doubled). Every CSV the service writes from stored text
//! goes through [`csv_writer`] and [`neutralise`]. (Hosted data files are
//! served byte for byte and are not exports; XLSX exports write such cells
//! as strings, which never evaluate.)

use std::borrow::Cow;

/// The first characters a spreadsheet takes as the start of a formula.
pub const FORMULA_START: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// The cell as a spreadsheet will show it and never evaluate it. Leading
/// white space and invisible format characters (zero-width space, BOM, word
/// joiner, soft hyphen, direction marks) are looked through, since some
/// programs drop them before they parse.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let first = cell.trim_start_matches(|c: char| c.is_whitespace() || is_invisible(c)).chars().next();
    if cell.starts_with(FORMULA_START) || first.is_some_and(|c| FORMULA_START.contains(&c)) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// A CSV writer that quotes every field.
pub fn csv_writer<W: std::io::Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Always).from_writer(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised_and_the_rest_kept() {
        for bad in [
            "=1+2",
            "+1",
            "-1+1",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "=HYPERLINK(\"http://x\")",
            "\u{FEFF}=1+2",
            "\u{200B}=1+2",
            " \u{3000}=1",
            "\u{00AD}@SUM(A1)",
        ] {
            assert_eq!(neutralise(bad), format!("'{bad}"));
        }
        for good in ["学校名录", "a=b", "", "'already", "1-2"] {
            assert_eq!(neutralise(good), good);
        }
        let mut w = csv_writer(Vec::new());
        w.write_record([neutralise("=1+2").as_ref(), "a\"b"]).unwrap();
        assert_eq!(String::from_utf8(w.into_inner().unwrap()).unwrap(), "\"'=1+2\",\"a\"\"b\"\n");
    }
}
