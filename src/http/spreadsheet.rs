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

/// The cell as a spreadsheet will show it and never evaluate it.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_START) { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
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
        for bad in ["=1+2", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(\"http://x\")"] {
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
