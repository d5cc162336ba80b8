//! Parsers for simple repository pages: PEP 691 JSON and PEP 503 HTML (with the
//! PEP 592 yanked, PEP 658/714 core-metadata and `data-requires-python`
//! attributes).
//!
//! Lenient by design: a file entry that cannot be understood is skipped, not
//! the whole page.

use super::IndexFile;
use crate::types::DistFilename;
use pep440_rs::VersionSpecifiers;
use pep508_rs::PackageName;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::str::FromStr;
use url::Url;

#[derive(Deserialize)]
struct JsonPage<'a> {
    #[serde(borrow)]
    files: Vec<JsonFile<'a>>,
}

/// One file of a PEP 691 page, borrowing from the body where the JSON has no
/// escapes (almost always), so large pages are not copied string by string.
#[derive(Deserialize)]
struct JsonFile<'a> {
    #[serde(borrow)]
    filename: Cow<'a, str>,
    #[serde(borrow)]
    url: Cow<'a, str>,
    #[serde(default, borrow)]
    hashes: JsonHashes<'a>,
    #[serde(rename = "requires-python", default, borrow)]
    requires_python: Option<Cow<'a, str>>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    yanked: Option<serde_json::Value>,
    #[serde(rename = "core-metadata", default)]
    core_metadata: Option<serde_json::Value>,
    #[serde(rename = "dist-info-metadata", default)]
    dist_info_metadata: Option<serde_json::Value>,
    #[serde(rename = "upload-time", default, borrow)]
    upload_time: Option<Cow<'a, str>>,
}

/// The `hashes` object: only sha256 is used.
#[derive(Deserialize, Default)]
struct JsonHashes<'a> {
    #[serde(default, borrow)]
    sha256: Option<Cow<'a, str>>,
}

/// The sha256 of a PEP 658/714 metadata value: `{"sha256": "..."}` in JSON.
fn metadata_hash(v: &Option<serde_json::Value>) -> Option<String> {
    v.as_ref()?
        .get("sha256")?
        .as_str()
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
}

fn truthy(v: &Option<serde_json::Value>) -> bool {
    match v {
        None | Some(serde_json::Value::Null) | Some(serde_json::Value::Bool(false)) => false,
        Some(_) => true,
    }
}

fn yanked_reason(v: &Option<serde_json::Value>) -> Option<String> {
    match v {
        Some(serde_json::Value::Bool(true)) => Some(String::new()),
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

fn requires_python(s: Option<&str>) -> Option<VersionSpecifiers> {
    let s = s?.trim();
    if s.is_empty() {
        return None;
    }
    VersionSpecifiers::from_str(s).ok()
}

/// Split `url#sha256=...` into the URL and its hash fragment.
fn split_fragment(url: &Url) -> (Url, Option<String>) {
    let mut clean = url.clone();
    let hash = url.fragment().and_then(|f| {
        f.split('&')
            .find_map(|kv| kv.strip_prefix("sha256=").map(str::to_ascii_lowercase))
    });
    clean.set_fragment(None);
    (clean, hash)
}

/// Whether `url` is already in the form `Url::parse` would give it: absolute
/// `https`, a lowercase host without port or userinfo, no fragment, no dot
/// segments, and only characters that need no escaping. Such URLs (every
/// file of PyPI's pages) are kept as they are, which saves parsing and
/// re-serializing tens of thousands of URLs per lock.
fn is_plain_absolute(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && path.starts_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~/%!$'()*+,;=:".contains(&b))
        && !path.contains("/./")
        && !path.contains("/../")
        && !path.ends_with("/.")
        && !path.ends_with("/..")
        && !path.contains("%2")
}

/// Parse a PEP 691 JSON project page.
///
/// `base` is the page URL, against which relative file URLs resolve.
///
/// # Errors
/// A message when the body is not the JSON the PEP describes.
pub fn parse_json(
    body: &[u8],
    base: &Url,
    name: &PackageName,
    index: &str,
) -> Result<Vec<IndexFile>, String> {
    let index: std::sync::Arc<str> = std::sync::Arc::from(index);
    let page: JsonPage = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(page.files.len());
    let mut last_rp: (Option<String>, Option<VersionSpecifiers>) = (None, None);
    for f in page.files {
        let Some(dist) = DistFilename::parse(&f.filename, name) else {
            continue;
        };
        let (url, frag_hash) = if is_plain_absolute(&f.url) {
            (f.url.into_owned(), None)
        } else {
            let Ok(url) = base.join(&f.url) else { continue };
            let (url, frag_hash) = split_fragment(&url);
            (url.to_string(), frag_hash)
        };
        out.push(IndexFile {
            sha256: f
                .hashes
                .sha256
                .map(|h| h.to_ascii_lowercase())
                .or(frag_hash),
            requires_python: {
                // Consecutive files (one version's wheels) mostly share one
                // value: parse it once.
                let raw = f.requires_python.as_deref();
                if last_rp.0.as_deref() != raw {
                    last_rp = (raw.map(str::to_string), requires_python(raw));
                }
                last_rp.1.clone()
            },
            size: f.size,
            yanked: yanked_reason(&f.yanked),
            core_metadata: truthy(&f.core_metadata) || truthy(&f.dist_info_metadata),
            metadata_sha256: metadata_hash(&f.core_metadata)
                .or_else(|| metadata_hash(&f.dist_info_metadata)),
            upload_time: f.upload_time.map(Cow::into_owned),
            filename: f.filename.into_owned(),
            url,
            index: index.clone(),
            version: dist.version().clone(),
            wheel: matches!(dist, DistFilename::Wheel(_)),
        });
    }
    Ok(out)
}

/// Decode HTML character references (named, decimal and hexadecimal: `&amp;`,
/// `&#43;`, `&#x2B;`) in an attribute value or anchor text of a PEP 503
/// page, with the `html-escape` crate. `&#43;` in an href is a `+` (a local
/// version label), not the start of a fragment.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    html_escape::decode_html_entities(s).into_owned()
}

/// Parse the attributes of one start tag body (`a href="x" data-yanked`).
fn attributes(tag: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let bytes = tag.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'=' {
            i += 1;
        }
        let key = tag[start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                let quote = bytes[i];
                i += 1;
                let vstart = i;
                while i < bytes.len() && bytes[i] != quote {
                    i += 1;
                }
                value = unescape(&tag[vstart..i]);
                i += 1;
            } else {
                let vstart = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                value = unescape(&tag[vstart..i]);
            }
        }
        if !key.is_empty() {
            out.insert(key, value);
        }
    }
    out
}

/// Parse a PEP 503 HTML project page: every `<a>` is a file, its text the filename.
///
/// # Errors
/// Never for odd HTML (unknown anchors are skipped); the `Result` mirrors
/// [`parse_json`].
pub fn parse_html(
    body: &[u8],
    base: &Url,
    name: &PackageName,
    index: &str,
) -> Result<Vec<IndexFile>, String> {
    let index: std::sync::Arc<str> = std::sync::Arc::from(index);
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    // A `<base href>` changes where relative links resolve.
    let mut base = base.clone();
    if let Some(pos) = lower.find("<base ") {
        if let Some(end) = lower[pos..].find('>') {
            let attrs = attributes(&text[pos + 6..pos + end]);
            if let Some(b) = attrs.get("href").and_then(|h| base.join(h).ok()) {
                base = b;
            }
        }
    }
    let mut out = Vec::new();
    let mut cursor = 0;
    while let Some(pos) = lower[cursor..].find("<a") {
        let start = cursor + pos;
        let Some(tag_end) = lower[start..].find('>').map(|e| start + e) else {
            break;
        };
        let close = lower[tag_end..]
            .find("</a")
            .map(|e| tag_end + e)
            .unwrap_or(lower.len());
        cursor = close;
        let after = lower.as_bytes().get(start + 2).copied().unwrap_or(b'>');
        if !(after.is_ascii_whitespace() || after == b'>') {
            continue;
        }
        let attrs = attributes(text[start + 2..tag_end].trim_end_matches('/'));
        let Some(href) = attrs.get("href") else {
            continue;
        };
        let Ok(url) = base.join(href) else { continue };
        let (url, hash) = split_fragment(&url);
        let anchor_text = unescape(text[tag_end + 1..close].trim());
        let filename = if anchor_text.is_empty() {
            url.path_segments()
                .and_then(|mut s| s.next_back())
                .unwrap_or_default()
                .to_string()
        } else {
            anchor_text
        };
        let Some(dist) = DistFilename::parse(&filename, name) else {
            continue;
        };
        let core_metadata = ["data-core-metadata", "data-dist-info-metadata"]
            .iter()
            .any(|k| attrs.get(*k).is_some_and(|v| v != "false"));
        let metadata_sha256 = ["data-core-metadata", "data-dist-info-metadata"]
            .iter()
            .find_map(|k| {
                attrs
                    .get(*k)
                    .and_then(|v| v.strip_prefix("sha256="))
                    .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
                    .map(str::to_ascii_lowercase)
            });
        out.push(IndexFile {
            filename,
            url: url.to_string(),
            sha256: hash,
            requires_python: requires_python(attrs.get("data-requires-python").map(|s| s.as_str())),
            size: None,
            yanked: attrs.get("data-yanked").cloned(),
            core_metadata,
            metadata_sha256,
            upload_time: None,
            index: index.clone(),
            version: dist.version().clone(),
            wheel: matches!(dist, DistFilename::Wheel(_)),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> PackageName {
        PackageName::from_str(s).unwrap()
    }

    #[test]
    fn plain_absolute_urls_are_exactly_what_url_parse_gives() {
        let plain = [
            "https://files.pythonhosted.org/packages/3a/8f/abc/numpy-2.0.0-cp311-cp311-manylinux_2_17_x86_64.whl",
            "https://example.org/a/b+c_1.0~x.tar.gz",
        ];
        for u in plain {
            assert!(is_plain_absolute(u), "{u}");
            assert_eq!(Url::parse(u).unwrap().as_str(), u);
        }
        let not_plain = [
            "http://example.org/a.whl",
            "https://Example.org/a.whl",
            "https://example.org:443/a.whl",
            "https://user:pw@example.org/a.whl",
            "https://example.org/a/../b.whl",
            "https://example.org/a/%2e%2e/b.whl",
            "https://example.org/a b.whl",
            "https://example.org/a.whl#sha256=00",
            "https://example.org/a.whl?x=1",
            "https://example.org",
            "../../packages/a.whl",
        ];
        for u in not_plain {
            assert!(!is_plain_absolute(u), "{u}");
        }
    }

    #[test]
    fn html_page_with_attributes() {
        let body = br#"<html><body>
<a href="../../files/foo-1.0-py3-none-any.whl#sha256=ABCD" data-requires-python="&gt;=3.8" data-core-metadata="sha256=1">foo-1.0-py3-none-any.whl</a><br/>
<a href="/files/foo-1.1.tar.gz#sha256=ef01" data-yanked="broken">foo-1.1.tar.gz</a>
<a href="x.egg">foo-0.1.egg</a>
</body></html>"#;
        let base = Url::parse("http://h/simple/foo/").unwrap();
        let files = parse_html(body, &base, &name("foo"), "idx").unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].url, "http://h/files/foo-1.0-py3-none-any.whl");
        assert_eq!(files[0].sha256.as_deref(), Some("abcd"));
        assert_eq!(
            files[0].requires_python.as_ref().unwrap().to_string(),
            ">=3.8"
        );
        assert!(files[0].core_metadata);
        assert_eq!(files[1].yanked.as_deref(), Some("broken"));
    }

    /// The shape of a PyTorch-style or Artifactory page: local version labels
    /// with `+` written as `&#43;`, numeric and named references in
    /// `data-requires-python`, and a hash fragment after an encoded `+`.
    #[test]
    fn html_character_references_are_decoded_before_urls_are_split() {
        let body = br#"<!DOCTYPE html>
<html><head><meta name="pypi:repository-version" content="1.0"><title>Links for torch</title></head>
<body><h1>Links for torch</h1>
<a href="/whl/cpu/torch-2.1.0%2Bcpu-cp311-cp311-linux_x86_64.whl#sha256=aa11" data-requires-python="&gt;=3.8.0">torch-2.1.0+cpu-cp311-cp311-linux_x86_64.whl</a><br/>
<a href="/whl/cpu/torch-2.2.0&#43;cpu-cp311-cp311-linux_x86_64.whl#sha256=bb22" data-requires-python="&#x3E;=3.8.0,&#60;4">torch-2.2.0&#43;cpu-cp311-cp311-linux_x86_64.whl</a><br/>
<a href="/whl/cpu/torch-2.3.0&#x2B;cpu-cp311-cp311-linux_x86_64.whl#sha256=cc33&amp;x=1">torch-2.3.0&#x2b;cpu-cp311-cp311-linux_x86_64.whl</a><br/>
</body></html>"#;
        let base = Url::parse("https://download.example.org/whl/cpu/torch/").unwrap();
        let files = parse_html(body, &base, &name("torch"), "idx").unwrap();
        assert_eq!(files.len(), 3, "{files:?}");
        assert_eq!(
            files[1].filename,
            "torch-2.2.0+cpu-cp311-cp311-linux_x86_64.whl"
        );
        assert_eq!(
            files[1].url,
            "https://download.example.org/whl/cpu/torch-2.2.0+cpu-cp311-cp311-linux_x86_64.whl"
        );
        assert_eq!(files[1].sha256.as_deref(), Some("bb22"));
        assert_eq!(files[1].version.to_string(), "2.2.0+cpu");
        assert_eq!(
            files[1].requires_python.as_ref().unwrap().to_string(),
            ">=3.8.0, <4"
        );
        assert_eq!(files[2].version.to_string(), "2.3.0+cpu");
        assert_eq!(files[2].sha256.as_deref(), Some("cc33"));
    }

    #[test]
    fn json_page() {
        let body = br#"{"meta":{"api-version":"1.1"},"name":"foo","files":[
 {"filename":"foo-1.0.tar.gz","url":"https://f/foo-1.0.tar.gz","hashes":{"sha256":"aa"},"requires-python":">=3.9","size":10,"yanked":false,"upload-time":"2020-01-01T00:00:00Z"},
 {"filename":"foo-2.0-py3-none-any.whl","url":"../f/foo-2.0-py3-none-any.whl","hashes":{},"yanked":"bad","core-metadata":{"sha256":"x"}},
 {"filename":"garbage","url":"x","hashes":{}}]}"#;
        let base = Url::parse("https://h/simple/foo/").unwrap();
        let files = parse_json(body, &base, &name("foo"), "idx").unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].size, Some(10));
        assert_eq!(files[1].url, "https://h/simple/f/foo-2.0-py3-none-any.whl");
        assert_eq!(files[1].yanked.as_deref(), Some("bad"));
        assert!(files[1].core_metadata);
        assert!(parse_json(b"{not json", &base, &name("foo"), "idx").is_err());
    }
}
