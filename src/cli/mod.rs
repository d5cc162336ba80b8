//! The command line: clap definitions, error and hint rendering, exit codes
//! (0 ok, 1 user error or unsatisfiable, 2 internal error).
//!
//! Commands are thin: parse, call one `ops` function, render its outcome.
//! stdout carries only data (an export to stdout); everything else goes to stderr.
//! [`Printer`] is the only writer to either, so `cli` is the only module
//! allowed to print (the crate's lints forbid it elsewhere).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::disallowed_macros,
    clippy::disallowed_methods
)]

use crate::index::{IndexConfig, PYPI_SIMPLE};
use crate::ops::report::Reporter;
use crate::ops::{
    self,
    add::EditOptions,
    export::ExportOptions,
    lock::LockOptions,
    new::NewOptions,
    sync::{LockMode, SyncOptions},
    Settings,
};
use crate::project::edit::Target;
use crate::resolver::{PackageSelector, PrereleaseMode, ResolutionMode};
use clap::{Args, Parser, Subcommand};
use pep508_rs::PackageName;
use std::path::PathBuf;
use std::sync::Arc;

pub mod diagnostics;
pub mod printer;
pub mod style;

pub use diagnostics::ExitStatus;
pub use printer::Printer;
use std::str::FromStr;

/// envy: Python projects, universal lock files and hash-verified environments.
#[derive(Parser, Debug)]
#[command(name = "envy", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug)]
struct GlobalArgs {
    /// Print only errors.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// More logging (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Never use the network; answer from the cache.
    #[arg(long, global = true, env = "ENVY_OFFLINE", value_parser = clap::builder::FalseyValueParser::new())]
    offline: bool,
    /// The cache directory [default: the user cache dir + `/envy`].
    #[arg(long, global = true, env = "ENVY_CACHE_DIR", value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Use a temporary cache for this run.
    #[arg(long, global = true)]
    no_cache: bool,
    /// Run as if started in DIR.
    #[arg(long, global = true, value_name = "DIR")]
    directory: Option<PathBuf>,
    /// The project directory (holding `pyproject.toml`).
    #[arg(long, global = true, value_name = "DIR")]
    project: Option<PathBuf>,
    /// The simple index (PEP 503/691) to use instead of PyPI.
    #[arg(long, global = true, env = "ENVY_INDEX_URL", value_name = "URL")]
    index_url: Option<String>,
    /// Further simple indexes, asked after `--index-url` (repeatable).
    #[arg(
        long,
        global = true,
        env = "ENVY_EXTRA_INDEX_URL",
        value_delimiter = ' ',
        value_name = "URL"
    )]
    extra_index_url: Vec<String>,
    /// A local directory of wheels and sdists to use as well (repeatable).
    #[arg(long, global = true, value_name = "DIR")]
    find_links: Vec<PathBuf>,
    /// When to colour messages on stderr (`auto`: when it is a terminal and `NO_COLOR` is unset).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    color: ColorWhen,
}

/// `--color`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum ColorWhen {
    /// Colour when stderr is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl From<ColorWhen> for anstream::ColorChoice {
    fn from(c: ColorWhen) -> Self {
        match c {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a new project directory with a PEP 621 `pyproject.toml`.
    ///
    /// Example: `envy new demo --python 3.12`
    New {
        /// The directory to create (its name is the project name).
        path: String,
        #[command(flatten)]
        opts: NewArgs,
    },
    /// Make the current directory a project, keeping what is there.
    ///
    /// Example: `envy init --name my-app`
    Init {
        #[command(flatten)]
        opts: NewArgs,
    },
    /// Add requirements to `pyproject.toml`, then lock and sync.
    ///
    /// Example: `envy add flask 'requests[socks]>=2.31'` or `envy add --dev pytest`
    Add {
        /// PEP 508 requirements.
        #[arg(required = true, value_name = "REQ")]
        requirements: Vec<String>,
        #[command(flatten)]
        target: TargetArgs,
        /// Update `pyproject.toml` and `envy.lock` only.
        #[arg(long)]
        no_sync: bool,
        /// Interpreter for `.venv` if it has to be created.
        #[arg(long)]
        python: Option<String>,
    },
    /// Remove requirements from `pyproject.toml`, then lock and sync.
    ///
    /// Example: `envy remove flask` or `envy remove --dev pytest`
    Remove {
        /// Package names.
        #[arg(required = true, value_name = "NAME")]
        names: Vec<String>,
        #[command(flatten)]
        target: TargetArgs,
        /// Update `pyproject.toml` and `envy.lock` only.
        #[arg(long)]
        no_sync: bool,
    },
    /// Resolve the project and write `envy.lock`.
    ///
    /// Example: `envy lock --upgrade-package flask`
    Lock {
        /// Ignore the pins of the existing lock.
        #[arg(long)]
        upgrade: bool,
        /// Ignore the pin of this package (repeatable).
        #[arg(long, value_name = "NAME")]
        upgrade_package: Vec<String>,
        /// Exit 1 instead of writing if `envy.lock` is missing or stale.
        #[arg(long)]
        locked: bool,
        /// Pre-release policy.
        #[arg(long, value_enum, default_value = "if-necessary-or-explicit")]
        prerelease: PrereleaseMode,
        /// Which versions to prefer.
        #[arg(long, value_enum, default_value = "highest")]
        resolution: ResolutionMode,
        /// Ignore files uploaded after this RFC 3339 time (e.g. `2025-01-01T00:00:00Z`).
        #[arg(long, value_name = "TIMESTAMP")]
        exclude_newer: Option<String>,
        /// Use no sdists at all: every package needs a wheel.
        #[arg(long)]
        no_build: bool,
        /// Use no sdist of this package (repeatable).
        #[arg(long, value_name = "NAME")]
        no_build_package: Vec<String>,
        /// Use no wheels at all: every package from its sdist.
        #[arg(long)]
        no_binary: bool,
        /// Use no wheel of this package (repeatable).
        #[arg(long, value_name = "NAME")]
        no_binary_package: Vec<String>,
        /// Resolve and report what would change, without writing `envy.lock`.
        #[arg(long)]
        dry_run: bool,
        /// Print the changes as JSON on stdout (schema in `docs/commands/lock.md`).
        #[arg(long)]
        json: bool,
    },
    /// Create `.venv` and install exactly the locked set.
    ///
    /// Example: `envy sync --no-dev --frozen`
    Sync {
        #[command(flatten)]
        sync: SyncArgs,
    },
    /// Write the lock as a hashed `requirements.txt`.
    ///
    /// Example: `envy export --frozen -o requirements.txt` or `envy export --split deploy/`
    Export {
        /// Output format.
        #[arg(long, value_enum, default_value = "requirements.txt")]
        format: ops::export::Format,
        /// Write to FILE instead of stdout.
        #[arg(short = 'o', long = "output-file", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Write requirements-app.txt, requirements-dev.txt and requirements.txt into DIR.
        #[arg(long, value_name = "DIR")]
        split: Option<PathBuf>,
        /// Only the `dev` group.
        #[arg(long, conflicts_with = "no_dev")]
        only_dev: bool,
        /// Leave out the `--hash` options.
        #[arg(long)]
        no_hashes: bool,
        /// Leave the project out: `requirements.txt` and `pylock.toml` never list it;
        /// `wheelhouse` and `vendor` include its wheel unless this is given.
        #[arg(long)]
        no_emit_project: bool,
        /// Bundles: build for this Python version (e.g. `3.12`) instead of the local one.
        #[arg(long, value_name = "X.Y")]
        python_version: Option<String>,
        /// Bundles: build for this platform tag (e.g. `manylinux_2_28_x86_64`,
        /// `macosx_11_0_arm64`, `win_amd64`) instead of this machine.
        #[arg(long, value_name = "TAG")]
        python_platform: Option<String>,
        /// Zipapp: run `module:function`.
        #[arg(
            short = 'e',
            long = "entry-point",
            value_name = "MODULE:FUNCTION",
            conflicts_with = "script"
        )]
        entry_point: Option<String>,
        /// Zipapp: run this `[project.scripts]` entry.
        #[arg(long, value_name = "NAME")]
        script: Option<String>,
        /// Zipapp: the interpreter line [default: `/usr/bin/env python3`].
        #[arg(long, value_name = "PATH")]
        python_shebang: Option<String>,
        #[command(flatten)]
        sync: SyncArgs,
    },
    /// Run a command in the project's `.venv`, syncing first.
    ///
    /// Example: `envy run python -c "import flask"`
    Run {
        /// Run in `.venv` as it is.
        #[arg(long)]
        no_sync: bool,
        #[command(flatten)]
        sync: SyncArgs,
        /// The command and its arguments.
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            required = true,
            value_name = "COMMAND"
        )]
        command: Vec<String>,
    },
    /// Show the locked dependency graph, with versions and markers.
    ///
    /// Example: `envy tree --depth 1` or `envy tree --invert --package markupsafe`
    Tree {
        /// Show who depends on each package (leaves, or `--package`, at the top).
        #[arg(long)]
        invert: bool,
        /// Stop after N levels below the top.
        #[arg(long, value_name = "N")]
        depth: Option<usize>,
        /// Start at this package instead of the project (repeatable).
        #[arg(long, value_name = "P")]
        package: Vec<String>,
        /// Leave out the `dev` dependency group.
        #[arg(long)]
        no_dev: bool,
        /// Ask the index for newer versions and mark them `(latest: vX)`.
        #[arg(long)]
        outdated: bool,
        /// Print JSON instead of the tree.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        lock: LockModeArgs,
    },
    /// Show what the lock holds for a package, and why it is there.
    ///
    /// Example: `envy show werkzeug`
    Show {
        /// The package name.
        package: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        lock: LockModeArgs,
    },
    /// List locked packages that have newer versions on the index.
    ///
    /// Example: `envy outdated --all`
    Outdated {
        /// List every locked package, not only outdated ones.
        #[arg(long)]
        all: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        lock: LockModeArgs,
    },
    /// Find, list and pin Python interpreters.
    ///
    /// Example: `envy python list` or `envy python pin 3.12`
    Python {
        #[command(subcommand)]
        command: PythonCommand,
    },
    /// Create a bare virtual environment (default `.venv`).
    ///
    /// Example: `envy venv --python 3.12` or `envy venv /tmp/scratch`
    Venv {
        /// Where to create it.
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
        /// Interpreter (`3.12`, `python3.12`, or a path).
        #[arg(long)]
        python: Option<String>,
        /// The prompt the activation scripts show.
        #[arg(long)]
        prompt: Option<String>,
    },
    /// Print the project's version, or bump it in `pyproject.toml`.
    ///
    /// Example: `envy version --bump minor`
    Version {
        /// Bump this part of the version and write it back.
        #[arg(long, value_enum)]
        bump: Option<ops::version::Bump>,
        /// Print only the version number.
        #[arg(long)]
        short: bool,
    },
    /// Print a shell completion script.
    ///
    /// Example: `envy completions bash > ~/.local/share/bash-completion/completions/envy`
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Show or clean the cache.
    ///
    /// Example: `envy cache dir` or `envy cache prune`
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
    /// Build the project's sdist and wheel with its build backend (PEP 517).
    ///
    /// Example: `envy build` or `envy build --wheel -o wheels/`
    Build {
        /// Build only the sdist.
        #[arg(long, conflicts_with = "wheel")]
        sdist: bool,
        /// Build only the wheel (straight from the source tree).
        #[arg(long)]
        wheel: bool,
        /// Write the files into DIR [default: `<PATH>/dist`].
        #[arg(short = 'o', long = "out-dir", value_name = "DIR")]
        out_dir: Option<PathBuf>,
        /// Interpreter to build with (`3.12`, `python3.12`, or a path).
        #[arg(long)]
        python: Option<String>,
        /// The source tree [default: the project directory].
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },
}

/// `envy python ...`
#[derive(Subcommand, Debug)]
enum PythonCommand {
    /// List the interpreters envy can see and mark the one `sync` would pick.
    ///
    /// Example: `envy python list --json`
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the path of the interpreter matching a request (else the project's choice).
    ///
    /// Example: `envy python find 3.12`
    Find {
        /// `3.12`, `3.12.4`, `>=3.11`, `python3.12` or a path.
        request: Option<String>,
    },
    /// Write `.python-version` in the project directory.
    ///
    /// Example: `envy python pin 3.12`
    Pin {
        /// The version to pin, e.g. `3.12`.
        request: String,
    },
}

/// `envy cache ...`
#[derive(Subcommand, Debug)]
enum CacheCommand {
    /// Print the cache directory (stdout) and its size (stderr).
    Dir,
    /// Remove everything in the cache.
    Clean,
    /// Remove index pages and leftovers of interrupted writes; keep downloaded files.
    Prune,
}

#[derive(Args, Debug, Clone)]
struct LockModeArgs {
    /// Use `envy.lock` as it is, without checking it against `pyproject.toml`.
    #[arg(long, conflicts_with = "locked")]
    frozen: bool,
    /// Exit 1 if `envy.lock` is missing or stale.
    #[arg(long)]
    locked: bool,
}

impl LockModeArgs {
    fn mode(&self) -> LockMode {
        if self.frozen {
            LockMode::Frozen
        } else if self.locked {
            LockMode::Locked
        } else {
            LockMode::Auto
        }
    }
}

#[derive(Args, Debug)]
struct NewArgs {
    /// Project name instead of the directory name.
    #[arg(long)]
    name: Option<String>,
    /// Interpreter whose version sets `requires-python` (e.g. `3.12`).
    #[arg(long)]
    python: Option<String>,
    /// Write this `requires-python` instead (e.g. `>=3.10`).
    #[arg(long)]
    requires_python: Option<String>,
}

#[derive(Args, Debug)]
struct TargetArgs {
    /// The `dev` dependency group (PEP 735).
    #[arg(long, conflicts_with_all = ["group", "optional"])]
    dev: bool,
    /// A dependency group (PEP 735).
    #[arg(long, value_name = "GROUP", conflicts_with = "optional")]
    group: Option<String>,
    /// An extra: `[project.optional-dependencies]`.
    #[arg(long, value_name = "EXTRA")]
    optional: Option<String>,
}

impl TargetArgs {
    fn target(&self) -> Target {
        if self.dev {
            Target::Group("dev".into())
        } else if let Some(g) = &self.group {
            Target::Group(g.clone())
        } else if let Some(e) = &self.optional {
            Target::Optional(e.clone())
        } else {
            Target::Dependencies
        }
    }
}

#[derive(Args, Debug, Clone)]
struct SyncArgs {
    /// Use `envy.lock` as it is, without checking it against `pyproject.toml`.
    #[arg(long, conflicts_with = "locked")]
    frozen: bool,
    /// Exit 1 if `envy.lock` is missing or stale.
    #[arg(long)]
    locked: bool,
    /// Leave out the `dev` group.
    #[arg(long)]
    no_dev: bool,
    /// Also include this dependency group (repeatable).
    #[arg(long, value_name = "GROUP")]
    group: Vec<String>,
    /// Only this dependency group, without the main dependencies (repeatable).
    #[arg(long, value_name = "GROUP")]
    only_group: Vec<String>,
    /// Every dependency group.
    #[arg(long)]
    all_groups: bool,
    /// Also include this extra of the project (repeatable).
    #[arg(long, value_name = "EXTRA")]
    extra: Vec<String>,
    /// Every extra of the project.
    #[arg(long)]
    all_extras: bool,
    /// Interpreter for `.venv` (`3.12`, `python3.12`, or a path).
    #[arg(long)]
    python: Option<String>,
}

impl SyncArgs {
    fn options(&self) -> SyncOptions {
        SyncOptions {
            mode: if self.frozen {
                LockMode::Frozen
            } else if self.locked {
                LockMode::Locked
            } else {
                LockMode::Auto
            },
            no_dev: self.no_dev,
            only_groups: self.only_group.clone(),
            groups: self.group.clone(),
            all_groups: self.all_groups,
            extras: self.extra.clone(),
            all_extras: self.all_extras,
            python: self.python.clone(),
        }
    }
}

fn settings(g: &GlobalArgs, printer: Printer) -> ops::Result<Settings> {
    let cwd = std::env::current_dir()?;
    let base = match &g.directory {
        Some(d) => cwd.join(d),
        None => cwd,
    };
    let project_dir = match &g.project {
        Some(p) => base.join(p),
        None => base,
    };
    Ok(Settings {
        project_dir,
        cache_dir: if g.no_cache {
            None
        } else {
            Some(
                g.cache_dir
                    .clone()
                    .unwrap_or_else(crate::index::cache::Cache::default_root),
            )
        },
        index: IndexConfig {
            index_url: g
                .index_url
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| PYPI_SIMPLE.to_string()),
            extra_index_urls: g
                .extra_index_url
                .iter()
                .filter(|s| !s.is_empty())
                .cloned()
                .collect(),
            find_links: g.find_links.clone(),
            offline: g.offline,
            ..IndexConfig::default()
        },
        reporter: Arc::new(printer),
    })
}

fn dispatch(cli: Cli, printer: Printer) -> ops::Result<ExitStatus> {
    // A hidden switch for the crash-report test (tests/exit_codes.rs): set
    // by no user, it proves a panic is reported as a bug and exits 2.
    if std::env::var_os("ENVY_TEST_PANIC").is_some() {
        panic!("`ENVY_TEST_PANIC` is set: a deliberate panic to test the crash report");
    }
    let s = settings(&cli.global, printer)?;
    if let Some(dir) = &s.cache_dir {
        crate::venv::set_query_cache(dir.join("interpreters-v1"));
    }
    match cli.command {
        Command::New { path, opts } => ops::new::new(&s, &path, &opts.into())?,
        Command::Init { opts } => ops::new::init(&s, &opts.into())?,
        Command::Add {
            requirements,
            target,
            no_sync,
            python,
        } => ops::add::add(
            &s,
            &requirements,
            &EditOptions {
                target: target.target(),
                no_sync,
                python,
            },
        )?,
        Command::Remove {
            names,
            target,
            no_sync,
        } => ops::add::remove(
            &s,
            &names,
            &EditOptions {
                target: target.target(),
                no_sync,
                python: None,
            },
        )?,
        Command::Lock {
            upgrade,
            upgrade_package,
            locked,
            prerelease,
            resolution,
            exclude_newer,
            no_build,
            no_build_package,
            no_binary,
            no_binary_package,
            dry_run,
            json,
        } => {
            let upgrade_packages = package_names(&upgrade_package)?;
            let outcome = ops::lock::lock(
                &s,
                &LockOptions {
                    upgrade,
                    upgrade_packages,
                    locked,
                    prerelease,
                    resolution,
                    exclude_newer,
                    no_build: PackageSelector {
                        all: no_build,
                        packages: package_names(&no_build_package)?,
                    },
                    no_binary: PackageSelector {
                        all: no_binary,
                        packages: package_names(&no_binary_package)?,
                    },
                    dry_run,
                },
            )?;
            if json {
                print_json(printer, &ops::lock::ChangeReport::new(&outcome.changes))?;
            }
        }
        Command::Sync { sync } => {
            ops::sync::sync(&s, &sync.options())?;
        }
        Command::Export {
            format,
            output,
            split,
            only_dev,
            no_hashes,
            no_emit_project,
            python_version,
            python_platform,
            entry_point,
            script,
            python_shebang,
            sync,
        } => {
            let opts = sync.options();
            let text = ops::export::export(
                &s,
                &ExportOptions {
                    mode: opts.mode,
                    format,
                    groups: opts,
                    only_dev,
                    no_hashes,
                    output,
                    split,
                    python_version,
                    python_platform,
                    entry_point,
                    script,
                    python_shebang,
                    no_emit_project,
                },
            )?;
            if let Some(text) = text {
                printer.data(&text);
            }
        }
        Command::Run {
            no_sync,
            sync,
            command,
        } => {
            let code = ops::run::run(&s, &command, &sync.options(), no_sync)?;
            return Ok(ExitStatus::External(code));
        }
        Command::Tree {
            invert,
            depth,
            package,
            no_dev,
            outdated,
            json,
            lock,
        } => {
            let roots = ops::tree::tree(
                &s,
                &ops::tree::TreeOptions {
                    mode: lock.mode(),
                    invert,
                    depth,
                    packages: package,
                    no_dev,
                    outdated,
                },
            )?;
            if json {
                print_json(printer, &roots)?;
            } else {
                printer.data(&ops::tree::render_tree(&roots));
            }
        }
        Command::Show {
            package,
            json,
            lock,
        } => {
            let shown =
                ops::show::show(&s, &package, &ops::show::ShowOptions { mode: lock.mode() })?;
            if json {
                print_json(printer, &shown)?;
            } else {
                printer.data(&ops::show::render(&shown));
            }
        }
        Command::Outdated { all, json, lock } => {
            let report = ops::outdated::outdated(
                &s,
                &ops::outdated::OutdatedOptions {
                    mode: lock.mode(),
                    all,
                },
            )?;
            for (name, why) in &report.unknown {
                printer.status(&format!("warning: no latest version for `{name}`: {why}"));
            }
            let rows = report.rows;
            if json {
                print_json(printer, &rows)?;
            } else if rows.is_empty() {
                printer.status("Every locked package is at its latest version");
            } else {
                printer.data(&ops::outdated::render_table(&rows));
            }
        }
        Command::Python { command } => match command {
            PythonCommand::List { json } => {
                let report = ops::python::list(&s)?;
                if json {
                    print_json(printer, &report)?;
                } else {
                    printer.data(&ops::python::render_list(&report));
                    printer.status(&format!("* = {}", report.reason));
                }
            }
            PythonCommand::Find { request } => {
                let i = ops::python::find(&s, request.as_deref())?;
                printer.data(&format!("{}\n", i.executable.display()));
                printer.status(&format!("Python {} ({})", i.version, i.implementation));
            }
            PythonCommand::Pin { request } => {
                let path = ops::python::pin(&s, &request)?;
                printer.status(&format!(
                    "Pinned `{}` in {}",
                    request.trim(),
                    path.display()
                ));
            }
        },
        Command::Venv {
            path,
            python,
            prompt,
        } => {
            let v = ops::venv::venv(
                &s,
                &ops::venv::VenvOptions {
                    path,
                    python,
                    prompt,
                },
            )?;
            printer.status(&format!(
                "Created virtual environment at {} (Python {} at {})\nActivate with: source {}",
                v.root.display(),
                v.interpreter.version,
                v.interpreter.executable.display(),
                v.bin.join("activate").display()
            ));
        }
        Command::Version { bump, short } => {
            let v = ops::version::version(&s, bump)?;
            if bump.is_some() {
                printer.status(&format!("Bumped {} from {} to {}", v.name, v.old, v.new));
                if v.lock_updated {
                    printer.status("Updated the project's version in envy.lock");
                }
            }
            if short {
                printer.data(&format!("{}\n", v.new));
            } else {
                printer.data(&format!("{} {}\n", v.name, v.new));
            }
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "envy", &mut script);
            printer.data(&String::from_utf8_lossy(&script));
        }
        Command::Cache { command } => match command {
            CacheCommand::Dir => {
                let (root, u) = ops::cache::dir(&s)?;
                printer.data(&format!("{}\n", root.display()));
                printer.status(&format!(
                    "{} in {} files",
                    ops::cache::human(u.bytes),
                    u.files
                ));
            }
            CacheCommand::Clean => {
                let (root, u) = ops::cache::clean(&s)?;
                printer.status(&format!(
                    "Removed {} files ({}) from {}",
                    u.files,
                    ops::cache::human(u.bytes),
                    root.display()
                ));
            }
            CacheCommand::Prune => {
                let (root, u) = ops::cache::prune(&s)?;
                printer.status(&format!(
                    "Pruned {} files ({}) from {}",
                    u.files,
                    ops::cache::human(u.bytes),
                    root.display()
                ));
            }
        },
        Command::Build {
            sdist,
            wheel,
            out_dir,
            python,
            path,
        } => {
            crate::ops::build::build(
                &s,
                &crate::ops::build::BuildOptions {
                    sdist,
                    wheel,
                    out_dir,
                    path,
                    python,
                },
            )?;
        }
    }
    Ok(ExitStatus::Success)
}

/// Parse package names given on the command line.
fn package_names(names: &[String]) -> ops::Result<Vec<PackageName>> {
    names
        .iter()
        .map(|n| {
            PackageName::from_str(n)
                .map_err(|e| ops::Error::new(format!("invalid package name `{n}`: {e}")))
        })
        .collect()
}

impl From<NewArgs> for NewOptions {
    fn from(a: NewArgs) -> Self {
        NewOptions {
            name: a.name,
            python: a.python,
            requires_python: a.requires_python,
        }
    }
}

/// Parse arguments, run, and return how the process ends (see
/// [`ExitStatus`]): a command line clap rejects exits 2 (`--help` and
/// `--version` exit 0), an error `ops` returns is rendered with its hint and
/// exits 1, and a panic is reported as a bug and exits 2.
pub fn main() -> ExitStatus {
    diagnostics::install_panic_hook();
    // An empty `ENVY_*` variable means "not set" (as in uv), not "an empty
    // value": `ENVY_CACHE_DIR= envy sync` must not fail to parse. Done before
    // any thread starts.
    for (key, value) in std::env::vars_os() {
        if value.is_empty() && key.to_string_lossy().starts_with("ENVY_") {
            std::env::remove_var(&key);
        }
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` go to stdout and succeed; a command
            // line clap rejects is a usage error.
            let _ = e.print();
            return if e.use_stderr() {
                ExitStatus::Error
            } else {
                ExitStatus::Success
            };
        }
    };
    anstream::ColorChoice::from(cli.global.color).write_global();
    let ansi = anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never;
    let level = match (cli.global.quiet, cli.global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ENVY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("envy={level}")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false);
    // Timestamps (seconds since start) only when debugging.
    let _ = if cli.global.verbose >= 2 {
        builder
            .with_timer(tracing_subscriber::fmt::time::uptime())
            .try_init()
    } else {
        builder.without_time().try_init()
    };
    let printer = Printer::new(cli.global.quiet, cli.global.verbose);
    match dispatch(cli, printer) {
        Ok(status) => status,
        Err(e) => {
            printer.error(&diagnostics::render_error_styled(&e));
            diagnostics::exit_status(&e)
        }
    }
}

/// Write `value` as pretty JSON plus a newline to stdout.
fn print_json<T: serde::Serialize>(printer: Printer, value: &T) -> ops::Result<()> {
    printer
        .json(value)
        .map_err(|e| ops::Error::new(format!("cannot render JSON: {e}")))
}
