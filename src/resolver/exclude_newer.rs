//! `--exclude-newer`: ignore files uploaded at or after a cutoff (PEP 700
//! `upload-time`), in uv's three forms.

use jiff::{civil::Date, tz::TimeZone, Span, Timestamp, ToSpan};
use std::str::FromStr;

/// A cutoff for `--exclude-newer`, parsed from one of uv's forms:
///
/// - an RFC 3339 timestamp, `2025-01-31T12:00:00Z` (files uploaded before it
///   count);
/// - a date, `2025-01-31`: the whole day counts (the cutoff is the next
///   midnight, UTC, so a lock is the same on every machine);
/// - a duration before now, `7 days`, `2 weeks`, `P1M` (ISO 8601 or jiff's
///   friendly form); the lock records the duration, so re-locking later with
///   the same duration is not a change of options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcludeNewer {
    /// Files uploaded at or after this instant are ignored.
    pub cutoff: Timestamp,
    /// The duration as given, when the cutoff is relative to now.
    pub span: Option<String>,
}

impl ExcludeNewer {
    /// Parse `text` (see the type's forms), relative to `now` for durations.
    ///
    /// # Errors
    /// A message naming the three accepted forms.
    pub fn parse(text: &str, now: Timestamp) -> Result<Self, String> {
        let text = text.trim();
        if let Ok(cutoff) = Timestamp::from_str(text) {
            return Ok(Self { cutoff, span: None });
        }
        if let Ok(date) = Date::from_str(text) {
            let next = date
                .checked_add(1.day())
                .and_then(|d| d.to_zoned(TimeZone::UTC))
                .map_err(|e| format!("`{text}` is out of range: {e}"))?;
            return Ok(Self {
                cutoff: next.timestamp(),
                span: None,
            });
        }
        if let Ok(span) = Span::from_str(text) {
            let span = span.abs();
            let cutoff = now
                .to_zoned(TimeZone::UTC)
                .checked_sub(span)
                .map_err(|e| format!("`{text}` is out of range: {e}"))?
                .timestamp();
            return Ok(Self {
                cutoff,
                span: Some(text.to_string()),
            });
        }
        Err(format!(
            "`{text}` is not a time: give an RFC 3339 timestamp (`2025-01-31T12:00:00Z`), a date (`2025-01-31`) or a duration (`7 days`)"
        ))
    }

    /// [`ExcludeNewer::parse`] relative to the current time.
    ///
    /// # Errors
    /// As [`ExcludeNewer::parse`].
    pub fn parse_now(text: &str) -> Result<Self, String> {
        Self::parse(text, Timestamp::now())
    }

    /// Whether a file uploaded at `upload_time` (PEP 700, RFC 3339) counts.
    /// A file without an upload time, or with one that does not parse, does
    /// not: nothing shows it was published before the cutoff (as in uv).
    pub fn admits(&self, upload_time: Option<&str>) -> bool {
        upload_time
            .and_then(|t| Timestamp::from_str(t).ok())
            .is_some_and(|t| t < self.cutoff)
    }

    /// The cutoff as recorded in the lock, RFC 3339 in UTC.
    pub fn cutoff_text(&self) -> String {
        self.cutoff.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::from_str("2026-11-27T12:00:00Z").unwrap()
    }

    #[test]
    fn the_three_forms() {
        let t = ExcludeNewer::parse("2025-01-31T12:00:00Z", now()).unwrap();
        assert_eq!(t.cutoff_text(), "2025-01-31T12:00:00Z");
        assert_eq!(t.span, None);
        let t = ExcludeNewer::parse("2025-01-31T13:00:00+01:00", now()).unwrap();
        assert_eq!(t.cutoff_text(), "2025-01-31T12:00:00Z");
        let d = ExcludeNewer::parse("2025-01-31", now()).unwrap();
        assert_eq!(d.cutoff_text(), "2025-02-01T00:00:00Z");
        let s = ExcludeNewer::parse("7 days", now()).unwrap();
        assert_eq!(s.cutoff_text(), "2026-11-20T12:00:00Z");
        assert_eq!(s.span.as_deref(), Some("7 days"));
        let w = ExcludeNewer::parse("P2W", now()).unwrap();
        assert_eq!(w.cutoff_text(), "2026-11-13T12:00:00Z");
        let err = ExcludeNewer::parse("yesterday-ish", now()).unwrap_err();
        assert!(err.contains("RFC 3339"), "{err}");
    }

    #[test]
    fn upload_times_compare_as_times_not_strings() {
        let cut = ExcludeNewer::parse("2025-01-31", now()).unwrap();
        // The whole day counts, whatever the spelling of the offset.
        assert!(cut.admits(Some("2025-01-31T23:59:59Z")));
        assert!(cut.admits(Some("2025-01-31T23:59:59.999999Z")));
        assert!(cut.admits(Some("2025-02-01T00:30:00+01:00")));
        assert!(!cut.admits(Some("2025-02-01T00:00:00Z")));
        // As strings, this sorts before the cutoff; as a time it is after it.
        assert!(!cut.admits(Some("2025-01-31T20:00:00-05:00")));
        assert!(!cut.admits(None));
        assert!(!cut.admits(Some("not a time")));
    }
}
