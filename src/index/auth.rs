//! Credentials for private indexes: HTTP basic auth (RFC 7617) from
//! `ENVY_INDEX_<NAME>_USERNAME` / `ENVY_INDEX_<NAME>_PASSWORD`, from a
//! `.netrc` file (the format of GNU inetutils `ftp`/curl: `machine`,
//! `login`, `password`, `default`), or from `user:password@` in the URL.
//!
//! Credentials are attached to requests by origin (scheme, host, port), so an
//! index's pages and its file downloads on the same host both get them, and
//! they never need to be part of a URL that is shown, cached or locked.

use std::fmt;
use std::path::PathBuf;
use url::Url;

/// A username and optional password for HTTP basic auth.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password, if any.
    pub password: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the password, not even in debug logs.
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "****"))
            .finish()
    }
}

/// The environment-variable stem of an index name: upper-cased, every
/// non-alphanumeric character replaced by `_` (`my-index` -> `MY_INDEX`).
pub fn env_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The two variables read for index `name`:
/// `ENVY_INDEX_<NAME>_USERNAME` and `ENVY_INDEX_<NAME>_PASSWORD`.
pub fn env_vars(name: &str) -> (String, String) {
    let stem = env_stem(name);
    (
        format!("ENVY_INDEX_{stem}_USERNAME"),
        format!("ENVY_INDEX_{stem}_PASSWORD"),
    )
}

/// Credentials for a named index from its environment variables.
pub fn from_env(name: &str) -> Option<Credentials> {
    let (user_var, pass_var) = env_vars(name);
    let username = std::env::var(user_var).ok().filter(|s| !s.is_empty());
    let password = std::env::var(pass_var).ok();
    match (username, password) {
        (Some(username), password) => Some(Credentials { username, password }),
        // A token-style index: password only (pip/uv use `__token__`-less
        // basic auth with an empty user for these).
        (None, Some(password)) if !password.is_empty() => Some(Credentials {
            username: String::new(),
            password: Some(password),
        }),
        _ => None,
    }
}

/// Credentials from `user:password@` in `url` (percent-decoded).
pub fn from_url(url: &Url) -> Option<Credentials> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| s.to_string())
    };
    Some(Credentials {
        username: decode(url.username()),
        password: url.password().map(decode),
    })
}

/// The netrc file to read: `$NETRC` when set, else `~/.netrc`.
pub fn netrc_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NETRC").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    dirs::home_dir().map(|h| h.join(".netrc"))
}

/// One `machine` (or `default`) entry of a netrc file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetrcEntry {
    /// The host, or `None` for `default`.
    pub machine: Option<String>,
    /// `login`.
    pub login: Option<String>,
    /// `password`.
    pub password: Option<String>,
}

/// Parse netrc text: whitespace-separated tokens, `#` comments, `macdef`
/// bodies (up to a blank line) skipped. Never fails: unknown tokens are
/// ignored, like curl does.
pub fn parse_netrc(text: &str) -> Vec<NetrcEntry> {
    let mut entries: Vec<NetrcEntry> = Vec::new();
    let mut lines = text.lines();
    let mut tokens: Vec<String> = Vec::new();
    // Tokenize line by line so that `macdef` bodies can be skipped.
    while let Some(line) = lines.next() {
        let line = line.trim_start();
        if line.starts_with('#') {
            continue;
        }
        for w in line.split_whitespace() {
            if w.starts_with('#') {
                break;
            }
            if w == "macdef" {
                // Skip the macro body: until the next empty line.
                for body in lines.by_ref() {
                    if body.trim().is_empty() {
                        break;
                    }
                }
                break;
            }
            tokens.push(w.to_string());
        }
    }
    let mut it = tokens.into_iter();
    while let Some(t) = it.next() {
        match t.as_str() {
            "machine" => entries.push(NetrcEntry {
                machine: it.next(),
                ..Default::default()
            }),
            "default" => entries.push(NetrcEntry::default()),
            "login" => {
                let v = it.next();
                if let Some(e) = entries.last_mut() {
                    e.login = v;
                }
            }
            "password" => {
                let v = it.next();
                if let Some(e) = entries.last_mut() {
                    e.password = v;
                }
            }
            "account" => {
                it.next();
            }
            _ => {}
        }
    }
    entries
}

/// Credentials for `host` from the netrc file ([`netrc_path`]): the first
/// `machine` entry for the host, else `default`.
pub fn from_netrc(host: &str) -> Option<Credentials> {
    let path = netrc_path()?;
    let text = fs_err::read_to_string(&path).ok()?;
    lookup_netrc(&parse_netrc(&text), host)
}

/// The entry for `host` in parsed netrc entries, else the `default` entry.
pub fn lookup_netrc(entries: &[NetrcEntry], host: &str) -> Option<Credentials> {
    let entry = entries
        .iter()
        .find(|e| {
            e.machine
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(host))
        })
        .or_else(|| entries.iter().find(|e| e.machine.is_none()))?;
    Some(Credentials {
        username: entry.login.clone().unwrap_or_default(),
        password: entry.password.clone(),
    })
}

/// The origin (`scheme://host:port`) of a URL, used to match requests to an
/// index's credentials.
pub fn origin(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or_default().to_ascii_lowercase(),
        url.port_or_known_default().unwrap_or(0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netrc_machine_and_default() {
        let text = "# comment\nmachine a.example login alice password s3cret\n\
                    macdef init\ncd /pub\n\nmachine b.example\n  login bob\n  password pw\ndefault login anon password x\n";
        let e = parse_netrc(text);
        assert_eq!(e.len(), 3);
        let a = lookup_netrc(&e, "A.example").unwrap();
        assert_eq!(a.username, "alice");
        assert_eq!(a.password.as_deref(), Some("s3cret"));
        assert_eq!(lookup_netrc(&e, "b.example").unwrap().username, "bob");
        assert_eq!(lookup_netrc(&e, "other").unwrap().username, "anon");
    }

    #[test]
    fn env_names() {
        assert_eq!(env_vars("my-index.v2").0, "ENVY_INDEX_MY_INDEX_V2_USERNAME");
    }

    #[test]
    fn url_userinfo_is_decoded() {
        let u = Url::parse("https://us%40r:p%3Ass@h.example/simple").unwrap();
        let c = from_url(&u).unwrap();
        assert_eq!(c.username, "us@r");
        assert_eq!(c.password.as_deref(), Some("p:ss"));
        assert!(!format!("{c:?}").contains("p:ss"));
    }
}
