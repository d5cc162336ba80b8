//! `envy lock`: resolve the project and write `envy.lock` when it changed.

use super::{status, write_atomic, Error, Result, Settings};
use crate::index::Client;
use crate::lock::{
    manifest_list, project_edges, Dep, Lock, LockedPackage, Manifest, Source, LOCK_FILE,
};
use crate::project::Project;
use crate::resolver::{self, PrereleaseMode, RequirementSource, ResolutionMode, ResolverInput};
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{PackageName, Requirement};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::Arc;

/// Options of `envy lock`.
#[derive(Debug, Clone, Default)]
pub struct LockOptions {
    /// Ignore every pin of the existing lock.
    pub upgrade: bool,
    /// Ignore the pins of these packages.
    pub upgrade_packages: Vec<PackageName>,
    /// Fail instead of writing when the lock is missing or stale.
    pub locked: bool,
    /// Pre-release policy.
    pub prerelease: PrereleaseMode,
    /// Version preference.
    pub resolution: ResolutionMode,
    /// How the universal lock splits by Python version.
    pub fork_strategy: resolver::ForkStrategy,
    /// Ignore files uploaded after this RFC 3339 timestamp.
    pub exclude_newer: Option<String>,
    /// Only wheels for these packages.
    pub no_build: resolver::PackageSelector,
    /// Only sdists for these packages.
    pub no_binary: resolver::PackageSelector,
    /// Resolve and report the changes, but write nothing.
    pub dry_run: bool,
}

/// A change between two locks, for the summary line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `+ name version`.
    Added(String, String),
    /// `- name version`.
    Removed(String, String),
    /// `~ name old -> new`.
    Updated(String, String, String),
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Added(n, v) => write!(f, "+ {n} {v}"),
            Change::Removed(n, v) => write!(f, "- {n} {v}"),
            Change::Updated(n, a, b) => write!(f, "~ {n} {a} -> {b}"),
        }
    }
}

/// A locked package in the `--json` change report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PackageVersion {
    /// The package name.
    pub name: String,
    /// Its locked version.
    pub version: String,
}

/// An updated package in the `--json` change report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PackageUpdate {
    /// The package name.
    pub name: String,
    /// The version in the old lock.
    pub from: String,
    /// The version in the new lock.
    pub to: String,
}

/// The changes of a lock as `envy lock --json` prints them (see `docs/commands/lock.md`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ChangeReport {
    /// Packages new in the lock.
    pub added: Vec<PackageVersion>,
    /// Packages whose version changed.
    pub updated: Vec<PackageUpdate>,
    /// Packages no longer in the lock.
    pub removed: Vec<PackageVersion>,
}

impl ChangeReport {
    /// Group `changes` by kind, keeping their (name) order.
    pub fn new(changes: &[Change]) -> Self {
        let mut report = Self::default();
        for c in changes {
            match c {
                Change::Added(n, v) => report.added.push(PackageVersion {
                    name: n.clone(),
                    version: v.clone(),
                }),
                Change::Removed(n, v) => report.removed.push(PackageVersion {
                    name: n.clone(),
                    version: v.clone(),
                }),
                Change::Updated(n, a, b) => report.updated.push(PackageUpdate {
                    name: n.clone(),
                    from: a.clone(),
                    to: b.clone(),
                }),
            }
        }
        report
    }
}

/// What happened.
#[derive(Debug)]
pub struct LockOutcome {
    /// The lock now on disk (or that would be).
    pub lock: Lock,
    /// Whether `envy.lock` was written.
    pub written: bool,
    /// Changes against the previous lock.
    pub changes: Vec<Change>,
}

/// The manifest `project` asks for.
pub fn manifest_of(project: &Project) -> Manifest {
    Manifest {
        constraints: manifest_list(&project.constraints),
        overrides: manifest_list(&project.overrides),
        required_environments: {
            let mut v: Vec<String> = project
                .required_environments
                .iter()
                .filter_map(pep508_rs::MarkerTree::try_to_string)
                .collect();
            v.sort();
            v
        },
        requirements: manifest_list(&project.dependencies),
        optional_dependencies: project
            .optional_dependencies
            .iter()
            .map(|(k, v)| (k.to_string(), manifest_list(v)))
            .collect(),
        dependency_groups: project
            .dependency_groups
            .iter()
            .map(|(k, v)| (k.clone(), manifest_list(v)))
            .collect(),
    }
}

/// The project's `requires-python`, or `>=X.Y` of the interpreter envy would use.
///
/// # Errors
/// When there is none and no interpreter can be found.
pub fn requires_python_of(project: &Project) -> Result<VersionSpecifiers> {
    if let Some(rp) = &project.requires_python {
        return Ok(rp.clone());
    }
    let interp = crate::venv::find_interpreter(None, &VersionSpecifiers::empty(), &project.root)?;
    let (major, minor) = interp.python_minor();
    VersionSpecifiers::from_str(&format!(">={major}.{minor}"))
        .map_err(|e| Error::new(e.to_string()))
}

/// Read `envy.lock` of the project, if there is one.
///
/// # Errors
/// When it exists but cannot be parsed (with line and column).
pub fn read_lock(project: &Project) -> Result<Option<Lock>> {
    let path = project.root.join(LOCK_FILE);
    match fs_err::read(&path) {
        Ok(bytes) => {
            let shown = path.display().to_string();
            let text =
                crate::types::decode_utf8(bytes).map_err(|at| crate::lock::LockError::Parse {
                    path: shown.clone(),
                    line: at.line,
                    column: at.column,
                    message: "not valid UTF-8".to_string(),
                })?;
            Ok(Some(Lock::parse(&text, &shown)?))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Whether `lock` still matches what `project` asks for.
pub fn is_fresh(
    lock: &Lock,
    project: &Project,
    requires_python: &VersionSpecifiers,
    options: &crate::lock::ResolverOptions,
) -> bool {
    lock.options.satisfies(options)
        && lock.manifest == manifest_of(project)
        && lock.requires_python == requires_python.to_string()
        && lock.project().is_some_and(|p| p.name == project.name)
        && sources_match(lock, project)
        && super::direct::direct_sources_match(lock, project)
        && project
            .workspace_members
            .keys()
            .all(|m| lock.package(m.as_ref()).is_some())
}

/// Whether every package pinned in `[tool.envy.sources]` is locked from its
/// index. A lock made before a pin was added (or with the pin pointing
/// elsewhere) may hold the public package the pin exists to keep out, so it
/// is stale (dependency confusion; see docs/security.md).
fn sources_match(lock: &Lock, project: &Project) -> bool {
    project.tool.sources.iter().all(|(pkg, source)| {
        let (Ok(name), Some(source_index)) = (PackageName::from_str(pkg), &source.index) else {
            return true;
        };
        let Some(index) = project.tool.index.iter().find(|i| &i.name == source_index) else {
            return false;
        };
        let want = crate::types::redact_url(&index.url);
        let want = want.trim_end_matches('/');
        lock.packages.iter().filter(|p| p.name == name).all(|p| {
            p.source
                .registry
                .as_deref()
                .is_some_and(|r| r.trim_end_matches('/') == want)
        })
    })
}

/// Refuse a project whose dependencies (or `requires-python`) are dynamic
/// (PEP 621 `dynamic`): envy reads them from `pyproject.toml` only, and
/// locking without them would leave them out silently.
///
/// # Errors
/// The dynamic fields, with what to do.
fn refuse_dynamic_lock_inputs(project: &Project) -> Result<()> {
    let fields = project.dynamic_lock_inputs();
    if fields.is_empty() {
        return Ok(());
    }
    let list = fields
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Err(Error::new(format!(
        "{list} in `[project] dynamic` of {}: envy reads these from `pyproject.toml` only and cannot lock them",
        project.root.join("pyproject.toml").display()
    ))
    .hint("list them in `[project]` and remove them from `dynamic` (`envy add` writes dependencies)"))
}

/// Every requirement to resolve: main, all extras and all groups; the
/// project's references to itself (`me[extra]`) are expanded in place.
fn all_requirements(project: &Project) -> Vec<Requirement> {
    let mut out = Vec::new();
    let mut pending: Vec<Requirement> = project.dependencies.clone();
    pending.extend(project.optional_dependencies.values().flatten().cloned());
    pending.extend(project.dependency_groups.values().flatten().cloned());
    let mut seen_extras = std::collections::HashSet::new();
    while let Some(r) = pending.pop() {
        if r.name == project.name {
            for e in &r.extras {
                if seen_extras.insert(e.clone()) {
                    pending.extend(
                        project
                            .optional_dependencies
                            .get(e)
                            .into_iter()
                            .flatten()
                            .cloned(),
                    );
                }
            }
            continue;
        }
        out.push(r);
    }
    out
}

/// Where each of the project's requirements is declared, for failure
/// reports that name the dependency group or extra.
fn requirement_sources(project: &Project) -> Vec<(Requirement, RequirementSource)> {
    let mut out: Vec<(Requirement, RequirementSource)> = project
        .dependencies
        .iter()
        .map(|r| (r.clone(), RequirementSource::Dependencies))
        .collect();
    for (extra, reqs) in &project.optional_dependencies {
        out.extend(
            reqs.iter()
                .map(|r| (r.clone(), RequirementSource::Extra(extra.clone()))),
        );
    }
    for (group, reqs) in &project.dependency_groups {
        out.extend(
            reqs.iter()
                .map(|r| (r.clone(), RequirementSource::Group(group.clone()))),
        );
    }
    out
}

/// Resolve `project` into a lock without writing anything.
///
/// `previous` supplies preferences (kept pins) unless upgrading. The
/// settings' reporter hears when an sdist's build backend runs for its
/// metadata.
///
/// # Errors
/// Resolution and index failures, with hints.
pub fn resolve_project(
    settings: &Settings,
    client: &Arc<Client>,
    project: &Project,
    previous: Option<&Lock>,
    opts: &LockOptions,
) -> Result<Lock> {
    refuse_dynamic_lock_inputs(project)?;
    let requires_python = requires_python_of(project)?;
    super::direct::refuse_direct_references(project)?;
    let exclude_newer = parse_exclude_newer(opts)?;
    let pins = super::direct::git_pins(previous, opts.upgrade, &opts.upgrade_packages);
    let direct = super::direct::read_direct(settings, client, project, &requires_python, pins)?;
    let mut preferences = HashMap::new();
    let mut prefetch = Vec::new();
    if let (Some(prev), false) = (previous, opts.upgrade) {
        for (name, version) in prev.pins() {
            let (Ok(n), Ok(v)) = (PackageName::from_str(&name), Version::from_str(&version)) else {
                continue;
            };
            if opts.upgrade_packages.contains(&n) {
                continue;
            }
            if let Ok(r) = Requirement::from_str(&format!("{n}=={v}")) {
                prefetch.push(r);
            }
            preferences.insert(n, v);
        }
    }
    let input = ResolverInput {
        root_name: project.display_name.clone(),
        project: Some(project.name.clone()),
        project_version: project.version.clone(),
        requirements: all_requirements(project)
            .into_iter()
            .chain(
                // Every workspace member is locked, needed by the root or not.
                project
                    .workspace_members
                    .keys()
                    .filter_map(|m| crate::types::parse_requirement(m.as_ref()).ok()),
            )
            .collect(),
        requirement_sources: requirement_sources(project),
        requires_python: requires_python.clone(),
        preferences,
        prerelease: opts.prerelease,
        resolution: opts.resolution,
        fork_strategy: opts.fork_strategy,
        exclude_newer: exclude_newer.clone(),
        no_build: opts.no_build.clone(),
        no_binary: opts.no_binary.clone(),
        constraints: project.constraints.clone(),
        overrides: project.overrides.clone(),
        required_environments: project.required_environments.clone(),
        direct: direct
            .iter()
            .map(|(n, d)| (n.clone(), d.metadata.clone()))
            .collect(),
        sdist_metadata: Some(crate::build::metadata_hook(
            client.clone(),
            project.root.clone(),
            requires_python.clone(),
            {
                let reporter = settings.reporter.clone();
                Arc::new(move |sdist: &str| {
                    reporter.status(&format!(
                        "Reading the metadata of {sdist} with its build backend (runs its build code)"
                    ));
                })
            },
        )),
    };
    let mut resolution = resolver::resolve(client.clone(), input, &prefetch)?;
    settle_files(client, previous, &mut resolution)?;
    let (requests, bytes) = client.transfer_stats();
    tracing::info!(
        "HTTP: {requests} requests, {bytes} bytes received ({:.1} MB) so far",
        bytes as f64 / 1e6
    );
    let root = LockedPackage {
        name: project.name.clone(),
        version: project
            .version
            .clone()
            .unwrap_or_else(|| pep440_rs::Version::new([0, 0, 0])),
        source: Source {
            editable: Some(".".to_string()),
            ..Source::default()
        },
        resolution_marker: pep508_rs::MarkerTree::TRUE,
        groups: Vec::new(),
        dependencies: project_edges(&project.dependencies),
        optional_dependencies: project
            .optional_dependencies
            .iter()
            .map(|(k, v)| (k.to_string(), self_expanded_edges(project, v)))
            .collect(),
        dependency_groups: project
            .dependency_groups
            .iter()
            .map(|(k, v)| (k.clone(), self_expanded_edges(project, v)))
            .collect::<BTreeMap<String, Vec<Dep>>>(),
        requires_dist: Vec::new(),
        metadata_inputs: None,
        sdist: None,
        wheels: Vec::new(),
    };
    let mut lock = Lock::from_resolution(
        &requires_python.to_string(),
        manifest_of(project),
        root,
        &resolution,
    );
    lock.options = options_record(opts, exclude_newer.as_ref());
    super::direct::apply_direct(&mut lock, &direct);
    // find-links files are found by their canonical paths.
    let root = fs_err::canonicalize(&project.root).unwrap_or_else(|_| project.root.clone());
    lock.relativize_find_links(&root);
    Ok(lock)
}

/// The `[options]` a lock made with `opts` records (defaults left out).
fn options_record(
    opts: &LockOptions,
    exclude_newer: Option<&resolver::ExcludeNewer>,
) -> crate::lock::ResolverOptions {
    use clap::ValueEnum;
    let name = |v: Option<clap::builder::PossibleValue>| v.map(|p| p.get_name().to_string());
    crate::lock::ResolverOptions {
        resolution: (opts.resolution != ResolutionMode::default())
            .then(|| name(opts.resolution.to_possible_value()))
            .flatten(),
        prerelease: (opts.prerelease != PrereleaseMode::default())
            .then(|| name(opts.prerelease.to_possible_value()))
            .flatten(),
        fork_strategy: (opts.fork_strategy != resolver::ForkStrategy::default())
            .then(|| name(opts.fork_strategy.to_possible_value()))
            .flatten(),
        exclude_newer: exclude_newer.map(resolver::ExcludeNewer::cutoff_text),
        exclude_newer_span: exclude_newer.and_then(|e| e.span.clone()),
    }
}

impl LockOptions {
    /// The options a lock was made with (its `[options]`), so that `sync`
    /// re-locks a stale lock the way it was made rather than with defaults.
    pub fn from_recorded(recorded: &crate::lock::ResolverOptions) -> Self {
        use clap::ValueEnum;
        fn parse<T: ValueEnum + Default>(v: &Option<String>) -> T {
            v.as_deref()
                .and_then(|s| T::from_str(s, false).ok())
                .unwrap_or_default()
        }
        LockOptions {
            resolution: parse(&recorded.resolution),
            prerelease: parse(&recorded.prerelease),
            fork_strategy: parse(&recorded.fork_strategy),
            exclude_newer: recorded
                .exclude_newer_span
                .clone()
                .or_else(|| recorded.exclude_newer.clone()),
            ..LockOptions::default()
        }
    }
}

/// The options `opts` asks for, to compare with a lock's `[options]`.
///
/// # Errors
/// An `--exclude-newer` value that is not a time.
pub fn wanted_options(opts: &LockOptions) -> Result<crate::lock::ResolverOptions> {
    let exclude_newer = parse_exclude_newer(opts)?;
    Ok(options_record(opts, exclude_newer.as_ref()))
}

fn parse_exclude_newer(opts: &LockOptions) -> Result<Option<resolver::ExcludeNewer>> {
    opts.exclude_newer
        .as_deref()
        .map(|t| {
            resolver::ExcludeNewer::parse_now(t)
                .map_err(|e| Error::new(format!("invalid `--exclude-newer`: {e}")))
        })
        .transpose()
}

/// Give every locked file a sha256, and a size whenever one is known for
/// sure, never a wrong one:
///
/// - a file its index listed without a sha256 is downloaded now and hashed,
///   so the lock never holds a file it cannot verify (nor `sha256 = ""`);
///   its size is the size of what was downloaded;
/// - a file whose index omitted its size keeps the size `previous` recorded
///   for the same URL and sha256;
/// - a file already downloaded into the cache (by an earlier `sync`, or for
///   its metadata) gets the size of that copy when the index omitted it or
///   claimed another, once the copy's sha256 is checked.
///
/// # Errors
/// Download errors, naming the file.
fn settle_files(
    client: &Client,
    previous: Option<&Lock>,
    resolution: &mut resolver::Resolution,
) -> Result<()> {
    let recorded: HashMap<(&str, &str), u64> = previous
        .into_iter()
        .flat_map(|l| &l.packages)
        .flat_map(|p| p.sdist.iter().chain(&p.wheels))
        .filter_map(|f| Some(((f.url.as_str(), f.sha256()), f.size?)))
        .collect();
    let hash = |path: &std::path::Path, filename: &str| {
        fs_err::File::open(path)
            .and_then(crate::types::hash::sha256_reader)
            .map_err(|e| Error::new(format!("cannot hash `{filename}`: {e}")))
    };
    for pkg in resolution.packages.values_mut() {
        for file in pkg.files.iter_mut() {
            let Some(sha256) = file.sha256.clone() else {
                let path = client.download_url(&file.url, &file.filename, None)?;
                let (sha256, size) = hash(&path, &file.filename)?;
                tracing::debug!(
                    "{} had no sha256 on its index page: hashed it",
                    file.filename
                );
                file.sha256 = Some(sha256);
                file.size = Some(size);
                continue;
            };
            if file.size.is_none() {
                file.size = recorded.get(&(file.url.as_str(), sha256.as_str())).copied();
            }
            let cached = client.cache().file_path(&sha256, &file.filename);
            let Ok(len) = fs_err::metadata(&cached).map(|m| m.len()) else {
                continue;
            };
            if file.size != Some(len) {
                if let Ok((got, size)) = hash(&cached, &file.filename) {
                    if got == sha256 {
                        tracing::debug!(
                            "{}: size {size} from the downloaded file (the index said {:?})",
                            file.filename,
                            file.size
                        );
                        file.size = Some(size);
                    }
                }
            }
        }
    }
    Ok(())
}

/// Edges of a group or extra, with `project[extra]` replaced by that extra's edges.
fn self_expanded_edges(project: &Project, reqs: &[Requirement]) -> Vec<Dep> {
    let mut flat = Vec::new();
    let mut pending: Vec<Requirement> = reqs.to_vec();
    let mut seen = std::collections::HashSet::new();
    while let Some(r) = pending.pop() {
        if r.name == project.name {
            if r.extras.is_empty() {
                pending.extend(project.dependencies.iter().cloned());
            }
            for e in &r.extras {
                if seen.insert(e.clone()) {
                    pending.extend(
                        project
                            .optional_dependencies
                            .get(e)
                            .into_iter()
                            .flatten()
                            .cloned(),
                    );
                }
            }
            continue;
        }
        flat.push(r);
    }
    project_edges(&flat)
}

/// Changes from `old` to `new`, sorted by name.
pub fn diff(old: Option<&Lock>, new: &Lock) -> Vec<Change> {
    let before = old.map(Lock::pins).unwrap_or_default();
    let after = new.pins();
    let mut out = Vec::new();
    for (n, v) in &after {
        match before.get(n) {
            None => out.push(Change::Added(n.clone(), v.clone())),
            Some(old) if old != v => out.push(Change::Updated(n.clone(), old.clone(), v.clone())),
            _ => {}
        }
    }
    for (n, v) in &before {
        if !after.contains_key(n) {
            out.push(Change::Removed(n.clone(), v.clone()));
        }
    }
    out.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    out
}

fn name_of(c: &Change) -> &str {
    match c {
        Change::Added(n, _) | Change::Removed(n, _) | Change::Updated(n, _, _) => n,
    }
}

/// Write `lock` next to the project if its text changed. Returns whether it wrote.
///
/// # Errors
/// I/O errors.
pub fn write_lock(project: &Project, lock: &Lock) -> Result<bool> {
    let path = project.root.join(LOCK_FILE);
    let text = lock.to_toml();
    if fs_err::read_to_string(&path).is_ok_and(|old| old == text) {
        return Ok(false);
    }
    write_atomic(&path, text.as_bytes())?;
    Ok(true)
}

/// Give the files of an up-to-date `lock` that have no size (their index
/// omitted it) the size of their copy in the cache, once that copy's sha256
/// is checked: a lock from such an index records sizes once `sync` has
/// downloaded the files. Returns whether a size was added.
fn record_downloaded_sizes(settings: &Settings, lock: &mut Lock) -> bool {
    let Some(root) = settings.cache_dir.clone() else {
        return false;
    };
    let cache = crate::index::cache::Cache::new(root);
    let mut added = false;
    for pkg in &mut lock.packages {
        for file in pkg.sdist.iter_mut().chain(pkg.wheels.iter_mut()) {
            if file.size.is_some() || file.sha256().is_empty() {
                continue;
            }
            let cached = cache.file_path(file.sha256(), file.filename());
            if !cached.is_file() {
                continue;
            }
            let checked = fs_err::File::open(&cached)
                .and_then(crate::types::hash::sha256_reader)
                .ok()
                .filter(|(sha256, _)| sha256 == file.sha256());
            if let Some((_, size)) = checked {
                file.size = Some(size);
                added = true;
            }
        }
    }
    added
}

/// `envy lock`.
///
/// # Errors
/// A missing or broken `pyproject.toml` or `envy.lock`; `--locked` with a
/// stale lock; resolution and index failures.
pub fn lock(settings: &Settings, opts: &LockOptions) -> Result<LockOutcome> {
    let project = settings.project()?;
    let previous = read_lock(&project)?;
    let requires_python = requires_python_of(&project)?;
    let wanted = wanted_options(opts)?;
    let fresh = previous
        .as_ref()
        .is_some_and(|l| is_fresh(l, &project, &requires_python, &wanted));
    let upgrading = opts.upgrade || !opts.upgrade_packages.is_empty();
    if opts.locked {
        return match previous {
            Some(lock) if fresh => Ok(LockOutcome {
                lock,
                written: false,
                changes: Vec::new(),
            }),
            Some(_) => Err(Error::new(
                "`envy.lock` does not match `pyproject.toml` and `--locked` was given",
            )
            .hint("run `envy lock` and commit the updated `envy.lock`")),
            None => Err(
                Error::new("there is no `envy.lock` and `--locked` was given")
                    .hint("run `envy lock` and commit `envy.lock`"),
            ),
        };
    }
    if let (Some(lock), true, false) = (&previous, fresh, upgrading) {
        status(
            settings,
            if opts.dry_run {
                "Lock is up to date; a dry run would change nothing"
            } else {
                "Lock is up to date"
            },
        );
        let mut lock = lock.clone();
        let written = !opts.dry_run
            && record_downloaded_sizes(settings, &mut lock)
            && write_lock(&project, &lock)?;
        return Ok(LockOutcome {
            lock,
            written,
            changes: Vec::new(),
        });
    }
    let client = settings.client(Some(&project))?;
    let started = std::time::Instant::now();
    let pb = super::spinner(settings, "Resolving dependencies...");
    // Pins made under other resolver options are no preferences: a lock made
    // with `--resolution lowest` re-resolved with `highest` moves up (as uv).
    let same_options = previous
        .as_ref()
        .is_some_and(|l| l.options.satisfies(&wanted));
    let prefer = previous.as_ref().filter(|_| same_options);
    let new = resolve_project(settings, &client, &project, prefer, opts);
    pb.finish_and_clear();
    let new = new?;
    let written = if opts.dry_run {
        false
    } else {
        write_lock(&project, &new)?
    };
    let changes = diff(previous.as_ref(), &new);
    status(
        settings,
        format!(
            "Resolved {} in {:.2}s",
            super::count(new.packages.len().saturating_sub(1), "package", "packages"),
            started.elapsed().as_secs_f64()
        ),
    );
    for c in &changes {
        super::change(settings, c);
    }
    if opts.dry_run {
        // Against the file's text, as `write_lock` compares.
        let would_change = fs_err::read_to_string(project.root.join(LOCK_FILE))
            .map_or(true, |old| old != new.to_toml());
        status(
            settings,
            if would_change {
                "Dry run: `envy.lock` would change; nothing was written"
            } else {
                "Dry run: `envy.lock` would not change"
            },
        );
    }
    Ok(LockOutcome {
        lock: new,
        written,
        changes,
    })
}
