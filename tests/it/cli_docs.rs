//! The help and the docs match the code (issue #17): every flag of every
//! command appears in that command's page under `docs/commands/`, global
//! options have their own heading after the command's own, and `lock
//! --check` is an alias of `lock --locked`.

use crate::common::*;
use clap::CommandFactory;

#[test]
fn every_flag_of_every_command_is_documented() {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/commands");
    let cli = envy::cli::Cli::command();
    let mut missing = Vec::new();
    let mut walk = vec![(Vec::<String>::new(), cli.clone())];
    while let Some((path, cmd)) = walk.pop() {
        for sub in cmd.get_subcommands() {
            let mut p = path.clone();
            p.push(sub.get_name().to_string());
            walk.push((p, sub.clone()));
        }
        let Some(top) = path.first() else { continue };
        if top == "help" {
            continue;
        }
        let page = docs.join(format!("{top}.md"));
        let text = std::fs::read_to_string(&page)
            .unwrap_or_else(|_| panic!("no page {} for `envy {}`", page.display(), path.join(" ")));
        for arg in cmd.get_arguments() {
            if arg.is_global_set() || arg.is_hide_set() {
                continue;
            }
            let Some(long) = arg.get_long() else { continue };
            if long == "help" || long == "version" {
                continue;
            }
            if !text.contains(&format!("--{long}")) {
                missing.push(format!(
                    "envy {} --{long} (in {})",
                    path.join(" "),
                    page.display()
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "flags missing from docs/commands:\n{}",
        missing.join("\n")
    );
}

#[test]
fn global_options_come_after_the_command_options() {
    let ctx = TestContext::new();
    let out = ctx.run_envy(&["export", "--help"]);
    let own = out.stdout.find("--split").expect("export's own option");
    let heading = out
        .stdout
        .find("Global options:")
        .expect("a Global options heading");
    let global = out.stdout.find("--cache-dir").expect("a global option");
    assert!(own < heading && heading < global, "{}", out.stdout);
}

#[test]
fn lock_check_is_an_alias_of_locked() {
    let server = IndexServer::empty();
    server.add_wheel(&WheelBuilder::new("dep", "1.0"));
    let mut ctx = TestContext::new();
    ctx.attach(server);
    ctx.init_project(&["dep"]);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock", "--check"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: there is no `envy.lock` and `--locked` was given

    hint: run `envy lock` and commit `envy.lock`
    ");
    ctx.envy_ok(&["lock"]);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock", "--check"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    ");
}
