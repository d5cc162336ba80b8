//! In-process resolver tests: a small DSL declares packages, versions and
//! requirements, an in-memory [`PackageIndex`] serves them, and each test
//! solves and checks the chosen versions (or the failure).

use super::*;
use crate::index::{IndexError, IndexFile, PackageIndex, ProjectPage};
use crate::types::metadata::CoreMetadata;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Mutex;

/// One version of a package in a test universe.
#[derive(Clone, Default)]
struct Release {
    requires: Vec<String>,
    extras: Vec<(String, Vec<String>)>,
    requires_python: Option<String>,
    yanked: bool,
    /// Wheel tags (`py3-none-any` when empty); `sdist_only` publishes no wheel.
    wheel_tags: Vec<String>,
    sdist_only: bool,
    upload_time: Option<String>,
}

/// A universe of packages served by [`MemIndex`].
#[derive(Default)]
struct Universe {
    releases: BTreeMap<(String, String), Release>,
}

impl Universe {
    fn new() -> Self {
        Self::default()
    }

    /// Add `name==version` requiring `requires`.
    fn add(mut self, name: &str, version: &str, requires: &[&str]) -> Self {
        self.releases.insert(
            (name.to_string(), version.to_string()),
            Release {
                requires: requires.iter().map(|s| s.to_string()).collect(),
                ..Release::default()
            },
        );
        self
    }

    /// Change the release added last for `name==version`.
    fn with(mut self, name: &str, version: &str, f: impl FnOnce(&mut Release)) -> Self {
        let r = self
            .releases
            .entry((name.to_string(), version.to_string()))
            .or_default();
        f(r);
        self
    }

    fn index(self) -> Arc<MemIndex> {
        let mut pages: HashMap<PackageName, BTreeMap<Version, Vec<IndexFile>>> = HashMap::new();
        let mut metadata = HashMap::new();
        let index: Arc<str> = Arc::from("memory://index/simple/");
        for ((name, version), r) in self.releases {
            let pname = PackageName::from_str(&name).unwrap();
            let v = Version::from_str(&version).unwrap();
            let rp = r
                .requires_python
                .as_deref()
                .map(|s| VersionSpecifiers::from_str(s).unwrap());
            let file = |filename: String, wheel: bool| IndexFile {
                url: format!("memory://files/{filename}"),
                filename,
                sha256: Some("0".repeat(64)),
                size: Some(1),
                requires_python: rp.clone(),
                yanked: r.yanked.then(String::new),
                core_metadata: true,
                metadata_sha256: None,
                upload_time: r.upload_time.clone(),
                index: index.clone(),
                version: v.clone(),
                wheel,
            };
            let stem = name.replace('-', "_");
            let mut files = vec![file(format!("{stem}-{version}.tar.gz"), false)];
            if !r.sdist_only {
                let tags = if r.wheel_tags.is_empty() {
                    vec!["py3-none-any".to_string()]
                } else {
                    r.wheel_tags.clone()
                };
                for t in tags {
                    files.push(file(format!("{stem}-{version}-{t}.whl"), true));
                }
            }
            pages
                .entry(pname.clone())
                .or_default()
                .insert(v.clone(), files);
            let mut text = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
            if let Some(rp) = &r.requires_python {
                text.push_str(&format!("Requires-Python: {rp}\n"));
            }
            for req in &r.requires {
                text.push_str(&format!("Requires-Dist: {req}\n"));
            }
            for (extra, reqs) in &r.extras {
                text.push_str(&format!("Provides-Extra: {extra}\n"));
                for req in reqs {
                    let joined = if req.contains(';') {
                        format!("{req} and extra == \"{extra}\"")
                    } else {
                        format!("{req} ; extra == \"{extra}\"")
                    };
                    text.push_str(&format!("Requires-Dist: {joined}\n"));
                }
            }
            metadata.insert(
                (pname, v),
                Arc::new(CoreMetadata::parse(text.as_bytes()).unwrap()),
            );
        }
        let pages = pages
            .into_iter()
            .map(|(name, versions)| {
                let page = ProjectPage {
                    name: name.clone(),
                    index: index.to_string(),
                    versions,
                };
                (name, Arc::new(page))
            })
            .collect();
        Arc::new(MemIndex {
            pages,
            metadata,
            asked: Mutex::default(),
            metadata_asked: Mutex::default(),
        })
    }
}

/// An index held in memory; records which pages were asked for.
struct MemIndex {
    pages: HashMap<PackageName, Arc<ProjectPage>>,
    metadata: HashMap<(PackageName, Version), Arc<CoreMetadata>>,
    asked: Mutex<Vec<String>>,
    /// `(name==version, thread name)` of every metadata request.
    metadata_asked: Mutex<Vec<(String, String)>>,
}

impl PackageIndex for MemIndex {
    fn project(&self, name: &PackageName) -> Result<Arc<ProjectPage>, IndexError> {
        self.asked.lock().unwrap().push(name.to_string());
        self.pages
            .get(name)
            .cloned()
            .ok_or_else(|| IndexError::NotFound {
                name: name.to_string(),
                indexes: "memory".to_string(),
            })
    }

    fn metadata(
        &self,
        page: &ProjectPage,
        version: &Version,
    ) -> Result<Arc<CoreMetadata>, IndexError> {
        let thread = std::thread::current().name().unwrap_or("").to_string();
        self.metadata_asked
            .lock()
            .unwrap()
            .push((format!("{}=={version}", page.name), thread));
        Ok(self.metadata[&(page.name.clone(), version.clone())].clone())
    }

    fn download(&self, _file: &IndexFile) -> Result<PathBuf, IndexError> {
        unreachable!("the in-memory index serves metadata for every version")
    }
}

/// A resolver input for `requirements` under `requires_python`.
fn input(requirements: &[&str], requires_python: &str) -> ResolverInput {
    ResolverInput {
        root_name: "project".to_string(),
        project: Some(PackageName::from_str("project").unwrap()),
        project_version: Some(Version::from_str("1.0").unwrap()),
        requirements: requirements
            .iter()
            .map(|r| Requirement::from_str(r).unwrap())
            .collect(),
        requires_python: VersionSpecifiers::from_str(requires_python).unwrap(),
        preferences: HashMap::new(),
        prerelease: PrereleaseMode::default(),
        resolution: ResolutionMode::default(),
        fork_strategy: ForkStrategy::default(),
        exclude_newer: None,
        no_build: PackageSelector::default(),
        no_binary: PackageSelector::default(),
        constraints: Vec::new(),
        overrides: Vec::new(),
        required_environments: Vec::new(),
        sdist_metadata: None,
    }
}

/// Solve and render `name==version` (with ` ; marker` for forked versions),
/// sorted, or the failure text.
fn solve(index: Arc<MemIndex>, input: ResolverInput) -> Result<Vec<String>, String> {
    let resolution = resolve(index, input, &[]).map_err(|e| e.to_string())?;
    Ok(resolution
        .packages
        .values()
        .map(|p| {
            let marker = p.fork_marker.try_to_string();
            match marker {
                Some(m) => format!("{}=={} ; {m}", p.name, p.version),
                None => format!("{}=={}", p.name, p.version),
            }
        })
        .collect())
}

fn pins(index: Arc<MemIndex>, reqs: &[&str]) -> Result<Vec<String>, String> {
    solve(index, input(reqs, ">=3.8"))
}

#[test]
fn highest_version_in_range() {
    let u = Universe::new()
        .add("a", "1.0", &[])
        .add("a", "2.0", &[])
        .add("a", "3.0", &[]);
    assert_eq!(pins(u.index(), &["a<3"]).unwrap(), ["a==2.0"]);
}

#[test]
fn transitive_requirements_are_followed() {
    let u = Universe::new()
        .add("a", "1.0", &["b>=2"])
        .add("b", "1.0", &[])
        .add("b", "2.5", &[]);
    assert_eq!(pins(u.index(), &["a"]).unwrap(), ["a==1.0", "b==2.5"]);
}

#[test]
fn backtracks_over_a_conflicting_version() {
    let u = Universe::new()
        .add("a", "1.0", &["c<2"])
        .add("a", "2.0", &["c>=3"])
        .add("b", "1.0", &["c<2"])
        .add("c", "1.0", &[])
        .add("c", "3.0", &[]);
    assert_eq!(
        pins(u.index(), &["a", "b"]).unwrap(),
        ["a==1.0", "b==1.0", "c==1.0"]
    );
}

#[test]
fn walking_down_a_version_history_prefetches_the_next_versions_in_batches() {
    // a==k needs x==k, and only x 1.0 exists: the solver tries a 30, 29, ... 1.
    let mut u = Universe::new().add("x", "1.0", &[]);
    for k in 1..=30 {
        u = u.add("a", &format!("{k}.0"), &[&format!("x=={k}.0")]);
    }
    let index = u.index();
    assert_eq!(pins(index.clone(), &["a"]).unwrap(), ["a==1.0", "x==1.0"]);
    let background: std::collections::BTreeSet<String> = index
        .metadata_asked
        .lock()
        .unwrap()
        .iter()
        .filter(|(what, thread)| what.starts_with("a==") && thread.starts_with("envy-io-"))
        .map(|(what, _)| what.clone())
        .collect();
    // Batches of 5, 10, 20... below the versions already tried (the first
    // guess, a==30.0, is fetched in the background too).
    assert!(background.len() >= 15, "{background:?}");
    assert!(background.contains("a==1.0"), "{background:?}");
}

#[test]
fn unknown_package_fails() {
    let u = Universe::new().add("a", "1.0", &[]);
    let err = pins(u.index(), &["nope"]).unwrap_err();
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn yanked_versions_are_skipped_unless_pinned() {
    let u = Universe::new()
        .add("a", "1.0", &[])
        .add("a", "2.0", &[])
        .with("a", "2.0", |r| r.yanked = true);
    assert_eq!(pins(u.index(), &["a"]).unwrap(), ["a==1.0"]);
    let u = Universe::new()
        .add("a", "1.0", &[])
        .add("a", "2.0", &[])
        .with("a", "2.0", |r| r.yanked = true);
    assert_eq!(pins(u.index(), &["a==2.0"]).unwrap(), ["a==2.0"]);
}

#[test]
fn requires_python_forks_by_default_and_not_under_fewest() {
    let u = || {
        Universe::new()
            .add("a", "1.0", &[])
            .add("a", "2.0", &[])
            .with("a", "2.0", |r| r.requires_python = Some(">=3.10".into()))
            .index()
    };
    assert_eq!(
        pins(u(), &["a"]).unwrap(),
        [
            "a==1.0 ; python_full_version < '3.10'",
            "a==2.0 ; python_full_version >= '3.10'"
        ]
    );
    let mut i = input(&["a"], ">=3.8");
    i.fork_strategy = ForkStrategy::Fewest;
    assert_eq!(solve(u(), i).unwrap(), ["a==1.0"]);
    // A release for Pythons the project does not support at all is skipped.
    let u = Universe::new()
        .add("a", "1.0", &[])
        .add("a", "2.0", &[])
        .with("a", "2.0", |r| r.requires_python = Some(">=3.20".into()));
    assert_eq!(
        solve(u.index(), input(&["a"], ">=3.8,<3.13")).unwrap(),
        ["a==1.0"]
    );
}

#[test]
fn extras_bring_their_requirements() {
    let u = Universe::new()
        .add("a", "1.0", &[])
        .with("a", "1.0", |r| {
            r.extras = vec![("x".into(), vec!["b".into()])]
        })
        .add("b", "1.0", &[]);
    assert_eq!(pins(u.index(), &["a[x]"]).unwrap(), ["a==1.0", "b==1.0"]);
    let u = Universe::new()
        .add("a", "1.0", &[])
        .with("a", "1.0", |r| {
            r.extras = vec![("x".into(), vec!["b".into()])]
        })
        .add("b", "1.0", &[]);
    assert_eq!(pins(u.index(), &["a"]).unwrap(), ["a==1.0"]);
}

#[test]
fn markers_fork_the_resolution() {
    let u = Universe::new().add("a", "1.0", &[]).add("a", "2.0", &[]);
    let got = pins(
        u.index(),
        &[
            "a==1.0 ; sys_platform == 'win32'",
            "a==2.0 ; sys_platform != 'win32'",
        ],
    )
    .unwrap();
    assert_eq!(
        got,
        [
            "a==1.0 ; sys_platform == 'win32'",
            "a==2.0 ; sys_platform != 'win32'"
        ]
    );
}

#[test]
fn constraints_narrow_and_overrides_replace() {
    let u = Universe::new()
        .add("a", "1.0", &["b<2"])
        .add("b", "1.0", &[])
        .add("b", "2.0", &[])
        .add("b", "3.0", &[]);
    let mut i = input(&["a"], ">=3.8");
    i.overrides = vec![Requirement::from_str("b>=2").unwrap()];
    i.constraints = vec![Requirement::from_str("b<3").unwrap()];
    // The override replaces `b<2`; the constraint is not applied under an
    // override of the same name.
    assert_eq!(solve(u.index(), i).unwrap(), ["a==1.0", "b==3.0"]);
    let u = Universe::new()
        .add("a", "1.0", &["b"])
        .add("b", "1.0", &[])
        .add("b", "2.0", &[]);
    let mut i = input(&["a"], ">=3.8");
    i.constraints = vec![Requirement::from_str("b<2").unwrap()];
    assert_eq!(solve(u.index(), i).unwrap(), ["a==1.0", "b==1.0"]);
}

#[test]
fn lowest_resolution_picks_lowest() {
    let u = Universe::new()
        .add("a", "1.0", &["b"])
        .add("a", "2.0", &["b"])
        .add("b", "1.0", &[])
        .add("b", "2.0", &[]);
    let mut i = input(&["a"], ">=3.8");
    i.resolution = ResolutionMode::Lowest;
    assert_eq!(solve(u.index(), i).unwrap(), ["a==1.0", "b==1.0"]);
    let u = Universe::new()
        .add("a", "1.0", &["b"])
        .add("a", "2.0", &["b"])
        .add("b", "1.0", &[])
        .add("b", "2.0", &[]);
    let mut i = input(&["a"], ">=3.8");
    i.resolution = ResolutionMode::LowestDirect;
    assert_eq!(solve(u.index(), i).unwrap(), ["a==1.0", "b==2.0"]);
}

#[test]
fn preferences_are_kept_when_allowed() {
    let u = Universe::new().add("a", "1.0", &[]).add("a", "2.0", &[]);
    let mut i = input(&["a"], ">=3.8");
    i.preferences.insert(
        PackageName::from_str("a").unwrap(),
        Version::from_str("1.0").unwrap(),
    );
    assert_eq!(solve(u.index(), i).unwrap(), ["a==1.0"]);
}

#[test]
fn the_project_satisfies_requirements_on_its_own_name() {
    // `project` 1.0 depends (through a plugin) on itself: no second copy.
    let u = Universe::new()
        .add("plugin", "1.0", &["project>=0.5"])
        .add("project", "9.9", &[]);
    assert_eq!(pins(u.index(), &["plugin"]).unwrap(), ["plugin==1.0"]);
}

#[test]
fn a_requirement_excluding_the_project_version_conflicts() {
    let u = Universe::new()
        .add("plugin", "1.0", &["project>=2"])
        .add("project", "2.0", &[]);
    let err = pins(u.index(), &["plugin"]).unwrap_err();
    assert!(err.contains("project"), "{err}");
    assert!(err.contains(">=2"), "{err}");
}

#[test]
fn a_marker_narrows_requires_python_transitively() {
    let u = Universe::new()
        .add("a", "0.23", &["b"])
        .with("a", "0.23", |r| r.requires_python = Some(">=3.9".into()))
        .add("b", "0.5", &[])
        .add("b", "1.0", &[])
        .with("b", "1.0", |r| r.requires_python = Some(">=3.9".into()));
    assert_eq!(
        pins(u.index(), &["a>=0.23 ; python_version >= '3.9'"]).unwrap(),
        ["a==0.23", "b==1.0"]
    );
}

#[test]
fn exclude_newer_compares_upload_times_as_times() {
    let u = Universe::new()
        .add("a", "1.0", &[])
        .with("a", "1.0", |r| {
            r.upload_time = Some("2025-01-31T10:00:00Z".into())
        })
        // Later than the cutoff, though it sorts first as a string.
        .add("a", "2.0", &[])
        .with("a", "2.0", |r| {
            r.upload_time = Some("2025-01-31T20:00:00-05:00".into())
        })
        // No upload time: nothing shows it predates the cutoff.
        .add("a", "3.0", &[]);
    let mut i = input(&["a"], ">=3.8");
    i.exclude_newer = Some(ExcludeNewer::parse_now("2025-01-31").unwrap());
    assert_eq!(solve(u.index(), i).unwrap(), ["a==1.0"]);
}

/// The failure report for `reqs` over `u` (with `f` adjusting the input).
fn failure(u: Universe, reqs: &[&str], f: impl FnOnce(&mut ResolverInput)) -> String {
    let mut i = input(reqs, ">=3.8");
    f(&mut i);
    solve(u.index(), i).expect_err("the resolution must fail")
}

mod failure_reports {
    use super::*;

    #[test]
    fn an_unreleased_exact_pin() {
        let u = Universe::new()
            .add("black", "24.1.0", &[])
            .add("black", "21.2b1", &[]);
        insta::assert_snapshot!(failure(u, &["black==21.1.0"], |_| {}), @"
        no solution found when resolving dependencies:
          Because there is no version of `black==21.1.0` and your project depends on `black==21.1.0`, we can conclude that your project's requirements are unsatisfiable.
          note: no version of `black` matches `==21.1.0` (the newest is 24.1.0)
        ");
    }

    #[test]
    fn a_transitive_cap() {
        let u = Universe::new()
            .add("flask", "3.0.0", &["werkzeug>=3.0"])
            .add("flask", "3.1.0", &["werkzeug>=3.1"])
            .add("werkzeug", "1.0.1", &[])
            .add("werkzeug", "3.1.0", &[]);
        insta::assert_snapshot!(failure(u, &["flask>=3", "werkzeug<2"], |_| {}), @"
        no solution found when resolving dependencies:
          Because there is no version of `flask>3.0.0,<3.1.0 | >3.1.0` and `flask==3.0.0` depends on `werkzeug>=3.0`, we can conclude that `flask>=3.0.0,<3.1.0 | >3.1.0` depends on `werkzeug>=3.0`.
          And because `flask==3.1.0` depends on `werkzeug>=3.1`, we can conclude that `flask>=3.0.0` depends on `werkzeug>=3.0`.
          And because your project depends on `flask>=3` and your project depends on `werkzeug<2`, we can conclude that your project's requirements are unsatisfiable.
        ");
    }

    #[test]
    fn requires_python() {
        let u = Universe::new()
            .add("modern", "2.0", &[])
            .with("modern", "2.0", |r| {
                r.requires_python = Some(">=3.12".into())
            });
        insta::assert_snapshot!(failure(u, &["modern"], |i| i.fork_strategy = ForkStrategy::Fewest), @r#"
        no solution found when resolving dependencies:
          Because there is no usable version of `modern` and your project depends on `modern`, we can conclude that your project's requirements are unsatisfiable.
          note: `modern` 2.0 (requires Python >=3.12) does not support every Python the project allows (`requires-python = ">=3.8"`)
        "#);
    }

    #[test]
    fn pre_releases_only_under_disallow() {
        let u = Universe::new()
            .add("beta", "1.0b1", &[])
            .add("beta", "1.0b2", &[]);
        insta::assert_snapshot!(failure(u, &["beta"], |i| i.prerelease = PrereleaseMode::Disallow), @"
        no solution found when resolving dependencies:
          Because there is no usable version of `beta` and your project depends on `beta`, we can conclude that your project's requirements are unsatisfiable.
          note: `beta` 1.0b1, 1.0b2 are pre-releases, which `--prerelease disallow` does not permit; pass `--prerelease if-necessary-or-explicit` (the default) or `allow`
        ");
    }

    #[test]
    fn yanked_only() {
        let u = Universe::new()
            .add("gone", "1.0", &[])
            .with("gone", "1.0", |r| r.yanked = true);
        insta::assert_snapshot!(failure(u, &["gone>=1"], |_| {}), @"
        no solution found when resolving dependencies:
          Because there is no version of `gone>=1` and your project depends on `gone>=1`, we can conclude that your project's requirements are unsatisfiable.
          note: `gone` 1.0 is yanked; pin an exact version with `==` in `pyproject.toml` to use a yanked release
        ");
    }

    #[test]
    fn no_wheel_for_a_required_environment() {
        let u = Universe::new()
            .add("maconly", "1.0", &[])
            .with("maconly", "1.0", |r| {
                r.sdist_only = false;
                r.wheel_tags = vec!["cp312-cp312-macosx_11_0_arm64".into()];
            });
        insta::assert_snapshot!(failure(u, &["maconly"], |i| {
            i.no_build = PackageSelector { all: true, packages: Vec::new() };
            i.required_environments = vec![MarkerTree::from_str("sys_platform == 'linux'").unwrap()];
        }), @"
        no solution found when resolving dependencies:
          Because there is no usable version of `maconly` and your project depends on `maconly`, we can conclude that your project's requirements are unsatisfiable.
          note: `maconly` 1.0 has no wheel (and no sdist) for every required environment (`sys_platform == 'linux'`)
        ");
    }

    #[test]
    fn a_conflict_inside_one_fork() {
        let u = Universe::new()
            .add("a", "1.0", &["c==1.0"])
            .add("b", "1.0", &["c==2.0"])
            .add("c", "1.0", &[])
            .add("c", "2.0", &[]);
        insta::assert_snapshot!(failure(u, &[
            "a ; sys_platform == 'win32'",
            "b ; sys_platform == 'win32'",
            "c>=1 ; sys_platform != 'win32'",
        ], |_| {}), @"
        no solution found when resolving dependencies:
          Because there is no version of `a!=1.0` and `a==1.0` depends on `c==1.0`, we can conclude that `a` depends on `c==1.0`.
          And because `b==1.0` depends on `c==2.0` and there is no version of `b!=1.0`, we can conclude that `b`, `a` cannot all be used together.
          And because your project depends on `b` and your project depends on `a`, we can conclude that your project's requirements are unsatisfiable.
        ");
    }

    #[test]
    fn a_conflict_across_groups() {
        let u = Universe::new().add("a", "1.0", &[]).add("a", "2.0", &[]);
        insta::assert_snapshot!(failure(u, &["a==1.0", "a==2.0"], |_| {}), @"
        no solution found when resolving dependencies:
          Because your project requires `a==1.0` and `a==2.0`, which no single version satisfies, we can conclude that your project's requirements are unsatisfiable.
        ");
    }

    #[test]
    fn an_unknown_package() {
        let u = Universe::new().add("a", "1.0", &[]);
        insta::assert_snapshot!(failure(u, &["no-such-package"], |_| {}), @"package `no-such-package` was not found in the package index (memory)");
    }

    #[test]
    fn a_conflicting_override() {
        let u = Universe::new()
            .add("a", "1.0", &["b<2"])
            .add("b", "1.0", &[])
            .add("b", "2.0", &[]);
        insta::assert_snapshot!(failure(u, &["a", "b"], |i| {
            i.overrides = vec![Requirement::from_str("b>=5").unwrap()];
        }), @"
        no solution found when resolving dependencies:
          Because there is no version of `b>=5` and your project depends on `b>=5`, we can conclude that your project's requirements are unsatisfiable.
          note: no version of `b` matches `>=5` (the newest is 2.0)
        ");
    }

    #[test]
    fn no_version_in_range() {
        let u = Universe::new().add("a", "1.0", &[]).add("a", "2.0", &[]);
        insta::assert_snapshot!(failure(u, &["a>=5"], |_| {}), @"
        no solution found when resolving dependencies:
          Because there is no version of `a>=5` and your project depends on `a>=5`, we can conclude that your project's requirements are unsatisfiable.
          note: no version of `a` matches `>=5` (the newest is 2.0)
        ");
    }

    #[test]
    fn the_project_version_excluded() {
        let u = Universe::new().add("plugin", "1.0", &["project>=2"]);
        insta::assert_snapshot!(failure(u, &["plugin"], |_| {}), @"
        no solution found when resolving dependencies:
          Because there is no version of `plugin!=1.0` and `plugin==1.0` depends on `project>=2` (your project, which is at 1.0), we can conclude that `plugin` depends on `project>=2` (your project, which is at 1.0).
          And because your project depends on `plugin`, we can conclude that your project's requirements are unsatisfiable.
        ");
    }

    #[test]
    fn an_extra_brings_the_conflict() {
        let u = Universe::new()
            .add("a", "1.0", &[])
            .with("a", "1.0", |r| {
                r.extras = vec![("x".into(), vec!["b>=2".into()])]
            })
            .add("b", "1.0", &[])
            .add("b", "2.0", &[]);
        insta::assert_snapshot!(failure(u, &["a[x]", "b<2"], |_| {}), @"
        no solution found when resolving dependencies:
          Because there is no version of `a[x]!=1.0` and `a[x]==1.0` depends on `b>=2`, we can conclude that `a[x]` depends on `b>=2`.
          And because your project depends on `b<2` and your project depends on `a[x]`, we can conclude that your project's requirements are unsatisfiable.
        ");
    }

    #[test]
    fn excluded_as_newer() {
        let u = Universe::new().add("a", "1.0", &[]).with("a", "1.0", |r| {
            r.upload_time = Some("2026-01-01T00:00:00Z".into())
        });
        insta::assert_snapshot!(failure(u, &["a"], |i| {
            i.exclude_newer = Some(ExcludeNewer::parse_now("2025-01-01").unwrap());
        }), @"
        no solution found when resolving dependencies:
          Because there is no usable version of `a` and your project depends on `a`, we can conclude that your project's requirements are unsatisfiable.
          note: `a` 1.0 is ignored: uploaded at or after the `--exclude-newer` cutoff 2025-01-02T00:00:00Z, or without an upload time
        ");
    }

    #[test]
    fn only_an_sdist_and_no_build() {
        let u = Universe::new()
            .add("src", "1.0", &[])
            .with("src", "1.0", |r| r.sdist_only = true);
        insta::assert_snapshot!(failure(u, &["src"], |i| {
            i.no_build = PackageSelector { all: true, packages: Vec::new() };
        }), @"
        no solution found when resolving dependencies:
          Because there is no usable version of `src` and your project depends on `src`, we can conclude that your project's requirements are unsatisfiable.
          note: `src` 1.0 has no file envy may use here: only wheels for other interpreters or platforms, or files that `--no-build`/`--no-binary` rule out
        ");
    }

    #[test]
    fn a_deep_chain() {
        let u = Universe::new()
            .add("a", "1.0", &["b==1.0"])
            .add("a", "2.0", &["b==2.0"])
            .add("b", "1.0", &["c==1.0"])
            .add("b", "2.0", &["c==2.0"])
            .add("c", "1.0", &[])
            .add("c", "2.0", &[])
            .add("d", "1.0", &["c==3.0"]);
        insta::assert_snapshot!(failure(u, &["a", "d"], |_| {}), @"
        no solution found when resolving dependencies:
          Because there is no version of `c==3.0` and `d==1.0` depends on `c==3.0`, we can conclude that `d==1.0` cannot be used.
          And because there is no version of `d!=1.0` and your project depends on `d`, we can conclude that your project's requirements are unsatisfiable.
          note: no version of `c` matches `==3.0` (the newest is 2.0)
        ");
    }
}

#[test]
fn a_dependency_requiring_a_direct_reference_is_never_resolved_from_the_index() {
    let u = || {
        Universe::new()
            .add("a", "1.0", &[])
            .add(
                "a",
                "2.0",
                &["evil @ https://files.example/evil-1.0-py3-none-any.whl"],
            )
            .add("evil", "9.0", &[])
    };
    // The version that needs the direct reference is passed over ...
    assert_eq!(pins(u().index(), &["a"]).unwrap(), ["a==1.0"]);
    // ... and when it is the only one, the failure says why.
    let err = pins(u().index(), &["a>=2"]).unwrap_err();
    assert!(err.contains("by direct reference"), "{err}");
    assert!(!err.contains("evil==9.0"), "{err}");
}
