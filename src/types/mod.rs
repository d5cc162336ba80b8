//! Pure data shared by every module: distribution filenames and wheel
//! compatibility tags, hashes, and core metadata.
//!
//! Nothing here does I/O.

pub mod filename;
pub mod hash;
pub mod metadata;

pub use filename::{DistFilename, SdistFilename, WheelFilename};
pub use hash::Sha256Hex;
pub use pep440_rs::{Version, VersionSpecifiers};
pub use pep508_rs::{ExtraName, MarkerTree, PackageName, Requirement};

/// Why [`parse_requirement`] failed.
#[derive(Debug, Clone)]
pub struct RequirementError {
    /// The parser's message alone.
    pub message: String,
    /// The message with the input and a caret under the problem.
    pub display: String,
}

/// Parse a PEP 508 requirement without ever panicking.
///
/// `pep508_rs` 0.9 panics (a string slice off a char boundary while building
/// its error) on some non-ASCII marker values, e.g.
/// `x; python_version >= '\u{800}'`; found by `tests/hostile.rs` fuzzing.
/// Requirements come from untrusted index metadata, so non-ASCII input is
/// parsed under `catch_unwind` with the panic message silenced, and a panic
/// becomes an ordinary error.
///
/// # Errors
/// When the text is not a valid requirement.
pub fn parse_requirement(text: &str) -> Result<Requirement, RequirementError> {
    use std::str::FromStr;
    let parse = || {
        Requirement::from_str(text).map_err(|e| RequirementError {
            message: e.message.to_string(),
            display: e.to_string(),
        })
    };
    if text.is_ascii() {
        return parse();
    }
    quiet_catch_unwind(parse).unwrap_or_else(|| {
        Err(RequirementError {
            message: "not a valid PEP 508 requirement (non-ASCII text the parser cannot handle)"
                .to_string(),
            display: format!(
                "not a valid PEP 508 requirement: `{}`",
                text.escape_default()
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
}
