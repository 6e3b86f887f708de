//! The two ways the site writes times: RFC 3339 for machines, a short date for readers.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// RFC 3339 in UTC, e.g. `2026-11-26T18:00:00Z` (for `<time datetime>`, feeds, JSON-LD).
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00Z"))
}

/// A reader-facing date, e.g. `26 November 2026, 18:00 UTC`.
pub fn human(t: OffsetDateTime) -> String {
    let fmt = format_description!("[day padding:none] [month repr:long] [year], [hour]:[minute] UTC");
    t.to_offset(time::UtcOffset::UTC).format(&fmt).unwrap_or_else(|_| rfc3339(t))
}

/// Parses RFC 3339 (front matter, stored items).
pub fn parse_rfc3339(s: &str) -> Result<OffsetDateTime, time::error::Parse> {
    OffsetDateTime::parse(s, &Rfc3339)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        let t = parse_rfc3339("2026-11-26T19:05:00+01:00").unwrap();
        assert_eq!(rfc3339(t), "2026-11-26T18:05:00Z");
        assert_eq!(human(t), "26 November 2026, 18:05 UTC");
        assert!(parse_rfc3339("yesterday").is_err());
    }
}
