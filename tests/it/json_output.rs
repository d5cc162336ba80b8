//! `--json` on `sync`, `add`, `remove`, `export`, `version` and `cache`: one
//! JSON document on stdout, in the schemas of `docs/json.md`, pinned here.

use crate::common::*;

/// The scenario project, with filters for what varies between runs:
/// timings and the sha256/size of files that name the index's port.
fn project(deps: &[&str]) -> TestContext {
    let mut ctx = TestContext::with_scenario();
    ctx.init_project(deps);
    ctx.add_filter(r#""(\w+_seconds)": [0-9.e-]+"#, r#""$1": [SECONDS]"#);
    ctx
}

fn json(out: &RunOutput) -> serde_json::Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", out.stdout))
}

#[test]
fn sync_add_and_remove() {
    let ctx = project(&["app-dep"]);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--json"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    {
      "venv": "[TEMP]/.venv",
      "installed": [
        {
          "name": "app-dep",
          "version": "2.0"
        }
      ],
      "removed": [],
      "kept": [],
      "timings": {
        "total_seconds": [SECONDS],
        "prepare_seconds": [SECONDS],
        "install_seconds": [SECONDS]
      }
    }

    ----- stderr -----
    Resolved 1 package in [TIME]
     + app-dep 2.0
    Creating virtual environment at .venv (Python 3.[X])
    Installed 1 package, removed 0, kept 0 in [TIME]
     + app-dep==2.0
    "#);
    // The no-op fast path reports the same kept set.
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--json"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    {
      "venv": "[TEMP]/.venv",
      "installed": [],
      "removed": [],
      "kept": [
        {
          "name": "app-dep",
          "version": "2.0"
        }
      ],
      "timings": {
        "total_seconds": [SECONDS],
        "prepare_seconds": [SECONDS],
        "install_seconds": [SECONDS]
      }
    }

    ----- stderr -----
    Lock is up to date
    Installed 0 packages, removed 0, kept 1 in [TIME]
    "#);

    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "--json", "cli-tool"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    {
      "table": "project.dependencies",
      "edits": [
        {
          "name": "cli-tool",
          "before": null,
          "after": "cli-tool>=1.0"
        }
      ],
      "lock": {
        "written": true,
        "added": [
          {
            "name": "cli-tool",
            "version": "1.0"
          }
        ],
        "updated": [],
        "removed": []
      },
      "sync": {
        "venv": "[TEMP]/.venv",
        "installed": [
          {
            "name": "cli-tool",
            "version": "1.0"
          }
        ],
        "removed": [],
        "kept": [
          {
            "name": "app-dep",
            "version": "2.0"
          }
        ],
        "timings": {
          "total_seconds": [SECONDS],
          "prepare_seconds": [SECONDS],
          "install_seconds": [SECONDS]
        }
      }
    }

    ----- stderr -----
     + cli-tool 1.0
    Installed 1 package, removed 0, kept 1 in [TIME]
     + cli-tool==1.0
    "#);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "--json", "--no-sync", "app-dep==1.0"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    {
      "table": "project.dependencies",
      "edits": [
        {
          "name": "app-dep",
          "before": "app-dep",
          "after": "app-dep==1.0"
        }
      ],
      "lock": {
        "written": true,
        "added": [],
        "updated": [
          {
            "name": "app-dep",
            "from": "2.0",
            "to": "1.0"
          }
        ],
        "removed": []
      },
      "sync": null
    }

    ----- stderr -----
     ~ app-dep 2.0 -> 1.0
    "#);
    let out = ctx.envy_ok(&["remove", "--json", "--no-sync", "cli-tool"]);
    let v = json(&out);
    assert_eq!(v["table"], "project.dependencies");
    assert_eq!(v["edits"][0]["name"], "cli-tool");
    assert!(v["edits"][0]["after"].is_null());
    assert!(v["sync"].is_null());
    assert_eq!(v["lock"]["written"], true);
    assert_eq!(v["lock"]["removed"][0]["name"], "cli-tool");
    let out = ctx.envy_ok(&["add", "--json", "--dev", "--no-sync", "speedup"]);
    assert_eq!(json(&out)["table"], "dependency-groups.dev");
}

#[test]
fn export_version_and_cache() {
    let mut ctx = project(&["app-dep"]);
    ctx.envy_ok(&["lock"]);
    let out = ctx.envy_ok(&["export", "--frozen", "--json", "-o", "requirements.txt"]);
    let v = json(&out);
    let file = &v["files"][0];
    assert_eq!(
        file["sha256"],
        sha256_file(&ctx.path("requirements.txt")),
        "{v}"
    );
    assert_eq!(
        file["size"],
        std::fs::metadata(ctx.path("requirements.txt"))
            .unwrap()
            .len()
    );
    ctx.add_filter("[0-9a-f]{64}", "[SHA256]");
    ctx.add_filter(r#""size": \d+"#, r#""size": [SIZE]"#);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["export", "--frozen", "--json", "-o", "requirements.txt"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    {
      "format": "requirements.txt",
      "files": [
        {
          "path": "[TEMP]/requirements.txt",
          "sha256": "[SHA256]",
          "size": [SIZE]
        }
      ],
      "content": null
    }

    ----- stderr -----
    "#);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["export", "--frozen", "--json", "--no-hashes", "--format", "requirements.txt"]), @r##"
    success: true
    exit_code: 0
    ----- stdout -----
    {
      "format": "requirements.txt",
      "files": [],
      "content": "# This file was generated by envy from envy.lock (`envy export`).\napp-dep==2.0\n"
    }

    ----- stderr -----
    "##);

    envy_snapshot!(ctx.filters(), ctx.envy().args(["version", "--json"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    {
      "name": "proj",
      "version": "0.1.0",
      "previous": null,
      "lock_updated": false
    }

    ----- stderr -----
    "#);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["version", "--json", "--bump", "minor"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    {
      "name": "proj",
      "version": "0.2.0",
      "previous": "0.1.0",
      "lock_updated": true
    }

    ----- stderr -----
    Bumped proj from 0.1.0 to 0.2.0
    Updated the project's version in envy.lock
    "#);

    // The cached index page names the server's port: its size varies.
    ctx.add_filter(r#""bytes": \d+"#, r#""bytes": [BYTES]"#);
    ctx.add_filter(r"\(\d+(\.\d+)? K?i?B\)", "([SIZE])");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["cache", "dir", "--json"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    {
      "action": "dir",
      "path": "[CACHE]",
      "files": 2,
      "bytes": [BYTES]
    }

    ----- stderr -----
    "#);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["cache", "clean", "--json"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    {
      "action": "clean",
      "path": "[CACHE]",
      "files": 2,
      "bytes": [BYTES]
    }

    ----- stderr -----
    Removed 2 files ([SIZE]) from [CACHE]
    "#);
}
