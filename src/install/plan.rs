//! The install plan: what a sync must do to make a site-packages hold what
//! a lock selects for one interpreter. Pure: it reads the lock, the
//! interpreter's markers and wheel tags, what site-packages holds and which
//! files the cache has (all given), and decides; downloading, verifying,
//! unpacking and installing are the caller's (`ops::sync`: prepare, then
//! execute).
//!
//! For each distribution the selection needs in this environment (the lock's
//! needed set, markers evaluated), the plan picks the best wheel for the
//! interpreter's tags (else the sdist, to build a wheel from), and says:
//! - **unchanged**: that version is installed, and not as an editable install;
//! - **install**: not installed, or installed at another version or editable
//!   (a **reinstall**, which names what it replaces); the file is **cached**
//!   (a wheel the cache holds), must be **downloaded**, or must be **built**
//!   (an sdist);
//! - **extraneous**: installed, not needed, and not the project itself;
//! - a **source tree** (a direct reference to a local directory, locked as
//!   `path` or `editable`): built by its backend and installed (editable or
//!   not), unless that version is installed the same way.

use crate::lock::{FileEntry, Lock, LockedPackage, Selection};
use crate::types::WheelFilename;
use crate::venv::{InstalledDist, Interpreter, SitePackages};
use pep508_rs::PackageName;
use std::collections::HashSet;
use std::str::FromStr;

/// The best wheel of `pkg` for `interp` (the most preferred of its
/// compatible tags), `None` when none fits.
pub fn best_wheel<'a>(pkg: &'a LockedPackage, interp: &Interpreter) -> Option<&'a FileEntry> {
    pkg.wheels
        .iter()
        .filter_map(|w| {
            let f = WheelFilename::from_str(w.filename()).ok()?;
            interp.tags.priority(&f).map(|p| (p, w))
        })
        .min_by_key(|(p, _)| *p)
        .map(|(_, w)| w)
}

/// Where the file of a planned install comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileSource {
    /// A wheel the cache already holds (verified again when it is used).
    Cached,
    /// A wheel to download (and verify against the lock's hash).
    Download,
    /// An sdist to download and build a wheel from (no wheel fits).
    Build,
}

/// One distribution to install.
#[derive(Debug, Clone)]
pub struct PlannedInstall<'l> {
    /// The locked distribution.
    pub package: &'l LockedPackage,
    /// The file to install it from: the best wheel, else the sdist.
    pub file: &'l FileEntry,
    /// Where that file comes from.
    pub source: FileSource,
    /// The installed distribution of that name this replaces (another
    /// version, or the same version installed editable): a reinstall.
    pub replaces: Option<InstalledDist>,
}

/// A locked distribution with no file for the interpreter: none of its
/// wheels match its tags, and it has no sdist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoFileForInterpreter {
    /// The distribution's name.
    pub name: PackageName,
    /// Its locked version.
    pub version: pep440_rs::Version,
}

/// What the cache holds, as far as a plan needs to know.
pub trait CacheState {
    /// Whether the cache holds this (wheel) file already.
    fn has(&self, file: &FileEntry) -> bool;
}

/// A cache state from a function (`|file| ...`).
impl<F: Fn(&FileEntry) -> bool> CacheState for F {
    fn has(&self, file: &FileEntry) -> bool {
        self(file)
    }
}

/// One local source tree to build and install (a `path` or `editable`
/// direct reference).
#[derive(Debug, Clone)]
pub struct PlannedTree<'l> {
    /// The locked distribution.
    pub package: &'l LockedPackage,
    /// The tree's path as the lock writes it (relative to the project root).
    pub path: &'l str,
    /// Whether to install it editable (PEP 660).
    pub editable: bool,
    /// The installed distribution of that name this replaces.
    pub replaces: Option<InstalledDist>,
}

/// The plan: what to install (biggest file first, so the long downloads
/// start at once), what to leave, what to remove.
#[derive(Debug, Clone)]
pub struct Plan<'l> {
    /// Distributions to install, biggest file first.
    pub install: Vec<PlannedInstall<'l>>,
    /// Local source trees to build and install.
    pub trees: Vec<PlannedTree<'l>>,
    /// Needed distributions already installed at their locked version.
    pub unchanged: Vec<&'l LockedPackage>,
    /// Installed distributions nothing needs (the project excepted), to remove.
    pub extraneous: Vec<InstalledDist>,
}

impl<'l> Plan<'l> {
    /// Plan a sync of `site` to what `selection` of `lock` needs for
    /// `interp`. `project` is the project's own name: its installed copy is
    /// never extraneous (the caller installs the project itself). A
    /// distribution for which `reinstall` answers `true` is installed again
    /// even when `site` has its locked version (`sync --reinstall`).
    ///
    /// # Errors
    /// The first needed distribution with neither a wheel for `interp` nor an sdist.
    pub fn new(
        lock: &'l Lock,
        selection: &Selection,
        interp: &Interpreter,
        site: &SitePackages,
        cache: &dyn CacheState,
        project: &PackageName,
        reinstall: &dyn Fn(&PackageName) -> bool,
    ) -> Result<Self, NoFileForInterpreter> {
        let needed = lock.needed_for(selection, &interp.markers);
        let mut install = Vec::new();
        let mut trees = Vec::new();
        let mut unchanged = Vec::new();
        for pkg in &needed {
            let pkg: &'l LockedPackage = pkg;
            if let Some((path, editable)) = pkg.source_tree() {
                let installed = site.get(&pkg.name);
                if installed.is_some_and(|d| {
                    d.version == pkg.version && d.editable == editable && !reinstall(&pkg.name)
                }) {
                    unchanged.push(pkg);
                } else {
                    trees.push(PlannedTree {
                        package: pkg,
                        path,
                        editable,
                        replaces: installed.cloned(),
                    });
                }
                continue;
            }
            let file = best_wheel(pkg, interp)
                .or(pkg.sdist.as_ref())
                .ok_or_else(|| NoFileForInterpreter {
                    name: pkg.name.clone(),
                    version: pkg.version.clone(),
                })?;
            let installed = site.get(&pkg.name);
            if let Some(d) = installed {
                if d.version == pkg.version && !d.editable && !reinstall(&pkg.name) {
                    unchanged.push(pkg);
                    continue;
                }
            }
            let is_sdist = pkg.sdist.as_ref().is_some_and(|s| std::ptr::eq(s, file));
            let source = if is_sdist {
                FileSource::Build
            } else if cache.has(file) {
                FileSource::Cached
            } else {
                FileSource::Download
            };
            install.push(PlannedInstall {
                package: pkg,
                file,
                source,
                replaces: installed.cloned(),
            });
        }
        let wanted: HashSet<&PackageName> = needed.iter().map(|p| &p.name).collect();
        let extraneous = site
            .distributions()
            .iter()
            .filter(|d| &d.name != project && !wanted.contains(&d.name))
            .cloned()
            .collect();
        install.sort_by_key(|p| std::cmp::Reverse(p.file.size.unwrap_or(0)));
        Ok(Self {
            install,
            trees,
            unchanged,
            extraneous,
        })
    }

    /// The planned installs whose file comes from `source`.
    pub fn from_source(&self, source: FileSource) -> impl Iterator<Item = &PlannedInstall<'l>> {
        self.install.iter().filter(move |p| p.source == source)
    }

    /// The planned installs that replace an installed distribution.
    pub fn reinstalls(&self) -> impl Iterator<Item = &PlannedInstall<'l>> {
        self.install.iter().filter(|p| p.replaces.is_some())
    }

    /// Whether every file to install is already in the cache (so no
    /// network is needed; nothing to install counts as all cached).
    pub fn all_cached(&self) -> bool {
        self.install.iter().all(|p| p.source == FileSource::Cached)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venv::Tags;
    use pep440_rs::Version;
    use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};
    use std::path::PathBuf;

    /// CPython 3.12 on Linux x86_64, made in memory.
    fn interpreter() -> Interpreter {
        let markers = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: "3.12.1",
            os_name: "posix",
            platform_machine: "x86_64",
            platform_python_implementation: "CPython",
            platform_release: "",
            platform_system: "Linux",
            platform_version: "",
            python_full_version: "3.12.1",
            python_version: "3.12",
            sys_platform: "linux",
        })
        .unwrap();
        Interpreter {
            executable: PathBuf::from("python3"),
            base_prefix: PathBuf::new(),
            version: Version::from_str("3.12.1").unwrap(),
            markers,
            tags: Tags::from_parts(
                "cpython",
                (3, 12),
                false,
                vec!["manylinux_2_17_x86_64".into(), "linux_x86_64".into()],
            ),
            gil_disabled: false,
            implementation: "cpython".into(),
            purelib_rel: PathBuf::from("lib/python3.12/site-packages"),
            platform: "linux_x86_64".into(),
        }
    }

    const LOCK: &str = r#"version = 1
requires-python = ">=3.9"

[manifest]
requirements = []

[[package]]
name = "demo"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "big" }, { name = "cached" }, { name = "colorama", marker = "sys_platform == 'win32'" }, { name = "from-sdist" }, { name = "kept" }, { name = "upgraded" }, { name = "was-editable" }]

[[package]]
name = "big"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = []
wheels = [
    { url = "https://f.example/big-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", sha256 = "01", size = 9000 },
    { url = "https://f.example/big-1.0-py3-none-any.whl", sha256 = "02", size = 9999 },
    { url = "https://f.example/big-1.0-cp312-cp312-win_amd64.whl", sha256 = "03", size = 9 },
]

[[package]]
name = "cached"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
dependencies = []
wheels = [{ url = "https://f.example/cached-2.0-py3-none-any.whl", sha256 = "04", size = 10 }]

[[package]]
name = "colorama"
version = "0.4.6"
source = { registry = "https://pypi.org/simple" }
dependencies = []
wheels = [{ url = "https://f.example/colorama-0.4.6-py3-none-any.whl", sha256 = "05", size = 10 }]

[[package]]
name = "from-sdist"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = []
sdist = { url = "https://f.example/from_sdist-1.0.tar.gz", sha256 = "06", size = 100 }
wheels = [{ url = "https://f.example/from_sdist-1.0-cp312-cp312-win_amd64.whl", sha256 = "07", size = 10 }]

[[package]]
name = "kept"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = []
wheels = [{ url = "https://f.example/kept-1.0-py3-none-any.whl", sha256 = "08", size = 10 }]

[[package]]
name = "upgraded"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
dependencies = []
wheels = [{ url = "https://f.example/upgraded-2.0-py3-none-any.whl", sha256 = "09", size = 20 }]

[[package]]
name = "was-editable"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = []
wheels = [{ url = "https://f.example/was_editable-1.0-py3-none-any.whl", sha256 = "0a", size = 30 }]
"#;

    fn dist(name: &str, version: &str, editable: bool) -> InstalledDist {
        InstalledDist {
            name: PackageName::from_str(name).unwrap(),
            version: Version::from_str(version).unwrap(),
            dist_info: PathBuf::from(format!("/venv/site/{name}-{version}.dist-info")),
            editable,
        }
    }

    fn main_only() -> Selection {
        Selection {
            main: true,
            extras: Vec::new(),
            groups: Vec::new(),
        }
    }

    fn names<'a>(it: impl Iterator<Item = &'a PlannedInstall<'a>>) -> Vec<String> {
        it.map(|p| format!("{}=={}", p.package.name, p.package.version))
            .collect()
    }

    #[test]
    fn plan_sorts_what_is_cached_downloaded_built_reinstalled_extraneous_or_unchanged() {
        let lock = Lock::parse(LOCK, "envy.lock").unwrap();
        let site = SitePackages::from_distributions(vec![
            dist("kept", "1.0", false),
            dist("upgraded", "1.0", false),
            dist("was-editable", "1.0", true),
            dist("leftover", "3.0", false),
            dist("demo", "0.1.0", true),
        ]);
        let cache = |f: &FileEntry| f.sha256() == "04";
        let project = PackageName::from_str("demo").unwrap();
        let plan = Plan::new(
            &lock,
            &main_only(),
            &interpreter(),
            &site,
            &cache,
            &project,
            &|_| false,
        )
        .unwrap();
        // Biggest file first; the most preferred compatible wheel, never
        // the Windows one; colorama's marker is false on Linux.
        assert_eq!(
            plan.install
                .iter()
                .map(|p| p.file.filename())
                .collect::<Vec<_>>(),
            [
                "big-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
                "from_sdist-1.0.tar.gz",
                "was_editable-1.0-py3-none-any.whl",
                "upgraded-2.0-py3-none-any.whl",
                "cached-2.0-py3-none-any.whl",
            ]
        );
        assert_eq!(names(plan.from_source(FileSource::Cached)), ["cached==2.0"]);
        assert_eq!(
            names(plan.from_source(FileSource::Download)),
            ["big==1.0", "was-editable==1.0", "upgraded==2.0"]
        );
        assert_eq!(
            names(plan.from_source(FileSource::Build)),
            ["from-sdist==1.0"]
        );
        let reinstalls: Vec<String> = plan
            .reinstalls()
            .map(|p| {
                let old = p.replaces.as_ref().unwrap();
                format!(
                    "{} {} -> {}",
                    p.package.name, old.version, p.package.version
                )
            })
            .collect();
        assert_eq!(
            reinstalls,
            ["was-editable 1.0 -> 1.0", "upgraded 1.0 -> 2.0"]
        );
        let unchanged: Vec<String> = plan.unchanged.iter().map(|p| p.name.to_string()).collect();
        assert_eq!(unchanged, ["kept"]);
        // The project's own install is never extraneous.
        let extraneous: Vec<String> = plan.extraneous.iter().map(|d| d.name.to_string()).collect();
        assert_eq!(extraneous, ["leftover"]);
        assert!(!plan.all_cached());
    }

    #[test]
    fn a_synced_site_plans_nothing_and_needs_no_network() {
        let lock = Lock::parse(LOCK, "envy.lock").unwrap();
        let site = SitePackages::from_distributions(
            [
                ("big", "1.0"),
                ("cached", "2.0"),
                ("from-sdist", "1.0"),
                ("kept", "1.0"),
                ("upgraded", "2.0"),
                ("was-editable", "1.0"),
            ]
            .iter()
            .map(|(n, v)| dist(n, v, false))
            .collect(),
        );
        let nothing_cached = |_: &FileEntry| false;
        let project = PackageName::from_str("demo").unwrap();
        let plan = Plan::new(
            &lock,
            &main_only(),
            &interpreter(),
            &site,
            &nothing_cached,
            &project,
            &|_| false,
        )
        .unwrap();
        assert!(plan.install.is_empty());
        assert!(plan.extraneous.is_empty());
        assert_eq!(plan.unchanged.len(), 6);
        assert!(plan.all_cached());
    }

    #[test]
    fn a_needed_distribution_without_a_file_for_the_interpreter_is_an_error() {
        let text = LOCK.replace(
            "sdist = { url = \"https://f.example/from_sdist-1.0.tar.gz\", sha256 = \"06\", size = 100 }\n",
            "",
        );
        let lock = Lock::parse(&text, "envy.lock").unwrap();
        let project = PackageName::from_str("demo").unwrap();
        let err = Plan::new(
            &lock,
            &main_only(),
            &interpreter(),
            &SitePackages::default(),
            &|_: &FileEntry| true,
            &project,
            &|_| false,
        )
        .unwrap_err();
        assert_eq!(err.name.as_ref(), "from-sdist");
        assert_eq!(err.version.to_string(), "1.0");
    }

    #[test]
    fn source_trees_are_planned_apart_and_kept_when_installed_the_same_way() {
        let text = r#"version = 1
requires-python = ">=3.9"

[manifest]
requirements = []

[[package]]
name = "demo"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "built" }, { name = "edited" }, { name = "switched" }]

[[package]]
name = "built"
version = "1.0"
source = { path = "../built" }
dependencies = []

[[package]]
name = "edited"
version = "2.0"
source = { editable = "../edited" }
dependencies = []

[[package]]
name = "switched"
version = "3.0"
source = { path = "../switched" }
dependencies = []
"#;
        let lock = Lock::parse(text, "envy.lock").unwrap();
        let site = SitePackages::from_distributions(vec![
            dist("built", "1.0", false),
            dist("edited", "2.0", true),
            // Installed editable, locked as a plain build: installed again.
            dist("switched", "3.0", true),
        ]);
        let project = PackageName::from_str("demo").unwrap();
        let plan = Plan::new(
            &lock,
            &main_only(),
            &interpreter(),
            &site,
            &|_: &FileEntry| false,
            &project,
            &|_| false,
        )
        .unwrap();
        assert!(plan.install.is_empty());
        let trees: Vec<(String, &str, bool, bool)> = plan
            .trees
            .iter()
            .map(|t| {
                (
                    t.package.name.to_string(),
                    t.path,
                    t.editable,
                    t.replaces.is_some(),
                )
            })
            .collect();
        assert_eq!(
            trees,
            [("switched".to_string(), "../switched", false, true)]
        );
        let unchanged: Vec<String> = plan.unchanged.iter().map(|p| p.name.to_string()).collect();
        assert_eq!(unchanged, ["built", "edited"]);
    }
}
