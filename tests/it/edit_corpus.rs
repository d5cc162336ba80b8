//! `pyproject.toml` edits over a corpus of real-world shapes
//! (`tests/fixtures/edit/*.toml`: line comments, comment lines, single-line
//! arrays, trailing commas or none, CRLF, tabs, no final newline, inline
//! tables, dotted keys, markers and URLs with `#`), through the same
//! `add_requirement` / `remove_requirement` that `envy add` and `envy remove`
//! use. Each fixture's result is a snapshot in `tests/fixtures/edit/out/`, in
//! which a carriage return shows as `␍`, a tab as `␉`, and a missing final
//! newline is said at the end. And adding then removing a requirement gives
//! back the file byte for byte.

use std::path::Path;
use std::str::FromStr;

use envy::project::edit::{add_requirement, parse, remove_requirement, to_text, Target};
use pep508_rs::{PackageName, Requirement};

fn fixtures() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/edit");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .map(|e| {
            let name = e.path().file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(e.path()).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn req(s: &str) -> Requirement {
    Requirement::from_str(s).unwrap()
}

fn name(s: &str) -> PackageName {
    PackageName::from_str(s).unwrap()
}

/// The names of the requirement strings in `target` of `text`.
fn names_in(text: &str, target: &Target) -> Vec<PackageName> {
    let doc: toml::Table = toml::from_str(text).unwrap();
    let array = match target {
        Target::Dependencies => doc.get("project").and_then(|p| p.get("dependencies")),
        Target::Optional(e) => doc
            .get("project")
            .and_then(|p| p.get("optional-dependencies"))
            .and_then(|o| o.get(e)),
        Target::Group(g) => doc.get("dependency-groups").and_then(|d| d.get(g)),
    };
    array
        .and_then(|a| a.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .map(|s| {
            Requirement::<pep508_rs::VerbatimUrl>::from_str(s)
                .unwrap()
                .name
        })
        .collect()
}

/// The text with its invisible characters shown.
fn visible(text: &str) -> String {
    let mut out = text.replace('\r', "␍").replace('\t', "␉");
    if !text.ends_with('\n') {
        out.push_str("\n(no newline at end of file)\n");
    }
    out
}

fn edited(text: &str, edit: impl Fn(&mut toml_edit::DocumentMut)) -> String {
    let mut doc = parse(text).unwrap();
    edit(&mut doc);
    let out = to_text(&doc, text);
    // Still a valid pyproject, still the same line endings.
    toml::from_str::<toml::Table>(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
    if text.contains("\r\n") {
        assert!(
            !out.replace("\r\n", "").contains('\n'),
            "a bare LF:\n{out:?}"
        );
    }
    out
}

#[test]
fn corpus_add_and_remove() {
    let dev = Target::Group("dev".into());
    let socks = Target::Optional("socks".into());
    let fixtures = fixtures();
    assert!(
        fixtures.len() >= 10,
        "the corpus has {} files",
        fixtures.len()
    );
    for (fixture, text) in &fixtures {
        let deps = names_in(text, &Target::Dependencies);

        // add: a new dependency, a replaced one, a dev group entry and an extra
        let added = edited(text, |doc| {
            add_requirement(doc, &Target::Dependencies, &req("newdep>=1.0")).unwrap();
            if let Some(first) = deps.first() {
                add_requirement(doc, &Target::Dependencies, &req(&format!("{first}==9.9")))
                    .unwrap();
            }
            add_requirement(doc, &dev, &req("pytest-cov>=5")).unwrap();
            add_requirement(doc, &socks, &req("pysocks>=1.7")).unwrap();
        });

        // remove: the first and the last dependency, and dev's first entry
        let removed = edited(text, |doc| {
            for n in [deps.first(), deps.last()].into_iter().flatten() {
                remove_requirement(doc, &Target::Dependencies, n).unwrap();
            }
            if let Some(first) = names_in(text, &dev).first() {
                assert!(remove_requirement(doc, &dev, first).unwrap());
            }
        });

        let report = format!(
            "--- {fixture}.toml\n{}--- after add\n{}--- after remove\n{}",
            visible(text),
            visible(&added),
            visible(&removed)
        );
        insta::with_settings!({
            snapshot_path => "../fixtures/edit/out",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(fixture.as_str(), report);
        });

        // add then remove is the identity, in every array that exists
        for target in [Target::Dependencies, dev.clone(), socks.clone()] {
            let exists = {
                let doc: toml::Table = toml::from_str(text).unwrap();
                match &target {
                    Target::Dependencies => doc["project"].get("dependencies").is_some(),
                    Target::Group(g) => doc
                        .get("dependency-groups")
                        .is_some_and(|d| d.get(g).is_some()),
                    Target::Optional(e) => doc["project"]
                        .get("optional-dependencies")
                        .is_some_and(|o| o.get(e).is_some()),
                }
            };
            if !exists {
                continue;
            }
            let back = edited(text, |doc| {
                add_requirement(doc, &target, &req("zzz-roundtrip>=1")).unwrap();
                assert!(remove_requirement(doc, &target, &name("zzz-roundtrip")).unwrap());
            });
            assert_eq!(back, *text, "{fixture}: add then remove {target}");
        }
    }
}
