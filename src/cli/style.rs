//! Colours for stderr: `error:`, `hint:`, `warning:` and the `+`/`-`/`~`
//! change lines. Text carries ANSI codes; printing through `anstream`
//! strips them unless `--color always`, or `auto` with stderr a terminal
//! and no `NO_COLOR`.

use crate::ops::report::ChangeKind;
use anstyle::{AnsiColor, Style};

/// `error:` (red, bold).
pub const ERROR: Style = AnsiColor::Red.on_default().bold();
/// `hint:` (cyan).
pub const HINT: Style = AnsiColor::Cyan.on_default();
/// `warning:` (yellow, bold).
pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
/// `+` lines (green).
pub const ADDED: Style = AnsiColor::Green.on_default();
/// `-` lines (red).
pub const REMOVED: Style = AnsiColor::Red.on_default();
/// `~` lines (yellow).
pub const UPDATED: Style = AnsiColor::Yellow.on_default();

/// `text` wrapped in `style`.
pub fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// A change line (`+ flask 3.0.0`), coloured by its kind.
pub fn change(kind: ChangeKind, text: &str) -> String {
    let style = match kind {
        ChangeKind::Added => ADDED,
        ChangeKind::Removed => REMOVED,
        ChangeKind::Updated => UPDATED,
    };
    paint(style, text)
}

/// A status line with its `warning:` / `error:` / `hint:` prefix coloured.
pub fn line(text: &str) -> String {
    for (prefix, style) in [("warning:", WARNING), ("error:", ERROR), ("hint:", HINT)] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return format!("{}{rest}", paint(style, prefix));
        }
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_changes_are_wrapped() {
        let w = line("warning: careful");
        assert!(w.starts_with('\u{1b}') && w.ends_with(" careful"), "{w:?}");
        assert_eq!(line("plain"), "plain");
        let c = change(ChangeKind::Added, "+ a 1");
        assert!(c.contains("+ a 1") && c.starts_with('\u{1b}'), "{c:?}");
    }
}
