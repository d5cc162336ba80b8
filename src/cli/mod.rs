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
use crate::ops::{self, Settings};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;

mod commands;
pub mod diagnostics;
mod json;
mod log;
pub mod printer;
pub mod style;

pub use diagnostics::ExitStatus;
pub use printer::Printer;

/// envy: Python projects, universal lock files and hash-verified environments.
#[derive(Parser, Debug)]
#[command(name = "envy", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes, shown under their own heading after the
/// command's own options (as uv does).
#[derive(Args, Debug)]
#[command(next_help_heading = "Global options")]
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
    /// Ask no index: packages come from `--find-links` directories only, and
    /// files from those directories or the cache.
    #[arg(long, global = true, env = "ENVY_NO_INDEX", value_parser = clap::builder::FalseyValueParser::new())]
    no_index: bool,
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
    New(commands::new::NewArgs),
    /// Make the current directory a project, keeping what is there.
    ///
    /// Example: `envy init --name my-app`
    Init(commands::init::InitArgs),
    /// Add requirements to `pyproject.toml`, then lock and sync.
    ///
    /// Example: `envy add flask 'requests[socks]>=2.31'` or `envy add --dev pytest`
    Add(commands::add::AddArgs),
    /// Remove requirements from `pyproject.toml`, then lock and sync.
    ///
    /// Example: `envy remove flask` or `envy remove --dev pytest`
    Remove(commands::remove::RemoveArgs),
    /// Resolve the project and write `envy.lock`.
    ///
    /// Example: `envy lock --upgrade-package flask`
    Lock(commands::lock::LockArgs),
    /// Create `.venv` and install exactly the locked set.
    ///
    /// Example: `envy sync --no-dev --frozen`
    Sync(commands::sync::SyncCommandArgs),
    /// Write the lock as a hashed `requirements.txt`.
    ///
    /// Example: `envy export --frozen -o requirements.txt` or `envy export --split deploy/`
    Export(commands::export::ExportArgs),
    /// Run a command in the project's `.venv`, syncing first.
    ///
    /// Example: `envy run python -c "import flask"`
    Run(commands::run::RunArgs),
    /// Show the locked dependency graph, with versions and markers.
    ///
    /// Example: `envy tree --depth 1` or `envy tree --invert --package markupsafe`
    Tree(commands::tree::TreeArgs),
    /// Show what the lock holds for a package, and why it is there.
    ///
    /// Example: `envy show werkzeug`
    Show(commands::show::ShowArgs),
    /// List locked packages that have newer versions on the index.
    ///
    /// Example: `envy outdated --all`
    Outdated(commands::outdated::OutdatedArgs),
    /// Find, list and pin Python interpreters.
    ///
    /// Example: `envy python list` or `envy python pin 3.12`
    Python {
        #[command(subcommand)]
        command: commands::python::PythonCommand,
    },
    /// Create a bare virtual environment (default `.venv`).
    ///
    /// Example: `envy venv --python 3.12` or `envy venv /tmp/scratch`
    Venv(commands::venv::VenvArgs),
    /// Print the project's version, or bump it in `pyproject.toml`.
    ///
    /// Example: `envy version --bump minor`
    Version(commands::version::VersionArgs),
    /// Print a shell completion script.
    ///
    /// Example: `envy completions bash > ~/.local/share/bash-completion/completions/envy`
    Completions(commands::completions::CompletionsArgs),
    /// Show or clean the cache.
    ///
    /// Example: `envy cache dir` or `envy cache prune`
    Cache {
        #[command(subcommand)]
        command: commands::cache::CacheCommand,
    },
    /// Build the project's sdist and wheel with its build backend (PEP 517).
    ///
    /// Example: `envy build` or `envy build --wheel -o wheels/`
    Build(commands::build::BuildArgs),
    /// Check a venv or a bundle against its lock: every file by sha256, every distribution by version.
    ///
    /// Example: `envy verify` or `envy verify app.pyz --json`
    Verify(commands::verify::VerifyArgs),
}

/// The global flags as `ops` settings; status and progress go to `printer`.
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
            no_index: g.no_index,
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
        Command::New(args) => commands::new::exec(args, &s, printer),
        Command::Init(args) => commands::init::exec(args, &s, printer),
        Command::Add(args) => commands::add::exec(args, &s, printer),
        Command::Remove(args) => commands::remove::exec(args, &s, printer),
        Command::Lock(args) => commands::lock::exec(args, &s, printer),
        Command::Sync(args) => commands::sync::exec(args, &s, printer),
        Command::Export(args) => commands::export::exec(args, &s, printer),
        Command::Run(args) => commands::run::exec(args, &s, printer),
        Command::Tree(args) => commands::tree::exec(args, &s, printer),
        Command::Show(args) => commands::show::exec(args, &s, printer),
        Command::Verify(args) => commands::verify::exec(args, &s, printer),
        Command::Outdated(args) => commands::outdated::exec(args, &s, printer),
        Command::Python { command } => commands::python::exec(command, &s, printer),
        Command::Venv(args) => commands::venv::exec(args, &s, printer),
        Command::Version(args) => commands::version::exec(args, &s, printer),
        Command::Completions(args) => commands::completions::exec(args, printer),
        Command::Cache { command } => commands::cache::exec(command, &s, printer),
        Command::Build(args) => commands::build::exec(args, &s, printer),
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
    // Timestamps (seconds since start) only when debugging.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .event_format(log::LogFormat {
            started: (cli.global.verbose >= 2).then(std::time::Instant::now),
        })
        .try_init();
    let printer = Printer::new(cli.global.quiet, cli.global.verbose);
    match dispatch(cli, printer) {
        Ok(status) => status,
        Err(e) => {
            printer.error(&diagnostics::render_error_styled(&e));
            diagnostics::exit_status(&e)
        }
    }
}
