//! `envy new` and `envy init`.

use std::fs;

use crate::common::*;

fn table<'a>(doc: &'a toml::Table, key: &str) -> &'a toml::Table {
    doc.get(key)
        .and_then(|v| v.as_table())
        .unwrap_or_else(|| panic!("[{key}] missing in {doc:#?}"))
}

fn s<'a>(t: &'a toml::Table, key: &str) -> &'a str {
    t.get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("{key} missing in {t:#?}"))
}

#[test]
fn new_creates_a_pep621_project() {
    let mut ctx = TestContext::new();
    ctx.envy_ok(&["new", "demo"]);
    ctx.cd("project/demo");

    let doc = ctx.pyproject_toml();
    let project = table(&doc, "project");
    assert_eq!(s(project, "name"), "demo");
    assert_eq!(s(project, "version"), "0.1.0");
    assert_eq!(s(project, "readme"), "README.md");
    assert!(
        s(project, "requires-python").starts_with(">=3."),
        "{project:#?}"
    );
    assert_eq!(
        project.get("dependencies").and_then(|d| d.as_array()),
        Some(&Vec::new())
    );
    let groups = table(&doc, "dependency-groups");
    assert_eq!(
        groups.get("dev").and_then(|d| d.as_array()),
        Some(&Vec::new())
    );
    let build = table(&doc, "build-system");
    assert!(s(build, "build-backend").starts_with("hatchling"));
    assert!(build
        .get("requires")
        .and_then(|r| r.as_array())
        .is_some_and(|r| r.iter().any(|x| x.as_str().unwrap().contains("hatchling"))));

    assert!(ctx.exists("README.md"));
    assert!(ctx.exists("src/demo/__init__.py"));
    assert!(ctx.path("tests").is_dir());
    assert!(ctx
        .read(".gitignore")
        .lines()
        .any(|l| l.trim() == ".venv/" || l.trim() == ".venv"));
}

#[test]
fn new_uses_import_name_for_package_dir() {
    let mut ctx = TestContext::new();
    ctx.envy_ok(&["new", "my-app"]);
    ctx.cd("project/my-app");
    assert_eq!(s(table(&ctx.pyproject_toml(), "project"), "name"), "my-app");
    assert!(ctx.exists("src/my_app/__init__.py"));
}

#[test]
fn new_with_python_sets_requires_python() {
    let mut ctx = TestContext::new();
    ctx.envy_ok(&["new", "demo", "--python", "3.12"]);
    ctx.cd("project/demo");
    assert_eq!(
        s(table(&ctx.pyproject_toml(), "project"), "requires-python"),
        ">=3.12"
    );
}

#[test]
fn new_refuses_non_empty_directory() {
    let ctx = TestContext::new();
    ctx.write("demo/keep.txt", "precious");
    let out = ctx.run_envy(&["new", "demo"]);
    out.failure();
    assert_eq!(ctx.read("demo/keep.txt"), "precious");
    assert!(!ctx.exists("demo/pyproject.toml"));
}

#[test]
fn new_accepts_existing_empty_directory() {
    let mut ctx = TestContext::new();
    fs::create_dir_all(ctx.path("demo")).unwrap();
    ctx.envy_ok(&["new", "demo"]);
    ctx.cd("project/demo");
    assert!(ctx.exists("pyproject.toml"));
}

#[test]
fn init_in_current_directory_keeps_existing_files() {
    let ctx = TestContext::new();
    ctx.write("README.md", "# my own readme\n");
    ctx.write("notes.txt", "keep me\n");
    ctx.envy_ok(&["init", "--name", "foo"]);
    assert_eq!(s(table(&ctx.pyproject_toml(), "project"), "name"), "foo");
    assert_eq!(ctx.read("README.md"), "# my own readme\n");
    assert_eq!(ctx.read("notes.txt"), "keep me\n");
    assert!(ctx.exists("src/foo/__init__.py"));
    assert!(ctx.read(".gitignore").contains(".venv"));
}

#[test]
fn init_defaults_name_to_directory() {
    let ctx = TestContext::new();
    ctx.envy_ok(&["init"]);
    // The project dir is `<tmp>/project`.
    assert_eq!(
        s(table(&ctx.pyproject_toml(), "project"), "name"),
        "project"
    );
}

#[test]
fn init_keeps_existing_pyproject() {
    // Whether `init` refuses or succeeds here, it must not touch the file.
    let ctx = TestContext::new();
    ctx.write("pyproject.toml", "[project]\nname = \"x\"\n");
    let _ = ctx.run_envy(&["init"]);
    assert_eq!(ctx.read("pyproject.toml"), "[project]\nname = \"x\"\n");
}

#[test]
fn new_project_syncs_and_imports() {
    let mut ctx = TestContext::with_scenario();
    ctx.envy_ok(&["new", "demo"]);
    ctx.cd("project/demo");
    ctx.envy_ok(&["sync"]);
    assert!(ctx.exists("envy.lock"));
    assert!(ctx.venv().join("pyvenv.cfg").exists());
    ctx.python("import demo").success();
}

#[test]
fn new_then_add_dev_dependency() {
    let mut ctx = TestContext::with_scenario();
    ctx.envy_ok(&["new", "demo"]);
    ctx.cd("project/demo");
    ctx.envy_ok(&["add", "--dev", "dev-tool"]);
    assert_eq!(ctx.group_dependencies("dev"), vec!["dev-tool>=1.0"]);
    ctx.assert_installed("dev-tool", "1.0");
}
