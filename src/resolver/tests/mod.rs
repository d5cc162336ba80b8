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
    /// Publish no sdist (wheels only).
    no_sdist: bool,
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
            let mut files = Vec::new();
            if !r.no_sdist {
                files.push(file(format!("{stem}-{version}.tar.gz"), false));
            }
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
        requirement_sources: Vec::new(),
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
        direct: BTreeMap::new(),
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

/// The shape of issue #13's graphene example: `graphql-core` is decided
/// first (newest 3.3.2), and every `graphene-django` 3.x and `graphene` 3.x
/// caps it below 3.3, while the 2017 releases (2.x) do not cap it at all.
/// Walking `graphene-django` back through its history ends on 2.x, a set
/// valid by metadata that fails on import; a package that keeps
/// conflicting is decided first instead, and the lock is uv's:
/// graphene-django 3.2.3, graphene 3.4.3, graphql-core 3.2.14.
#[test]
fn a_package_that_keeps_conflicting_is_decided_first_not_walked_back() {
    let mut u = Universe::new().add("app", "1.0", &["graphene-django"]).add(
        "graphql-relay",
        "3.2.0",
        &["graphql-core>=3.2,<3.3"],
    );
    for v in ["2.0", "3.0", "3.1.7", "3.2.14", "3.3.2"] {
        u = u.add("graphql-core", v, &[]);
    }
    for v in ["2.0", "2.1.9"] {
        u = u.add("graphene", v, &["graphql-core>=2.0"]);
    }
    for v in ["3.0", "3.3", "3.4.3"] {
        u = u.add(
            "graphene",
            v,
            &["graphql-core>=3.1,<3.3", "graphql-relay>=3.1,<3.3"],
        );
    }
    for v in ["2.0.0", "2.5.0", "2.10.0", "2.15.0"] {
        u = u.add("graphene-django", v, &["graphene>=2.0"]);
    }
    for v in ["3.0.0", "3.1.5", "3.2.0", "3.2.1", "3.2.2", "3.2.3"] {
        u = u.add(
            "graphene-django",
            v,
            &["graphene>=3.0,<4", "graphql-core>=3.1.0,<3.3"],
        );
    }
    assert_eq!(
        pins(u.index(), &["graphql-core", "app"]).unwrap(),
        [
            "app==1.0",
            "graphene==3.4.3",
            "graphene-django==3.2.3",
            "graphql-core==3.2.14",
            "graphql-relay==3.2.0"
        ]
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
    failure_under(u, reqs, ">=3.8", f)
}

/// [`failure`] under another `requires-python`.
fn failure_under(
    u: Universe,
    reqs: &[&str],
    requires_python: &str,
    f: impl FnOnce(&mut ResolverInput),
) -> String {
    let mut i = input(reqs, requires_python);
    f(&mut i);
    solve(u.index(), i).expect_err("the resolution must fail")
}

mod failure_reports;

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

#[test]
fn a_direct_reference_has_its_one_version_and_its_name_is_never_asked_of_the_index() {
    let index = Universe::new()
        .add("lib", "1.0", &[])
        .add("lib", "9.0", &[])
        .add("child", "1.0", &[])
        .add("app", "1.0", &["lib>=0.5"])
        .index();
    let direct = |version: &str, requires: &str| {
        let text = format!(
            "Metadata-Version: 2.3\nName: lib\nVersion: {version}\nRequires-Dist: {requires}\n"
        );
        Arc::new(CoreMetadata::parse(text.as_bytes()).unwrap())
    };
    let mut i = input(&["lib", "app"], ">=3.8");
    i.direct.insert(
        PackageName::from_str("lib").unwrap(),
        direct("0.5", "child>=1"),
    );
    let pinned = solve(index.clone(), i).unwrap();
    assert_eq!(pinned, ["app==1.0", "child==1.0", "lib==0.5"]);
    assert!(
        !index.asked.lock().unwrap().iter().any(|n| n == "lib"),
        "{:?}",
        index.asked.lock().unwrap()
    );
    // A requirement the one version does not meet is a conflict, with a
    // note that no index was asked.
    let mut i = input(&["lib", "app"], ">=3.8");
    i.direct.insert(
        PackageName::from_str("lib").unwrap(),
        direct("0.4", "child>=1"),
    );
    let err = solve(index.clone(), i).unwrap_err();
    assert!(
        err.contains("direct reference, whose only version is 0.4"),
        "{err}"
    );
    assert!(!index.asked.lock().unwrap().iter().any(|n| n == "lib"));
}

#[test]
fn a_transitive_direct_reference_is_allowed_only_when_the_project_declares_that_name() {
    let u = || {
        Universe::new()
            .add(
                "a",
                "1.0",
                &["lib @ https://files.example/lib-0.5-py3-none-any.whl"],
            )
            .add("b", "1.0", &[])
            .with("b", "1.0", |r| {
                r.extras = vec![(
                    "x".to_string(),
                    vec!["evil @ https://files.example/evil-1.0-py3-none-any.whl".to_string()],
                )];
            })
            .add("lib", "9.0", &[])
            .add("evil", "9.0", &[])
    };
    // Not declared by the project: `a` is unusable.
    let err = pins(u().index(), &["a"]).unwrap_err();
    assert!(err.contains("by direct reference"), "{err}");
    // Declared: satisfied by the project's own direct reference.
    let meta = CoreMetadata::parse(b"Metadata-Version: 2.3\nName: lib\nVersion: 0.5\n").unwrap();
    let mut i = input(&["a", "lib"], ">=3.8");
    i.direct
        .insert(PackageName::from_str("lib").unwrap(), Arc::new(meta));
    assert_eq!(solve(u().index(), i).unwrap(), ["a==1.0", "lib==0.5"]);
    // An extra's direct reference is refused like any other.
    let err = pins(u().index(), &["b[x]"]).unwrap_err();
    assert!(err.contains("by direct reference"), "{err}");
    assert!(!err.contains("evil==9.0"), "{err}");
}

/// Issue #13/#15's boto3-stubs shape: every `stubs` release has extras that
/// pin a dependency to the release's own minor (`stubs 1.2.x [s3]` requires
/// `x-s3>=1.2,<1.3`), and the newest minor of the dependencies (1.3) is not
/// published. The newest `stubs` (1.3.0) is rejected through its extras; the
/// solver then takes the newest 1.2.x for the distribution and every extra
/// without asking for the dependencies of the older releases one by one.
#[test]
fn an_extra_pinning_a_missing_minor_does_not_walk_the_version_history() {
    let extras = |minor: &str| {
        let pin = |dep: &str| format!("{dep}>=1.{minor},<1.{}", minor.parse::<u32>().unwrap() + 1);
        vec![
            ("s3".to_string(), vec![pin("x-s3")]),
            ("sns".to_string(), vec![pin("x-sns")]),
        ]
    };
    let mut u = Universe::new()
        .add("x-s3", "1.1.0", &[])
        .add("x-s3", "1.2.7", &[])
        .add("x-sns", "1.2.3", &[]);
    let mut versions = vec!["1.3.0".to_string()];
    for minor in 1..=2 {
        for patch in 0..40 {
            versions.push(format!("1.{minor}.{patch}"));
        }
    }
    for v in &versions {
        let minor = v.split('.').nth(1).unwrap().to_string();
        u = u
            .add("stubs", v, &["core"])
            .with("stubs", v, |r| r.extras = extras(&minor));
    }
    u = u.add("core", "1.0", &[]);
    let index = u.index();
    assert_eq!(
        pins(index.clone(), &["stubs[s3,sns]", "x-s3", "x-sns"]).unwrap(),
        ["core==1.0", "stubs==1.2.39", "x-s3==1.2.7", "x-sns==1.2.3"]
    );
    // Versions whose dependencies the solver itself asked for (background
    // prefetches run on the `envy-io-` threads and are not counted).
    let asked: std::collections::BTreeSet<String> = index
        .metadata_asked
        .lock()
        .unwrap()
        .iter()
        .filter(|(what, thread)| what.starts_with("stubs==") && !thread.starts_with("envy-io-"))
        .map(|(what, _)| what.clone())
        .collect();
    assert!(
        asked.len() <= 4,
        "{} versions asked: {asked:?}",
        asked.len()
    );
}

/// The other side of the test above: a range that an extra had only while a
/// version later rejected required it (`b 2.0` wants `a[x]<2`, but `b 2.0`
/// cannot be had) does not hold the distribution back: `a` stays at 3.0.
#[test]
fn a_range_from_a_rejected_requirer_does_not_hold_a_distribution_back() {
    let mut u = Universe::new()
        .add("b", "1.0", &[])
        .add("b", "2.0", &["a[x]<2", "d>=2"])
        .add("c", "1.0", &["a[y]"])
        .add("d", "1.0", &[]);
    for v in ["1.0", "1.5", "3.0"] {
        u = u.add("a", v, &[]).with("a", v, |r| {
            r.extras = vec![("x".into(), vec![]), ("y".into(), vec![])]
        });
    }
    assert_eq!(
        pins(u.index(), &["b", "c"]).unwrap(),
        ["a==3.0", "b==1.0", "c==1.0"]
    );
}
