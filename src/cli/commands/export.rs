//! `envy export`: render the lock as `requirements.txt`, `pylock.toml`, or a
//! bundle (wheelhouse, vendor directory, zipapp).

use super::{print_json, SyncArgs};
use crate::cli::{json, ExitStatus, Printer};
use crate::ops::{self, export::ExportOptions, Settings};
use clap::Args;
use std::path::PathBuf;

/// `envy export` arguments.
#[derive(Args, Debug)]
pub(crate) struct ExportArgs {
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
    /// `wheelhouse` and `vendor` include its wheel, and `zipapp` its source, unless
    /// this is given.
    #[arg(long)]
    no_emit_project: bool,
    /// Bundles: build for this Python version (e.g. `3.12`) instead of the local one.
    #[arg(long, value_name = "X.Y")]
    python_version: Option<String>,
    /// Bundles: build for this platform tag (e.g. `manylinux_2_28_x86_64`,
    /// `macosx_11_0_arm64`, `win_amd64`) instead of this machine.
    #[arg(long, value_name = "TAG")]
    python_platform: Option<String>,
    /// Zipapp: run `module:function` (checked at build time: the module is in the
    /// bundle and defines the function).
    #[arg(
        short = 'e',
        long = "entry-point",
        value_name = "MODULE:FUNCTION",
        conflicts_with = "script"
    )]
    entry_point: Option<String>,
    /// Zipapp: run this console script, of the project or of a bundled distribution.
    #[arg(long, value_name = "NAME")]
    script: Option<String>,
    /// Zipapp: the interpreter line [default: `/usr/bin/env python3`].
    #[arg(long, value_name = "PATH")]
    python_shebang: Option<String>,
    /// Print the files written, with their sha256, as JSON on stdout instead
    /// of the export itself (schema in `docs/json.md`).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    sync: SyncArgs,
}

/// Export; text meant for stdout (no `-o`, no `--split`) is printed as data.
pub(crate) fn exec(
    args: ExportArgs,
    settings: &Settings,
    printer: Printer,
) -> ops::Result<ExitStatus> {
    let opts = args.sync.options();
    let outcome = ops::export::export(
        settings,
        &ExportOptions {
            mode: opts.mode,
            format: args.format,
            groups: opts,
            only_dev: args.only_dev,
            no_hashes: args.no_hashes,
            output: args.output,
            split: args.split,
            python_version: args.python_version,
            python_platform: args.python_platform,
            entry_point: args.entry_point,
            script: args.script,
            python_shebang: args.python_shebang,
            no_emit_project: args.no_emit_project,
            report_files: args.json,
        },
    )?;
    if args.json {
        let format = clap::ValueEnum::to_possible_value(&args.format)
            .map(|v| v.get_name().to_string())
            .unwrap_or_default();
        print_json(printer, &json::Export::new(&format, &outcome))?;
    } else if let Some(text) = &outcome.text {
        printer.data(text);
    }
    Ok(ExitStatus::Success)
}
