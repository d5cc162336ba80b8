//! Credentials for private indexes: HTTP basic auth (RFC 7617) from
//! `ENVY_INDEX_<NAME>_USERNAME` / `ENVY_INDEX_<NAME>_PASSWORD`, from a
//! `.netrc` file (the format of GNU inetutils `ftp`/curl: `machine`,
//! `login`, `password`, `default`), or from `user:password@` in the URL.
//!
//! Credentials are attached to every request by where it goes ([`for_request`]):
//! userinfo in the URL itself, else the configured index whose URL is the
//! longest prefix of it, else an index on the same origin (scheme, host,
//! port), else the netrc entry for the URL's host. So an index's pages, its
//! `.metadata` files and its distribution files all get them, also when `sync`
//! downloads from URLs recorded in `envy.lock` with no index configured, and
//! they never need to be part of a URL that is shown, cached or locked.
//! Nothing here prints or formats a secret: [`Credentials`]' `Debug` hides the
//! password and [`CredentialSource`] names only where credentials came from.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
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
    from_netrc_with_source(host).map(|f| f.credentials)
}

/// The netrc file's entries, read once per process (again if `NETRC`
/// changes); a missing or unreadable file is remembered as empty.
fn netrc_entries() -> Option<(PathBuf, Arc<Vec<NetrcEntry>>)> {
    type Cached = Option<(PathBuf, Arc<Vec<NetrcEntry>>)>;
    static CACHE: Mutex<Cached> = Mutex::new(None);
    let path = netrc_path()?;
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((p, entries)) = cache.as_ref() {
        if *p == path {
            return Some((path, entries.clone()));
        }
    }
    let text = fs_err::read_to_string(&path).unwrap_or_default();
    let entries = Arc::new(parse_netrc(&text));
    *cache = Some((path.clone(), entries.clone()));
    Some((path, entries))
}

/// [`from_netrc`], saying which entry of which file matched.
pub fn from_netrc_with_source(host: &str) -> Option<Found> {
    let (path, entries) = netrc_entries()?;
    let credentials = lookup_netrc(&entries, host)?;
    let machine = entries
        .iter()
        .find(|e| {
            e.machine
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(host))
        })
        .and_then(|e| e.machine.clone());
    Some(Found {
        credentials,
        source: CredentialSource::Netrc { path, machine },
    })
}

/// Where a set of credentials came from, for messages; never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// `ENVY_INDEX_<NAME>_USERNAME` / `_PASSWORD` of the index named here.
    Env(String),
    /// `user:password@` in the index URL or the requested URL.
    Url,
    /// An entry of the netrc file `path`: `machine` (`None` for `default`).
    Netrc {
        /// The netrc file.
        path: PathBuf,
        /// The `machine` of the entry, `None` for the `default` entry.
        machine: Option<String>,
    },
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => {
                let (u, p) = env_vars(name);
                write!(f, "`{u}` and `{p}`")
            }
            Self::Url => write!(f, "the URL's `user:password@`"),
            Self::Netrc {
                path,
                machine: Some(m),
            } => write!(f, "the `machine {m}` entry of {}", path.display()),
            Self::Netrc {
                path,
                machine: None,
            } => write!(f, "the `default` entry of {}", path.display()),
        }
    }
}

/// Credentials and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The credentials.
    pub credentials: Credentials,
    /// Where they came from.
    pub source: CredentialSource,
}

/// The credentials of a configured index: its environment variables (named
/// indexes only), else `user:password@` in its URL, else the netrc entry for
/// its host.
pub fn for_index(name: Option<&str>, url: Option<&Url>) -> Option<Found> {
    if let Some(c) = name.and_then(from_env) {
        return Some(Found {
            credentials: c,
            source: CredentialSource::Env(name.unwrap_or_default().to_string()),
        });
    }
    if let Some(c) = url.and_then(from_url) {
        return Some(Found {
            credentials: c,
            source: CredentialSource::Url,
        });
    }
    url.and_then(Url::host_str).and_then(from_netrc_with_source)
}

/// Whether `prefix` (an index URL, without userinfo) covers `url`: same
/// origin, and `url`'s path is `prefix`'s path or below it (`/simple` covers
/// `/simple/` and `/simple/a/`, not `/simplex/`). `None` when it does not;
/// else the length of `prefix`'s path, to pick the longest.
pub fn prefix_len(prefix: &str, url: &Url) -> Option<usize> {
    let p = Url::parse(prefix).ok()?;
    if origin(&p) != origin(url) {
        return None;
    }
    let base = p.path().trim_end_matches('/');
    let path = url.path();
    let rest = path.strip_prefix(base)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(base.len())
}

/// What [`for_request`] decided for one request.
#[derive(Debug, Clone, Default)]
pub struct RequestAuth {
    /// The credentials to send, if any.
    pub found: Option<Found>,
    /// The configured index the URL belongs to: the one whose URL is the
    /// longest prefix of it, else the first on its origin.
    pub index: Option<usize>,
    /// Whether the URL is under that index's URL (a page of the index) rather
    /// than merely on its host (a file the index links to).
    pub under_index: bool,
}

/// The credentials for a request to `url`, given the configured indexes as
/// `(url without userinfo, their credentials)` in order: userinfo in `url`
/// itself, else those of the index whose URL is the longest prefix of `url`,
/// else those of the first index with credentials on `url`'s origin, else the
/// netrc entry for `url`'s host (which covers file URLs recorded in a lock
/// whose index is not configured now).
pub fn for_request<'a>(
    url: &Url,
    indexes: impl IntoIterator<Item = (&'a str, Option<&'a Found>)>,
) -> RequestAuth {
    let indexes: Vec<(&str, Option<&Found>)> = indexes.into_iter().collect();
    let url_origin = origin(url);
    let longest = |with_credentials: bool| {
        indexes
            .iter()
            .enumerate()
            .filter(|(_, (_, f))| !with_credentials || f.is_some())
            .filter_map(|(k, (u, _))| prefix_len(u, url).map(|len| (k, len)))
            // the longest prefix; the first configured among equals
            .min_by_key(|&(k, len)| (std::cmp::Reverse(len), k))
            .map(|(k, _)| k)
    };
    let same_origin = |with_credentials: bool| {
        indexes.iter().position(|(u, f)| {
            (!with_credentials || f.is_some())
                && Url::parse(u).is_ok_and(|p| origin(&p) == url_origin)
        })
    };
    let under = longest(false);
    let index = under.or_else(|| same_origin(false));
    let found = from_url(url)
        .map(|credentials| Found {
            credentials,
            source: CredentialSource::Url,
        })
        .or_else(|| {
            longest(true)
                .or_else(|| same_origin(true))
                .and_then(|k| indexes[k].1.cloned())
        })
        .or_else(|| url.host_str().and_then(from_netrc_with_source));
    RequestAuth {
        found,
        index,
        under_index: under.is_some(),
    }
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

/// The message of a 401/403 for `url` (redacted): "the index ..." only when
/// `url` is one of the index's pages (`under_index`), never for a file; with
/// where the refused credentials came from when some were `sent`.
pub fn message(
    index: Option<&str>,
    url: &str,
    status: u16,
    under_index: bool,
    sent: Option<&CredentialSource>,
) -> String {
    let (who, at) = match (under_index, index) {
        (true, Some(name)) => (format!("the index `{name}`"), format!(" for `{url}`")),
        (true, None) => (format!("the index at `{url}`"), String::new()),
        (false, _) => (format!("`{url}`"), String::new()),
    };
    match sent {
        Some(source) => format!("{who} refused the credentials from {source}{at} (HTTP {status})"),
        None => format!("{who} requires credentials{at} (HTTP {status})"),
    }
}

/// What to do about a 401/403 for `url`: where envy looks for credentials
/// when it had none to send (the named index's variables, a netrc line for
/// the host), or which credentials to fix when they were refused; it never
/// suggests adding a netrc line that was just used.
pub fn hint(index: Option<&str>, url: &str, sent: Option<&CredentialSource>) -> String {
    let host = Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "HOST".to_string());
    let netrc = netrc_path()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "~/.netrc".to_string());
    match (sent, index) {
        (Some(CredentialSource::Env(name)), _) => {
            let (u, p) = env_vars(name);
            format!("check the values of `{u}` and `{p}`")
        }
        (Some(CredentialSource::Url), _) => {
            "check the user name and password in the index URL (percent-encode `@`, `:` and `/` in them)".to_string()
        }
        (Some(CredentialSource::Netrc { path, machine }), Some(name)) => {
            let (u, p) = env_vars(name);
            let entry = machine.as_deref().map_or("default".to_string(), |m| format!("machine {m}"));
            format!("check the login and password of the `{entry}` entry in {}, or set `{u}` and `{p}`", path.display())
        }
        (Some(CredentialSource::Netrc { path, machine }), None) => {
            let entry = machine.as_deref().map_or("default".to_string(), |m| format!("machine {m}"));
            format!("check the login and password of the `{entry}` entry in {}", path.display())
        }
        (None, Some(name)) => {
            let (u, p) = env_vars(name);
            format!("set `{u}` and `{p}`, or add `machine {host} login USER password PASSWORD` to {netrc} (or the file named by `NETRC`)")
        }
        (None, None) => format!("add `machine {host} login USER password PASSWORD` to {netrc} (or the file named by `NETRC`), or name the index under `[[tool.envy.index]]` and set `ENVY_INDEX_<NAME>_USERNAME` and `ENVY_INDEX_<NAME>_PASSWORD`"),
    }
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

    fn found(user: &str) -> Found {
        Found {
            credentials: Credentials {
                username: user.into(),
                password: Some("pw".into()),
            },
            source: CredentialSource::Env(user.into()),
        }
    }

    #[test]
    fn prefixes_match_by_path_segment() {
        let u = Url::parse("https://h.example/simple/pkg/").unwrap();
        assert_eq!(prefix_len("https://h.example/simple", &u), Some(7));
        assert_eq!(prefix_len("https://h.example/simple/", &u), Some(7));
        assert_eq!(prefix_len("https://h.example/", &u), Some(0));
        assert_eq!(prefix_len("https://h.example/sim", &u), None);
        assert_eq!(prefix_len("http://h.example/simple", &u), None);
        assert_eq!(prefix_len("https://h.example:8443/simple", &u), None);
    }

    #[test]
    fn longest_prefix_then_origin() {
        let (a, b) = (found("a"), found("b"));
        let indexes = [
            ("https://h.example/simple/", Some(&a)),
            ("https://h.example/private/simple/", Some(&b)),
            ("https://other.example/simple/", None),
        ];
        let pick = |url: &str| for_request(&Url::parse(url).unwrap(), indexes);
        let r = pick("https://h.example/private/simple/pkg/");
        assert_eq!(r.found.unwrap().credentials.username, "b");
        assert_eq!((r.index, r.under_index), (Some(1), true));
        let r = pick("https://h.example/simple/pkg/");
        assert_eq!(r.found.unwrap().credentials.username, "a");
        assert_eq!((r.index, r.under_index), (Some(0), true));
        // a file on the same host, under neither index: the first on the origin
        let r = pick("https://h.example/files/pkg-1.0-py3-none-any.whl");
        assert_eq!(r.found.unwrap().credentials.username, "a");
        assert_eq!((r.index, r.under_index), (Some(0), false));
        // userinfo in the URL itself wins
        let r = pick("https://u:p@h.example/simple/pkg/");
        let f = r.found.unwrap();
        assert_eq!(
            (f.credentials.username.as_str(), f.source),
            ("u", CredentialSource::Url)
        );
        // an index without credentials is still the one the URL belongs to
        let r = pick("https://other.example/simple/pkg/");
        assert_eq!((r.index, r.under_index), (Some(2), true));
    }

    #[test]
    fn messages_name_the_url_and_the_source_never_the_secret() {
        let netrc = CredentialSource::Netrc {
            path: PathBuf::from("/home/me/.netrc"),
            machine: Some("h.example".into()),
        };
        let file = "https://h.example/files/a-1.0-py3-none-any.whl";
        assert_eq!(
            message(Some("corp"), file, 401, false, None),
            format!("`{file}` requires credentials (HTTP 401)")
        );
        assert_eq!(
            message(Some("corp"), file, 403, false, Some(&netrc)),
            format!("`{file}` refused the credentials from the `machine h.example` entry of /home/me/.netrc (HTTP 403)")
        );
        let page = "https://h.example/simple/a/";
        assert_eq!(
            message(Some("corp"), page, 401, true, None),
            format!("the index `corp` requires credentials for `{page}` (HTTP 401)")
        );
        let h = hint(None, file, Some(&netrc));
        assert!(!h.contains("add `machine"), "{h}");
        assert!(
            h.contains("`machine h.example` entry in /home/me/.netrc"),
            "{h}"
        );
        assert!(hint(None, file, None).contains("add `machine h.example login USER"));
    }
}
