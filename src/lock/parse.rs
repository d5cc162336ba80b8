//! Reading `envy.lock`: TOML into the typed model (every name, version,
//! marker and hash checked where it is read, reported at its line and
//! column), then the lock's own consistency (each file belongs to the
//! `[[package]]` that lists it). Pure: the caller reads the file.

use super::{FileEntry, Lock, LockError, LockedPackage, LOCK_VERSION};
use std::str::FromStr;

impl Lock {
    /// Parse lock text; `path` only names the file in errors.
    ///
    /// # Errors
    /// - [`LockError::Parse`] with the 1-based line and column of a TOML
    ///   syntax error, a missing or mistyped key, or a value that is not
    ///   what its key holds: a package name, PEP 440 version,
    ///   `requires-python`, PEP 508 marker or sha256 digest that does not
    ///   parse (an unparsable marker is an error, never "always");
    /// - [`LockError::Version`] for another lock format version;
    /// - [`LockError::Inconsistent`] for a file that is not a distribution
    ///   of the package that lists it.
    pub fn parse(text: &str, path: &str) -> Result<Self, LockError> {
        let lock: Lock = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|s| crate::util::line_col(text, s.start))
                .unwrap_or((0, 0));
            LockError::Parse {
                path: path.to_string(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        if lock.version != LOCK_VERSION {
            return Err(LockError::Version {
                path: path.to_string(),
                found: lock.version,
            });
        }
        lock.check_files()
            .map_err(|message| LockError::Inconsistent {
                path: path.to_string(),
                message,
            })?;
        Ok(lock)
    }

    /// The lock's own consistency, checked whenever it is read (so by
    /// `sync --frozen`, `lock --locked`, `export`...): every file listed under
    /// a `[[package]]` is a distribution of that name and version (the
    /// filename's normalized name, and its version equal under PEP 440). A
    /// lock edited by hand or by an attacker cannot then slip another
    /// distribution's wheel under a name the project asked for. (Names,
    /// versions, markers and hashes were already checked while reading.)
    ///
    /// # Errors
    /// A sentence naming the file and the package.
    fn check_files(&self) -> Result<(), String> {
        for pkg in self.packages.iter().filter(|p| !p.is_project()) {
            check_source(pkg)?;
            for file in pkg.files() {
                check_file(pkg, file)?;
            }
        }
        Ok(())
    }
}

/// Whether `pkg`'s source has one kind, and files that fit it: none for a
/// source tree (`editable`, or a `path` to a directory), exactly one archive
/// for a `url` (at that URL), and a `path` to an archive (files that name it).
fn check_source(pkg: &LockedPackage) -> Result<(), String> {
    let s = &pkg.source;
    let kinds = [
        s.registry.is_some(),
        s.editable.is_some(),
        s.find_links.is_some(),
        s.path.is_some(),
        s.url.is_some(),
        s.git.is_some(),
    ]
    .into_iter()
    .filter(|k| *k)
    .count();
    let which = format!("`{}=={}`", pkg.name, pkg.version);
    if kinds != 1 {
        return Err(format!(
            "the source of {which} must have exactly one of `registry`, `editable`, `find-links`, `path`, `url`, `git`"
        ));
    }
    let files = pkg.files().count();
    if s.editable.is_some() && files > 0 {
        return Err(format!(
            "{which} is an editable source tree and lists files"
        ));
    }
    if let Some(git) = &s.git {
        crate::git::LockedGit::parse(git).map_err(|e| format!("{which}: {e}"))?;
        if files > 0 {
            return Err(format!("{which} comes from git and lists files"));
        }
    }
    if let Some(url) = &s.url {
        if files != 1 || pkg.files().any(|f| &f.url != url) {
            return Err(format!(
                "{which} comes from the archive `{}` and must list exactly that one file",
                crate::types::redact_url(url)
            ));
        }
    }
    if let Some(path) = &s.path {
        if files > 1 || pkg.files().any(|f| &f.url != path) {
            return Err(format!(
                "{which} comes from `{path}` and must list no file but that one"
            ));
        }
    }
    if (!pkg.requires_dist.is_empty() || pkg.metadata_inputs.is_some())
        && pkg.source_tree().is_none()
    {
        return Err(format!(
            "{which} lists `requires-dist` or `metadata-inputs`, which only a source tree has"
        ));
    }
    Ok(())
}

/// Whether `file` is a distribution of `pkg`'s name and version.
fn check_file(pkg: &LockedPackage, file: &FileEntry) -> Result<(), String> {
    let filename = percent_decoded(file.filename());
    let which = || {
        format!(
            "`{filename}` (listed under `{}=={}`)",
            pkg.name, pkg.version
        )
    };
    // A wheel's filename names its distribution; an sdist's name part is
    // ambiguous (dashes), so it is parsed against the package's own name.
    let parsed = if filename.ends_with(".whl") {
        crate::types::WheelFilename::from_str(&filename)
            .ok()
            .map(|w| (w.name, w.version))
    } else {
        crate::types::SdistFilename::parse(&filename, &pkg.name)
            .ok()
            .map(|s| (s.name, s.version))
    };
    let Some((file_name, file_version)) = parsed else {
        return Err(format!(
            "{} is not a distribution of `{}`",
            which(),
            pkg.name
        ));
    };
    if file_name != pkg.name {
        return Err(format!(
            "{} is a distribution of `{file_name}`, not of `{}`",
            which(),
            pkg.name
        ));
    }
    if file_version != pkg.version {
        return Err(format!(
            "{} is version {file_version}, not {}",
            which(),
            pkg.version
        ));
    }
    Ok(())
}

/// `s` with `%XX` escapes decoded (a URL's last segment as a filename, e.g.
/// `torch-2.1.0%2Bcpu-...whl`); invalid escapes are kept as they are.
fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
