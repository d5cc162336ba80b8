//! Notes under a failure report: for each "no version of P in R" of the
//! derivation, why the versions of P in R could not be used (yanked,
//! pre-releases the mode rules out, `Requires-Python`, `--exclude-newer`,
//! unusable files, required environments, or P is on no index).

use super::provider::Provider;
use super::{Pkg, PrereleaseMode};
use crate::index::IndexError;
use pep440_rs::Version;
use pep508_rs::{MarkerTree, PackageName};
use version_ranges::Ranges;

impl Provider {
    /// For every "no versions of P in R" in a failed derivation, say why the
    /// versions of P that are in R were not usable: yanked, pre-releases not
    /// opted into, or a `Requires-Python` the project's range does not meet.
    pub(crate) fn why_no_versions(
        &self,
        tree: &pubgrub::DerivationTree<Pkg, Ranges<Version>, String>,
    ) -> Vec<String> {
        let mut found: Vec<(PackageName, Ranges<Version>)> = Vec::new();
        let mut stack = vec![tree];
        while let Some(t) = stack.pop() {
            match t {
                pubgrub::DerivationTree::External(pubgrub::External::NoVersions(
                    Pkg::Dist(n) | Pkg::Extra(n, _),
                    r,
                )) => {
                    if !found.iter().any(|(m, s)| m == n && s == r) {
                        found.push((n.clone(), r.clone()));
                    }
                }
                pubgrub::DerivationTree::Derived(d) => {
                    stack.push(&d.cause1);
                    stack.push(&d.cause2);
                }
                pubgrub::DerivationTree::External(_) => {}
            }
        }
        let mut notes = Vec::new();
        for (name, range) in found {
            let page = match self.client.project(&name) {
                Ok(page) => page,
                Err(IndexError::NotFound { indexes, .. }) => {
                    notes.push(format!(
                        "`{name}` was not found on the index ({indexes}); check the spelling of the name, or the index URL (`--index-url`)"
                    ));
                    continue;
                }
                Err(_) => continue,
            };
            let in_range: Vec<&Version> = page
                .versions
                .keys()
                .filter(|v| range.contains(*v))
                .collect();
            if in_range.is_empty() {
                // Worth saying for a requirement-like range (`==21.1.0`,
                // `>=5`), not for the complements PubGrub derives.
                let shown = super::report::range_text(&range);
                match page.versions.keys().next_back() {
                    Some(l) if !shown.contains(" | ") && !shown.starts_with("!=") => notes.push(
                        format!("no version of `{name}` matches `{shown}` (the newest is {l})"),
                    ),
                    Some(_) => {}
                    None => notes.push(format!("`{name}` has no files on the index")),
                }
                continue;
            }
            let mut yanked = Vec::new();
            let mut pre = Vec::new();
            // Whether the mode could have chosen a pre-release of `name` at all.
            let pre_possible = match self.input.prerelease {
                PrereleaseMode::Disallow => false,
                PrereleaseMode::Explicit => self.explicit_pre.borrow().contains(&name),
                _ => true,
            };
            let mut python = Vec::new();
            let mut newer = Vec::new();
            let mut no_file = Vec::new();
            let mut no_wheel_for = Vec::new();
            for v in in_range {
                let files = page.versions.get(v).map(Vec::as_slice).unwrap_or_default();
                let usable = self.usable_files(&page, v);
                if files.iter().all(|f| f.yanked.is_some()) {
                    yanked.push(v.to_string());
                } else if usable.is_empty() {
                    let cutoff = self.input.exclude_newer.as_ref();
                    if cutoff
                        .is_some_and(|c| files.iter().all(|f| !c.admits(f.upload_time.as_deref())))
                    {
                        newer.push(v.to_string());
                    } else {
                        no_file.push(v.to_string());
                    }
                } else if !self.covers_required_environments(&name, &usable) {
                    no_wheel_for.push(v.to_string());
                } else if v.any_prerelease() && !pre_possible {
                    pre.push(v.to_string());
                } else if let Some(rp) = files.iter().find_map(|f| f.requires_python.as_ref()) {
                    if !self.python_ok(&name, rp) {
                        python.push(format!("{v} (requires Python {rp})"));
                    }
                }
            }
            if !yanked.is_empty() {
                notes.push(format!(
                    "`{name}` {} yanked; pin an exact version with `==` in `pyproject.toml` to use a yanked release",
                    list_versions(&yanked, "is", "are")
                ));
            }
            if !pre.is_empty() {
                notes.push(format!(
                    "`{name}` {}, which `--prerelease {}` does not permit; pass `--prerelease if-necessary-or-explicit` (the default) or `allow`",
                    list_versions(&pre, "is a pre-release", "are pre-releases"),
                    match self.input.prerelease {
                        PrereleaseMode::Disallow => "disallow",
                        _ => "explicit",
                    }
                ));
            }
            if !python.is_empty() {
                notes.push(format!(
                    "`{name}` {} not support every Python the project allows (`requires-python = \"{}\"`)",
                    list_versions(&python, "does", "do"),
                    self.input.requires_python
                ));
            }
            if !newer.is_empty() {
                let cutoff = self
                    .input
                    .exclude_newer
                    .as_ref()
                    .map(super::ExcludeNewer::cutoff_text)
                    .unwrap_or_default();
                notes.push(format!(
                    "`{name}` {} ignored: uploaded at or after the `--exclude-newer` cutoff {cutoff}, or without an upload time",
                    list_versions(&newer, "is", "are")
                ));
            }
            if !no_file.is_empty() {
                notes.push(format!(
                    "`{name}` {} no file envy may use here: only wheels for other interpreters or platforms, or files that `--no-build`/`--no-binary` rule out",
                    list_versions(&no_file, "has", "have")
                ));
            }
            if !no_wheel_for.is_empty() {
                let envs: Vec<String> = self
                    .input
                    .required_environments
                    .iter()
                    .filter_map(MarkerTree::try_to_string)
                    .collect();
                notes.push(format!(
                    "`{name}` {} no wheel (and no sdist) for every required environment (`{}`)",
                    list_versions(&no_wheel_for, "has", "have"),
                    envs.join("`, `")
                ));
            }
        }
        notes
    }
}

/// `1.0 is` / `1.0, 1.1 and 2 more are`, for notes.
fn list_versions(versions: &[String], one: &str, many: &str) -> String {
    match versions {
        [v] => format!("{v} {one}"),
        _ if versions.len() <= 3 => format!("{} {many}", versions.join(", ")),
        _ => format!(
            "{} (and {} older) {many}",
            versions[versions.len() - 3..].join(", "),
            versions.len() - 3
        ),
    }
}
