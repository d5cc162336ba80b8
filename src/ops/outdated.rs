//! `envy outdated`: the locked version of each package next to the newest
//! one on the index.

use super::sync::{ensure_lock, LockMode};
use super::{Result, Settings};
use crate::index::{Client, ProjectPage};
use pep508_rs::PackageName;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

/// Options of `envy outdated`.
#[derive(Debug, Clone, Default)]
pub struct OutdatedOptions {
    /// How much to trust the lock.
    pub mode: LockMode,
    /// List every package, not only the outdated ones.
    pub all: bool,
}

/// One row of `envy outdated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutdatedRow {
    /// Normalized name.
    pub name: String,
    /// The locked version.
    pub locked: String,
    /// The newest version on the index; absent when the index could not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<String>,
    /// Whether `latest` is newer than `locked`.
    pub outdated: bool,
    /// Which of the project's groups need it (`main`, `dev`, `extra:NAME`).
    pub groups: Vec<String>,
    /// Why `latest` is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The newest version on a page: the highest with at least one file that is
/// not yanked, leaving out pre-releases unless `allow_pre` or there is nothing else.
pub fn latest_of(page: &ProjectPage, allow_pre: bool) -> Option<String> {
    let usable = |files: &Vec<crate::index::IndexFile>| files.iter().any(|f| f.yanked.is_none());
    let mut fallback = None;
    for (v, files) in page.versions.iter().rev() {
        if !usable(files) {
            continue;
        }
        if allow_pre || !(v.any_prerelease()) {
            return Some(v.to_string());
        }
        if fallback.is_none() {
            fallback = Some(v.to_string());
        }
    }
    fallback
}

/// Ask the index for the newest version of each name, in parallel.
///
/// Each entry is `Ok(Some(version))`, `Ok(None)` when the index lists no
/// usable file, or `Err(message)`.
pub fn latest_versions(
    client: &Arc<Client>,
    names: &[String],
) -> BTreeMap<String, std::result::Result<Option<String>, String>> {
    names
        .par_iter()
        .map(|n| {
            let r = PackageName::from_str(n)
                .map_err(|e| e.to_string())
                .and_then(|pn| client.project(&pn).map_err(|e| e.to_string()))
                .map(|page| latest_of(&page, false));
            (n.clone(), r)
        })
        .collect()
}

/// Whether version `a` is newer than `b` (PEP 440; false when either does not parse).
pub(crate) fn is_newer(a: &str, b: &str) -> bool {
    use std::str::FromStr;
    match (
        pep440_rs::Version::from_str(a),
        pep440_rs::Version::from_str(b),
    ) {
        (Ok(a), Ok(b)) => a > b,
        _ => false,
    }
}

/// What `envy outdated` found.
#[derive(Debug, Clone, Default)]
pub struct OutdatedReport {
    /// One row per locked package (only outdated ones unless `all`).
    pub rows: Vec<OutdatedRow>,
    /// Packages whose latest version could not be found, with the reason.
    pub unknown: Vec<(String, String)>,
}

/// `envy outdated`: compare every locked package with the index.
///
/// # Errors
/// Lock errors; setting up the index client.
pub fn outdated(settings: &Settings, opts: &OutdatedOptions) -> Result<OutdatedReport> {
    let project = settings.project()?;
    let lock = ensure_lock(settings, &project, opts.mode)?;
    let client = settings.client(Some(&project))?;
    // A direct reference has no index versions to compare with (and its
    // name is never looked up on one).
    let pkgs: Vec<_> = lock
        .packages
        .iter()
        .filter(|p| !p.is_project() && !p.is_direct())
        .collect();
    let mut names: Vec<String> = pkgs.iter().map(|p| p.name.to_string()).collect();
    names.dedup();
    let latest = latest_versions(&client, &names);
    let mut rows = Vec::new();
    let mut unknown = Vec::new();
    for p in pkgs {
        let (latest, error) = match latest.get(p.name.as_ref()) {
            Some(Ok(v)) => (v.clone(), None),
            Some(Err(e)) => (None, Some(e.clone())),
            None => (None, None),
        };
        let outdated = latest
            .as_deref()
            .is_some_and(|l| is_newer(l, &p.version.to_string()));
        if let Some(e) = &error {
            unknown.push((p.name.to_string(), e.clone()));
        }
        if outdated || opts.all {
            rows.push(OutdatedRow {
                name: p.name.to_string(),
                locked: p.version.to_string(),
                latest,
                outdated,
                groups: p.groups.clone(),
                error,
            });
        }
    }
    Ok(OutdatedReport { rows, unknown })
}

/// Render rows as an aligned table with a header.
pub fn render_table(rows: &[OutdatedRow]) -> String {
    let header = ["Package", "Locked", "Latest", "Groups"];
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.locked.clone(),
                r.latest.clone().unwrap_or_else(|| "?".into()),
                r.groups.join(","),
            ]
        })
        .collect();
    let mut width = header.map(str::len);
    for c in &cells {
        for (i, s) in c.iter().enumerate() {
            width[i] = width[i].max(s.chars().count());
        }
    }
    let line = |c: [&str; 4]| {
        let s = format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            c[0],
            c[1],
            c[2],
            c[3],
            w0 = width[0],
            w1 = width[1],
            w2 = width[2]
        );
        format!("{}\n", s.trim_end())
    };
    let mut out = line(header);
    out.push_str(&line([
        &"-".repeat(width[0]),
        &"-".repeat(width[1]),
        &"-".repeat(width[2]),
        &"-".repeat(width[3]),
    ]));
    for c in &cells {
        out.push_str(&line([&c[0], &c[1], &c[2], &c[3]]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_aligned() {
        let rows = vec![OutdatedRow {
            name: "flask".into(),
            locked: "3.1.2".into(),
            latest: Some("3.1.3".into()),
            outdated: true,
            groups: vec!["main".into()],
            error: None,
        }];
        assert_eq!(
            render_table(&rows),
            "Package  Locked  Latest  Groups\n-------  ------  ------  ------\nflask    3.1.2   3.1.3   main\n"
        );
    }
}
