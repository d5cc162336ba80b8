//! envy's integration tests: one test binary, one module per area, and the
//! shared harness in [`common`].

// Tests may print (skip notices, `ENVY_TEST_ECHO`); the crate's print lints
// are for `src/` outside `cli`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;

mod add_remove;
mod build;
mod bundle_lock;
mod cli_docs;
mod cmds;
mod concurrent_edits;
mod credentials;
mod direct_refs;
mod docker_recipes;
mod edit_corpus;
mod errors;
mod exit_codes;
mod export;
mod export_bundles;
mod faults;
mod file_sizes;
mod git_sources;
mod harness;
mod hostile;
mod init_migrate;
mod integrity;
mod json_output;
mod live_pypi;
mod lock;
mod lock_dry_run;
mod lock_options;
mod lose_nothing;
mod new_init;
mod no_index;
mod private_index;
mod project_semantics;
mod python_choice;
mod quiet;
mod range_metadata;
mod resolver_options;
mod sdist_prefetch;
mod snapshots;
mod sync;
mod verify;
mod workspaces;
mod zipapp_modes;
