//! HTTP `Range: bytes=…` (RFC 9110 §14) for a single range.

/// What a Range header asks of a file of `size` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeRequest {
    /// No usable range: send the whole file.
    Whole,
    /// Bytes `start..end` (end exclusive).
    Part { start: u64, end: u64 },
    /// The range lies outside the file: 416.
    Unsatisfiable,
}

/// Parses a single byte range. Multiple ranges and malformed headers are
/// ignored (the whole file is sent), as RFC 9110 allows.
pub fn parse(header: Option<&str>, size: u64) -> RangeRequest {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Whole;
    };
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    match (first.is_empty(), last.is_empty()) {
        // bytes=-N: the last N bytes.
        (true, false) => match last.parse::<u64>() {
            Ok(n) if n > 0 && size > 0 => RangeRequest::Part { start: size.saturating_sub(n), end: size },
            Ok(_) => RangeRequest::Unsatisfiable,
            Err(_) => RangeRequest::Whole,
        },
        // bytes=A- : from A to the end.
        (false, true) => match first.parse::<u64>() {
            Ok(a) if a < size => RangeRequest::Part { start: a, end: size },
            Ok(_) => RangeRequest::Unsatisfiable,
            Err(_) => RangeRequest::Whole,
        },
        // bytes=A-B
        (false, false) => match (first.parse::<u64>(), last.parse::<u64>()) {
            (Ok(a), Ok(b)) if a <= b => {
                if a >= size {
                    RangeRequest::Unsatisfiable
                } else {
                    RangeRequest::Part { start: a, end: b.saturating_add(1).min(size) }
                }
            }
            _ => RangeRequest::Whole,
        },
        (true, true) => RangeRequest::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RangeRequest::*;

    #[test]
    fn single_ranges() {
        assert_eq!(parse(None, 100), Whole);
        assert_eq!(parse(Some("bytes=0-9"), 100), Part { start: 0, end: 10 });
        assert_eq!(parse(Some("bytes=90-"), 100), Part { start: 90, end: 100 });
        assert_eq!(parse(Some("bytes=-10"), 100), Part { start: 90, end: 100 });
        assert_eq!(parse(Some("bytes=-1000"), 100), Part { start: 0, end: 100 });
        assert_eq!(parse(Some("bytes=50-1000"), 100), Part { start: 50, end: 100 });
        assert_eq!(parse(Some("bytes=100-"), 100), Unsatisfiable);
        assert_eq!(parse(Some("bytes=100-200"), 100), Unsatisfiable);
        assert_eq!(parse(Some("bytes=-0"), 100), Unsatisfiable);
        assert_eq!(parse(Some("bytes=5-1"), 100), Whole);
        assert_eq!(parse(Some("bytes=0-1,5-6"), 100), Whole);
        assert_eq!(parse(Some("items=0-1"), 100), Whole);
        assert_eq!(parse(Some("bytes=x-y"), 100), Whole);
    }
}
