//! Pure data shared by every module: distribution filenames and wheel
//! compatibility tags, hashes, and core metadata.
//!
//! Nothing here does I/O.

pub mod filename;
pub mod hash;
pub mod metadata;
pub mod redact;

pub use filename::{DistFilename, SdistFilename, WheelFilename};
pub use hash::Sha256Hex;
pub use pep440_rs::{Version, VersionSpecifiers};
pub use pep508_rs::{ExtraName, MarkerTree, PackageName, Requirement};
pub use redact::{redact_text, redact_url};

/// Why [`parse_requirement`] failed.
#[derive(Debug, Clone)]
pub struct RequirementError {
    /// The parser's message alone.
    pub message: String,
    /// The message with the input and a caret under the problem.
    pub display: String,
}

/// Where text stops being UTF-8: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utf8Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// Decode a file's bytes as UTF-8, or say where the first invalid byte is
/// (`std`'s error gives no position at all, and a lossy decode would move
/// every later position).
///
/// # Errors
/// The line and column of the first byte that is not UTF-8.
pub fn decode_utf8(bytes: Vec<u8>) -> Result<String, Utf8Position> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // The prefix is valid UTF-8 by definition.
        let text = std::str::from_utf8(valid).unwrap_or_default();
        let line = text.matches('\n').count() + 1;
        let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Utf8Position { line, column }
    })
}

/// The deepest nesting of parentheses accepted in a PEP 508 requirement or
/// marker. Real markers nest a few levels; `pep508_rs` parses nesting by
/// recursion, so thousands of levels (from a hostile index or file) would
/// overflow the stack and abort the process.
pub const MAX_MARKER_NESTING: usize = 100;

/// How deep the parentheses of `text` nest, outside quoted strings (PEP 508
/// marker values are quoted with `'` or `"`).
pub fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut max, mut quote) = (0usize, 0usize, None);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => {
                depth += 1;
                max = max.max(depth);
            }
            (None, ')') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Refuse text whose parentheses nest deeper than [`MAX_MARKER_NESTING`],
/// before it reaches the recursive PEP 508 parser.
///
/// # Errors
/// A message saying how deep it nests.
pub fn check_nesting(text: &str) -> Result<(), String> {
    let depth = nesting_depth(text);
    if depth > MAX_MARKER_NESTING {
        return Err(format!(
            "parentheses nest {depth} levels deep (at most {MAX_MARKER_NESTING} are accepted)"
        ));
    }
    Ok(())
}

/// `text` cut to at most `max` characters, with `...` when cut: for messages
/// that quote untrusted input (a requirement may be megabytes long).
pub fn shorten(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &text[..i]).into(),
        None => text.into(),
    }
}

/// Parse a PEP 508 marker expression, refusing deep nesting first
/// ([`check_nesting`]).
///
/// # Errors
/// The nesting or parse error, as a message.
pub fn parse_marker(text: &str) -> Result<MarkerTree, String> {
    use std::str::FromStr;
    check_nesting(text)?;
    MarkerTree::from_str(text).map_err(|e| e.to_string())
}

/// Parse a PEP 508 requirement without ever panicking.
///
/// Deep nesting is refused before parsing ([`check_nesting`]): it would
/// overflow the stack.
///
/// `pep508_rs` 0.9 panics (a string slice off a char boundary while building
/// its error) on some non-ASCII marker values, e.g.
/// `x; python_version >= '\u{800}'`, and on names such as `fl.`; found by
/// `tests/hostile.rs` fuzzing. Requirements come from untrusted index
/// metadata, so they are parsed under `catch_unwind` with the panic message
/// silenced, and a panic becomes an ordinary error.
///
/// # Errors
/// When the text is not a valid requirement.
pub fn parse_requirement(text: &str) -> Result<Requirement, RequirementError> {
    use std::str::FromStr;
    if let Err(message) = check_nesting(text) {
        return Err(RequirementError {
            display: format!("not a valid PEP 508 requirement: {message}"),
            message,
        });
    }
    let parse = || {
        Requirement::from_str(text).map_err(|e| RequirementError {
            message: e.message.to_string(),
            display: e.to_string(),
        })
    };
    // ASCII input panics too: a name like `fl.` passes pep508_rs's parser
    // but not its own `PackageName` check (`tests/hostile.rs` fuzzing).
    quiet_catch_unwind(parse).unwrap_or_else(|| {
        Err(RequirementError {
            message: "not a valid PEP 508 requirement (text the parser cannot handle)".to_string(),
            display: format!(
                "not a valid PEP 508 requirement: `{}`",
                shorten(&text.escape_default().to_string(), 200)
            ),
        })
    })
}

thread_local! {
    static QUIET_PANICS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f`, turning a panic into `None` without printing the panic message
/// (only on this thread; other threads' panics still print).
fn quiet_catch_unwind<T>(f: impl FnOnce() -> T) -> Option<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET_PANICS.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET_PANICS.with(|q| q.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET_PANICS.with(|q| q.set(false));
    result.ok()
}

#[cfg(test)]
mod tests {
    use super::Requirement;

    #[test]
    fn non_ascii_marker_values_do_not_panic() {
        // The shrunk input the fuzzer found (the raw parser panics on it).
        let bad = "x; python_version >= ''\u{800}\u{10000}\u{ad4f8}' and extra == 'web'";
        assert!(std::panic::catch_unwind(|| {
            let _ = <Requirement as std::str::FromStr>::from_str(bad);
        })
        .is_err());
        assert!(super::parse_requirement(bad).is_err());
        assert!(super::parse_requirement("x; python_version >= '3.9'").is_ok());
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        assert_eq!(super::nesting_depth("x; (a == '(((') and (b == \")\")"), 1);
        assert_eq!(super::nesting_depth("x; ((python_version >= '3'))"), 2);
        let deep = format!(
            "x; {}python_version >= '3'{}",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        let err = super::parse_requirement(&deep).unwrap_err();
        assert!(err.message.contains("5000 levels"), "{}", err.message);
        assert!(super::parse_marker(&deep[3..]).is_err());
        let fine = format!(
            "x; {}python_version >= '3'{}",
            "(".repeat(100),
            ")".repeat(100)
        );
        assert!(super::parse_requirement(&fine).is_ok());
        assert_eq!(super::shorten("abcdef", 3), "abc...");
        assert_eq!(super::shorten("abc", 3), "abc");
    }

    #[test]
    fn names_the_parser_panics_on_are_errors() {
        assert!(super::parse_requirement("fl.").is_err());
        assert!(super::parse_requirement("f.; python_version >= '3'").is_err());
    }
}
