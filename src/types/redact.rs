//! Credentials never reach a message, a log line, the lock or the cache:
//! [`redact_url`] removes the `user:password@` of one URL, [`redact_text`]
//! of every URL inside free text (an error, a warning, a hint, a page body).
//!
//! Both work on text that is not a valid URL too (a typo in the port, an
//! unclosed `[`), which is exactly when a URL parser would give up and the
//! raw text, password included, would be shown.

use std::borrow::Cow;

/// `url` without its userinfo (`user:password@`), for display, the lock and
/// cache keys. A URL that does not parse is redacted as text: everything
/// between `://` and the last `@` of the authority is removed.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Ok(_) => url.to_string(),
        Err(_) => redact_text(url).into_owned(),
    }
}

/// `text` with the userinfo of every `scheme://user:password@host` in it
/// removed. The authority of a URL ends at `/`, `?`, `#`, whitespace, a
/// quote, a backtick or a closing bracket of the surrounding text.
pub fn redact_text(text: &str) -> Cow<'_, str> {
    if !text.contains("://") || !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| {
                matches!(
                    c,
                    '/' | '?' | '#' | '"' | '\'' | '`' | '<' | '>' | ')' | ',' | ';'
                ) || c.is_whitespace()
            })
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => out.push_str(&authority[at + 1..]),
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_userinfo_even_when_they_do_not_parse() {
        assert_eq!(
            redact_url("https://u:p@example.com/simple"),
            "https://example.com/simple"
        );
        assert_eq!(
            redact_url("http://u:p@127.0.0.1:99999/simple"),
            "http://127.0.0.1:99999/simple"
        );
        assert_eq!(redact_url("http://u:p@[::1/simple"), "http://[::1/simple");
        assert_eq!(
            redact_url("https://example.com/a@b"),
            "https://example.com/a@b"
        );
        assert_eq!(
            redact_text("cannot read `http://u:p:q@h:8o/x/`: bad, and 'https://t@h2'"),
            "cannot read `http://h:8o/x/`: bad, and 'https://h2'"
        );
        assert_eq!(
            redact_text("mail me@home, see https://x/y"),
            "mail me@home, see https://x/y"
        );
    }
}
