//! `envy version`: print or bump `[project] version` in `pyproject.toml`,
//! keeping the file's formatting.

use super::{write_atomic, Error, Result, Settings};
use pep440_rs::Version;
use std::str::FromStr;

/// Which part of the release to bump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Bump {
    /// `1.2.3` -> `2.0.0`
    Major,
    /// `1.2.3` -> `1.3.0`
    Minor,
    /// `1.2.3` -> `1.2.4`
    Patch,
}

/// What `envy version` found (and did).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionOutcome {
    /// The project name as written.
    pub name: String,
    /// The version before.
    pub old: String,
    /// The version now (same as `old` without a bump).
    pub new: String,
    /// Whether `envy.lock`'s project entry was updated to the new version.
    pub lock_updated: bool,
}

/// Bump `version` (pure): pre-, post-, dev- and local parts are dropped; a
/// release shorter than the bumped part is padded with zeros; a pre-release of
/// exactly the bumped release becomes that release (`2.0.0rc1` major -> `2.0.0`,
/// `1.2.3.dev1` patch -> `1.2.3`), as poetry does.
///
/// # Errors
/// When `version` is not PEP 440.
pub fn bump_version(version: &str, bump: Bump) -> Result<String> {
    let v = Version::from_str(version.trim()).map_err(|e| {
        Error::new(format!("`{version}` is not a valid PEP 440 version: {e}"))
            .hint("set `[project] version` to something like `0.1.0` first")
    })?;
    let mut r: Vec<u64> = v.release().to_vec();
    let idx = match bump {
        Bump::Major => 0,
        Bump::Minor => 1,
        Bump::Patch => 2,
    };
    while r.len() < 3 {
        r.push(0);
    }
    // A pre-release of the target (1.0.0rc1 -> major) becomes the final release.
    let is_pre_of_target = v.any_prerelease() && r[idx + 1..].iter().all(|x| *x == 0);
    if !is_pre_of_target {
        r[idx] += 1;
    }
    for x in &mut r[idx + 1..] {
        *x = 0;
    }
    let mut out: Vec<String> = r.iter().map(ToString::to_string).collect();
    if v.epoch() != 0 {
        out[0] = format!("{}!{}", v.epoch(), out[0]);
    }
    Ok(out.join("."))
}

/// Set `[project] version` in pyproject text to `new`, keeping comments,
/// quoting style and spacing (pure).
///
/// # Errors
/// Invalid TOML; no static `[project] version`.
pub fn edit_version(text: &str, new: Option<&str>) -> Result<(String, String, String)> {
    let mut doc = toml_edit::DocumentMut::from_str(text)
        .map_err(|e| Error::new(format!("cannot parse `pyproject.toml`: {e}")))?;
    let project = doc
        .get_mut("project")
        .and_then(|p| p.as_table_like_mut())
        .ok_or_else(|| {
            Error::new("`pyproject.toml` has no `[project]` table")
                .hint("run `envy init` to make this a project")
        })?;
    let name = project
        .get("name")
        .and_then(|n| n.as_str())
        .unwrap_or("project")
        .to_string();
    let dynamic = project
        .get("dynamic")
        .and_then(|d| d.as_array())
        .is_some_and(|a| a.iter().any(|v| v.as_str() == Some("version")));
    let Some(item) = project.get_mut("version") else {
        let e = Error::new("`[project]` has no `version`");
        return Err(if dynamic {
            e.hint("the version is dynamic (set by the build backend); change it where the backend reads it")
        } else {
            e.hint("add `version = \"0.1.0\"` to `[project]` in `pyproject.toml`")
        });
    };
    let Some(value) = item.as_value_mut() else {
        return Err(Error::new("`[project] version` is not a string"));
    };
    let Some(old) = value.as_str().map(str::to_string) else {
        return Err(Error::new("`[project] version` is not a string"));
    };
    if let Some(new) = new {
        let decor = value.decor().clone();
        let mut fresh = toml_edit::Value::from(new);
        *fresh.decor_mut() = decor;
        *value = fresh;
    }
    Ok((crate::project::edit::to_text(&doc, text), name, old))
}

/// `envy version`: read, and with `bump` rewrite, the project's version.
///
/// # Errors
/// No project; no static version; an unparsable version; I/O errors.
pub fn version(settings: &Settings, bump: Option<Bump>) -> Result<VersionOutcome> {
    let path = settings.project_dir.join("pyproject.toml");
    if !path.is_file() {
        // Reuse the standard "no project" error.
        settings.project()?;
    }
    let _edit_lock = match bump {
        Some(_) => Some(super::lock_project_files(settings, &settings.project_dir)?),
        None => None,
    };
    let text = fs_err::read_to_string(&path)?;
    let (_, name, old) = edit_version(&text, None)?;
    let Some(bump) = bump else {
        return Ok(VersionOutcome {
            name,
            new: old.clone(),
            old,
            lock_updated: false,
        });
    };
    let new = bump_version(&old, bump)?;
    let (edited, _, _) = edit_version(&text, Some(&new))?;
    // `pyproject.toml` and `envy.lock` together, or neither.
    let lock = updated_lock(settings, &new)?;
    let lock_updated = lock.is_some();
    match &lock {
        Some((lock_path, lock_text)) => super::write_all_or_nothing(&[
            (&path, edited.as_bytes()),
            (lock_path, lock_text.as_bytes()),
        ])?,
        None => write_atomic(&path, edited.as_bytes())?,
    }
    Ok(VersionOutcome {
        name,
        old,
        new,
        lock_updated,
    })
}

/// `envy.lock` with `new` as the project's version, if there is a lock and
/// it changes (the version is not part of the lock's freshness check, so
/// `envy lock` alone would not rewrite it): the lock's path and new text.
fn updated_lock(settings: &Settings, new: &str) -> Result<Option<(std::path::PathBuf, String)>> {
    let project = settings.project()?;
    let Some(mut lock) = super::lock::read_lock(&project)? else {
        return Ok(None);
    };
    let new = Version::from_str(new)
        .map_err(|e| Error::new(format!("`{new}` is not a valid PEP 440 version: {e}")))?;
    let mut changed = false;
    for p in lock.packages.iter_mut().filter(|p| p.is_project()) {
        // Compared as written: `1.0` becoming `1.0.0` is a change of the text.
        if p.version.to_string() != new.to_string() {
            p.version.clone_from(&new);
            changed = true;
        }
    }
    Ok(changed.then(|| (project.root.join(crate::lock::LOCK_FILE), lock.to_toml())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bumps() {
        assert_eq!(bump_version("1.2.3", Bump::Major).unwrap(), "2.0.0");
        assert_eq!(bump_version("1.2.3", Bump::Minor).unwrap(), "1.3.0");
        assert_eq!(bump_version("1.2.3", Bump::Patch).unwrap(), "1.2.4");
        assert_eq!(bump_version("0.1", Bump::Patch).unwrap(), "0.1.1");
        assert_eq!(
            bump_version("1.2.3.dev1+local", Bump::Patch).unwrap(),
            "1.2.3"
        );
        assert_eq!(bump_version("1.2.3rc1", Bump::Minor).unwrap(), "1.3.0");
        assert_eq!(bump_version("1.2.3.post1", Bump::Patch).unwrap(), "1.2.4");
        assert_eq!(bump_version("2.0.0rc1", Bump::Major).unwrap(), "2.0.0");
        assert!(bump_version("nope", Bump::Major).is_err());
    }

    #[test]
    fn edits_keep_formatting() {
        let text = "[project]\nname = \"demo\"\nversion   =   \"0.1.0\"  # the version\n\n[tool.x]\na = 1\n";
        let (out, name, old) = edit_version(text, Some("0.2.0")).unwrap();
        assert_eq!(name, "demo");
        assert_eq!(old, "0.1.0");
        assert_eq!(
            out,
            "[project]\nname = \"demo\"\nversion   =   \"0.2.0\"  # the version\n\n[tool.x]\na = 1\n"
        );
        let e =
            edit_version("[project]\nname = \"d\"\ndynamic = [\"version\"]\n", None).unwrap_err();
        assert!(
            matches!(&e, super::Error::Message { hint: Some(h), .. } if h.contains("dynamic")),
            "{e:?}"
        );
    }
}
