//! Project pages: fetching and caching one index's page for a name (PEP 503
//! HTML, PEP 691 JSON, revalidated with ETag/Last-Modified), the index order
//! and pinning, and `--find-links` directories.

use super::client::{slot, ACCEPT_SIMPLE};
use super::configuration::ResolvedIndex;
use super::{redact, simple, Client, IndexError, IndexFile, ProjectPage};
use crate::types::DistFilename;
use pep508_rs::PackageName;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use url::Url;

/// The first line of a cached page file: where the body came from and its
/// validators. The raw body follows the newline, so reading a page back
/// parses it in place, without an escaped copy.
#[derive(Serialize, Deserialize)]
struct PageHeader {
    url: String,
    content_type: String,
    etag: Option<String>,
    last_modified: Option<String>,
}

/// A cached page: its header and raw body (empty: the index does not list
/// the name).
struct CachedPage {
    header: PageHeader,
    body: Vec<u8>,
}

impl CachedPage {
    fn read(path: &Path) -> Option<CachedPage> {
        let mut bytes = fs_err::read(path).ok()?;
        let nl = bytes.iter().position(|&b| b == b'\n')?;
        let header: PageHeader = serde_json::from_slice(&bytes[..nl]).ok()?;
        bytes.drain(..=nl);
        Some(CachedPage {
            header,
            body: bytes,
        })
    }

    /// Only the header line of a cached page (its validators), without
    /// reading a body of possibly several MB that a refetch replaces.
    fn read_header(path: &Path) -> Option<PageHeader> {
        use std::io::BufRead;
        let mut reader = std::io::BufReader::new(fs_err::File::open(path).ok()?);
        let mut line = Vec::new();
        reader.read_until(b'\n', &mut line).ok()?;
        serde_json::from_slice(line.strip_suffix(b"\n")?).ok()
    }

    fn write(&self, path: &Path) -> std::io::Result<()> {
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        fs_err::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer(&mut tmp, &self.header).map_err(std::io::Error::other)?;
        tmp.write_all(b"\n")?;
        tmp.write_all(&self.body)?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

impl Client {
    /// The page of `name`: from the first index that lists it, plus any
    /// `--find-links` files. Memoized for the life of the client.
    ///
    /// # Errors
    /// [`IndexError::NotFound`] when no index lists it; network, offline and
    /// parse errors otherwise.
    pub fn project(&self, name: &PackageName) -> Result<Arc<ProjectPage>, IndexError> {
        let s = slot(&self.pages, name);
        s.get_or_init(|| self.fetch_project(name).map(Arc::new))
            .clone()
    }

    /// The indexes to ask for `name`, in order: its pinned index only, when
    /// `[tool.envy.sources]` pins it; else every non-explicit index.
    fn indexes_for(&self, name: &PackageName) -> Result<Vec<&ResolvedIndex>, IndexError> {
        if let Some(pinned) = self.config.sources.get(name.as_ref()) {
            if self.config.no_index {
                return Err(IndexError::PinnedWithoutIndex {
                    name: name.to_string(),
                    index: pinned.clone(),
                });
            }
            let index = self
                .indexes
                .iter()
                .find(|i| i.name.as_deref() == Some(pinned.as_str()))
                .ok_or_else(|| IndexError::Invalid {
                    url: "pyproject.toml".to_string(),
                    reason: format!(
                        "`{name}` is pinned to the index `{pinned}`, but no `[[tool.envy.index]]` has that name"
                    ),
                })?;
            return Ok(vec![index]);
        }
        Ok(self.indexes.iter().filter(|i| !i.explicit).collect())
    }

    fn fetch_project(&self, name: &PackageName) -> Result<ProjectPage, IndexError> {
        let pinned = self.config.sources.contains_key(name.as_ref());
        // A pinned package comes from its index only, not from find-links.
        let mut files = if pinned {
            Vec::new()
        } else {
            self.find_links_files(name)?
        };
        let mut source = None;
        let indexes = self.indexes_for(name)?;
        for index in &indexes {
            if let Some(found) = self.fetch_page(index, name)? {
                source = Some(index.url.clone());
                if files.is_empty() {
                    files = found;
                } else {
                    files.extend(found);
                }
                break;
            }
        }
        if source.is_none() && files.is_empty() && self.config.no_index {
            let dirs: Vec<String> = self
                .config
                .find_links
                .iter()
                .map(|d| format!("`{}`", d.display()))
                .collect();
            return Err(IndexError::NotFoundLocally {
                name: name.to_string(),
                dirs: if dirs.is_empty() {
                    "none given".to_string()
                } else {
                    dirs.join(", ")
                },
            });
        }
        if source.is_none() && files.is_empty() {
            return Err(IndexError::NotFound {
                name: name.to_string(),
                indexes: indexes
                    .iter()
                    .map(|i| match &i.name {
                        Some(n) => format!("`{n}` {}", i.url),
                        None => i.url.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let index = source.unwrap_or_else(|| super::FIND_LINKS.to_string());
        Ok(ProjectPage::from_files(name.clone(), index, files))
    }

    /// Fetch and parse one index's page for `name`; `None` when it does not list it.
    fn fetch_page(
        &self,
        index: &ResolvedIndex,
        name: &PackageName,
    ) -> Result<Option<Vec<IndexFile>>, IndexError> {
        let url = format!("{}/{}/", index.url.trim_end_matches('/'), name);
        let cache_path = self.cache.page_path(&index.url, name.as_ref());
        let parse = |c: &CachedPage| -> Result<Vec<IndexFile>, IndexError> {
            let h = &c.header;
            let base = Url::parse(&h.url).map_err(|e| IndexError::Invalid {
                url: redact(&h.url),
                reason: e.to_string(),
            })?;
            let parsed = if h.content_type.contains("json") {
                simple::parse_json(&c.body, &base, name, &index.url)
            } else {
                simple::parse_html(&c.body, &base, name, &index.url)
            };
            let mut files = parsed.map_err(|reason| IndexError::Invalid {
                url: redact(&h.url),
                reason,
            })?;
            // Absolute links may carry userinfo: never let it reach the lock.
            for f in &mut files {
                if f.url.contains('@') {
                    f.url = redact(&f.url);
                }
            }
            Ok(files)
        };
        if self.config.offline {
            return match &CachedPage::read(&cache_path) {
                Some(c) if c.body.is_empty() => Ok(None),
                Some(c) => parse(c).map(Some),
                None => Err(IndexError::Offline {
                    what: format!("the index page of `{name}` ({url})"),
                }),
            };
        }
        let mut headers = vec![("Accept", ACCEPT_SIMPLE.to_string())];
        if let Some(h) = CachedPage::read_header(&cache_path) {
            if let Some(e) = h.etag {
                headers.push(("If-None-Match", e));
            }
            if let Some(l) = h.last_modified {
                headers.push(("If-Modified-Since", l));
            }
        }
        let Some(fetched) = self.get_bytes(&url, &headers)? else {
            // Remember "not here" so offline runs can answer it too.
            let miss = CachedPage {
                header: PageHeader {
                    url: url.clone(),
                    content_type: String::new(),
                    etag: None,
                    last_modified: None,
                },
                body: Vec::new(),
            };
            let _ = miss.write(&cache_path);
            return Ok(None);
        };
        if fetched.not_modified {
            if let Some(c) = &CachedPage::read(&cache_path) {
                return parse(c).map(Some);
            }
        }
        let page = CachedPage {
            header: PageHeader {
                content_type: fetched.content_type,
                etag: fetched.etag,
                last_modified: fetched.last_modified,
                url: fetched.url,
            },
            body: fetched.body,
        };
        let files = parse(&page)?;
        // Links may carry `user:password@` (they are redacted when parsed):
        // the cached body must not keep them either.
        let page = match std::str::from_utf8(&page.body).map(crate::types::redact_text) {
            Ok(std::borrow::Cow::Owned(clean)) => CachedPage {
                body: clean.into_bytes(),
                ..page
            },
            _ => page,
        };
        page.write(&cache_path)?;
        Ok(Some(files))
    }

    /// Files for `name` in the `--find-links` directories, hashed on the fly.
    fn find_links_files(&self, name: &PackageName) -> Result<Vec<IndexFile>, IndexError> {
        let mut out = Vec::new();
        for dir in &self.config.find_links {
            let Ok(entries) = fs_err::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let filename = entry.file_name().to_string_lossy().into_owned();
                let Some(dist) = DistFilename::parse(&filename, name) else {
                    continue;
                };
                let path = entry.path();
                let file = fs_err::File::open(&path)?;
                let (sha256, size) = crate::types::hash::sha256_reader(file)?;
                let url = Url::from_file_path(fs_err::canonicalize(&path)?)
                    .map_err(|()| IndexError::Io(format!("bad path {}", path.display())))?;
                out.push(IndexFile {
                    filename,
                    url: url.to_string(),
                    sha256: Some(sha256),
                    size: Some(size),
                    requires_python: None,
                    yanked: None,
                    core_metadata: false,
                    metadata_sha256: None,
                    upload_time: None,
                    index: Arc::from(super::FIND_LINKS),
                    version: dist.version().clone(),
                    wheel: matches!(dist, DistFilename::Wheel(_)),
                });
            }
        }
        Ok(out)
    }
}
