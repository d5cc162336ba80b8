//! Notes under a failure report: for each "no version of P in R" of the
//! derivation, why the versions of P in R could not be used (yanked,
//! pre-releases the mode rules out, `Requires-Python`, `--exclude-newer`,
//! unusable files, required environments, or P is on no index).

use super::provider::Provider;
use super::{Pkg, PrereleaseMode};
use crate::index::{IndexError, IndexFile};
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
            if let Some(meta) = self.input.direct.get(&name) {
                notes.push(format!(
                    "`{name}` comes from a direct reference, whose only version is {}; no index is asked for it",
                    meta.version
                ));
                continue;
            }
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
            // Versions with only wheels for other Pythons, and their tags.
            let mut foreign = Vec::new();
            let mut foreign_tags: Vec<String> = Vec::new();
            let mut no_wheel_for = Vec::new();
            let mut platform_tags: Vec<String> = Vec::new();
            let mut no_wheel_for_files: Vec<IndexFile> = Vec::new();
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
                    } else if let Some(tags) = self.only_foreign_wheels(files) {
                        foreign.push(v.to_string());
                        push_new(&mut foreign_tags, tags);
                    } else {
                        no_file.push(v.to_string());
                    }
                } else if !self.covers_required_environments(&name, &usable) {
                    no_wheel_for.push(v.to_string());
                    push_new(
                        &mut platform_tags,
                        usable.iter().filter_map(|f| wheel_tag(f)),
                    );
                    no_wheel_for_files.extend(usable.iter().map(|f| (*f).clone()));
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
            if !foreign.is_empty() {
                let wanted = python_tag(&self.input.requires_python);
                notes.push(format!(
                    "`{name}` {} only wheels for other Pythons ({}) and no sdist it may build; a wheel tagged `{wanted}` (or `py3-none-any`) would have made it usable under `requires-python = \"{}\"`",
                    list_versions(&foreign, "has", "have"),
                    tag_list(&foreign_tags),
                    self.input.requires_python
                ));
            }
            if !no_wheel_for.is_empty() {
                let uncovered = self.uncovered_environments(&name, &no_wheel_for_files);
                let envs: Vec<String> = uncovered
                    .iter()
                    .filter_map(MarkerTree::try_to_string)
                    .collect();
                let wanted: Vec<&str> = uncovered.iter().filter_map(platform_tag_for).collect();
                let wanted = if wanted.is_empty() {
                    "a platform tag for it".to_string()
                } else {
                    wanted.join(" or ")
                };
                notes.push(format!(
                    "`{name}` {} no wheel (and no sdist) for the required environment `{}`: its wheels are tagged {}; a wheel tagged {wanted} would have made it usable",
                    list_versions(&no_wheel_for, "has", "have"),
                    envs.join("`, `"),
                    tag_list(&platform_tags)
                ));
            }
        }
        notes
    }
}

impl Provider {
    /// When every live (not yanked) file of a version is a wheel whose
    /// Python and ABI tags fit no Python of `requires-python`, their tags
    /// (`cp310-cp310-manylinux_2_17_x86_64`); else `None`.
    fn only_foreign_wheels(&self, files: &[IndexFile]) -> Option<Vec<String>> {
        let no_build = files
            .first()
            .and_then(IndexFile::wheel_filename)
            .is_some_and(|w| self.input.no_build.contains(&w.name));
        let live: Vec<&IndexFile> = files
            .iter()
            .filter(|f| f.yanked.is_none() && (f.is_wheel() || !no_build))
            .collect();
        let all_foreign = !live.is_empty()
            && live
                .iter()
                .all(|f| f.is_wheel() && !self.wheel_fits_project_python(f));
        all_foreign.then(|| live.iter().filter_map(|f| wheel_tag(f)).collect())
    }
}

impl Provider {
    /// The required environments (in this part of the environment, where
    /// `name` is needed) that no wheel among `files` can be installed in.
    fn uncovered_environments(&self, name: &PackageName, files: &[IndexFile]) -> Vec<MarkerTree> {
        let mut usable = MarkerTree::FALSE;
        for w in files.iter().filter_map(IndexFile::wheel_filename) {
            usable.or(crate::types::filename::wheel_marker(&w));
        }
        let wanted = self.where_needed(name);
        self.input
            .required_environments
            .iter()
            .filter(|required| {
                let mut here = (*required).clone();
                here.and(self.env.clone());
                here.and(wanted.clone());
                !here.is_false() && here.is_disjoint(&usable)
            })
            .cloned()
            .collect()
    }
}

/// The platform tags a wheel for `env` would carry, from its `sys_platform`
/// (`linux` → `manylinux_*`), when it names one.
fn platform_tag_for(env: &MarkerTree) -> Option<&'static str> {
    let text = env.try_to_string()?;
    [
        ("'linux'", "`manylinux_*`/`musllinux_*`"),
        ("'darwin'", "`macosx_*`"),
        ("'win32'", "`win_amd64`/`win32`/`win_arm64`"),
    ]
    .iter()
    .find(|(platform, _)| text.contains(&format!("sys_platform == {platform}")))
    .map(|(_, tag)| *tag)
}

/// A wheel's compatibility tag (`py3-none-any`), from its filename.
fn wheel_tag(f: &IndexFile) -> Option<String> {
    let w = f.wheel_filename()?;
    Some(format!(
        "{}-{}-{}",
        w.python_tags.join("."),
        w.abi_tags.join("."),
        w.platform_tags.join(".")
    ))
}

/// Append the items of `new` that `list` lacks, in order.
fn push_new(list: &mut Vec<String>, new: impl IntoIterator<Item = String>) {
    for t in new {
        if !list.contains(&t) {
            list.push(t);
        }
    }
}

/// Up to four tags in backticks (`a`, `b` and 3 more).
fn tag_list(tags: &[String]) -> String {
    let shown: Vec<String> = tags.iter().take(4).map(|t| format!("`{t}`")).collect();
    match tags.len() {
        0 => "(none)".to_string(),
        n if n > 4 => format!("{} and {} more", shown.join(", "), n - 4),
        _ => shown.join(", "),
    }
}

/// The CPython interpreter tag of the lowest Python `requires-python`
/// admits (`>=3.11` → `cp311`), or `py3` when it has no lower bound.
fn python_tag(rp: &pep440_rs::VersionSpecifiers) -> String {
    match super::ranges::requires_python_bounds(rp).0 {
        std::ops::Bound::Included(v) | std::ops::Bound::Excluded(v) => {
            let r = v.release();
            format!(
                "cp{}{}",
                r.first().copied().unwrap_or(3),
                r.get(1).copied().unwrap_or(0)
            )
        }
        std::ops::Bound::Unbounded => "py3".to_string(),
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
