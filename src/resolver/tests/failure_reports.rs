//! Failure reports pinned as insta snapshots: one test per shape of
//! failure (an unreleased pin, a transitive cap, requires-python, ...).

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
      note: `maconly` 1.0 has no wheel (and no sdist) for the required environment `sys_platform == 'linux'`: its wheels are tagged `cp312-cp312-macosx_11_0_arm64`; a wheel tagged `manylinux_*`/`musllinux_*` would have made it usable
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

/// Each requirement says which dependency group or extra declared it.
#[test]
fn a_conflict_across_groups_names_them() {
    let u = Universe::new().add("a", "1.0", &[]).add("a", "2.0", &[]);
    insta::assert_snapshot!(failure(u, &["a==1.0", "a==2.0"], |i| {
        i.requirement_sources = vec![
            (Requirement::from_str("a==1.0").unwrap(), RequirementSource::Group("dev".into())),
            (Requirement::from_str("a==2.0").unwrap(), RequirementSource::Extra(ExtraName::from_str("socks").unwrap())),
        ];
    }), @"
    no solution found when resolving dependencies:
      Because your project requires `a==1.0` (from the dependency group `dev`) and `a==2.0` (from the extra `socks`), which no single version satisfies, we can conclude that your project's requirements are unsatisfiable.
    ");
}

/// A requirement from a dependency group in a longer derivation names
/// its group; one from `[project] dependencies` says nothing more.
#[test]
fn a_group_requirement_in_a_transitive_conflict() {
    let u = Universe::new()
        .add("flask", "3.0.0", &["werkzeug>=3.0"])
        .add("werkzeug", "1.0.1", &[])
        .add("werkzeug", "3.1.0", &[]);
    insta::assert_snapshot!(failure(u, &["flask>=3", "werkzeug<2"], |i| {
        i.requirement_sources = vec![
            (Requirement::from_str("flask>=3").unwrap(), RequirementSource::Dependencies),
            (Requirement::from_str("werkzeug<2").unwrap(), RequirementSource::Group("legacy".into())),
        ];
    }), @"
    no solution found when resolving dependencies:
      Because there is no version of `flask>3.0.0` and `flask==3.0.0` depends on `werkzeug>=3.0`, we can conclude that `flask>=3.0.0` depends on `werkzeug>=3.0`.
      And because your project depends on `flask>=3` and your project depends on `werkzeug<2` (from the dependency group `legacy`), we can conclude that your project's requirements are unsatisfiable.
      note: no version of `flask` matches `>3.0.0` (the newest is 3.0.0)
    ");
}

/// Only wheels whose Python tags fit no Python the project allows: the
/// note names the tags there are and the tag that was missing.
#[test]
fn only_wheels_for_other_pythons() {
    let u = Universe::new()
        .add("old", "1.0", &[])
        .with("old", "1.0", |r| {
            r.no_sdist = true;
            r.wheel_tags = vec![
                "cp310-cp310-manylinux_2_17_x86_64".into(),
                "cp310-cp310-win_amd64".into(),
            ];
        });
    insta::assert_snapshot!(failure_under(u, &["old"], ">=3.11", |_| {}), @r#"
    no solution found when resolving dependencies:
      Because there is no usable version of `old` and your project depends on `old`, we can conclude that your project's requirements are unsatisfiable.
      note: `old` 1.0 has only wheels for other Pythons (`cp310-cp310-manylinux_2_17_x86_64`, `cp310-cp310-win_amd64`) and no sdist it may build; a wheel tagged `cp311` (or `py3-none-any`) would have made it usable under `requires-python = ">=3.11"`
    "#);
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
