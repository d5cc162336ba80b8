//! PubGrub's derivation tree told in words, with PEP 440 ranges.

use super::Pkg;
use pep440_rs::{Version, VersionSpecifiers};
use pubgrub::{DefaultStringReporter, DerivationTree, Reporter};
use version_ranges::Ranges;

/// Explain why no solution exists, one reason per line.
pub fn explain(
    mut tree: DerivationTree<Pkg, Ranges<Version>, String>,
    requires_python: &VersionSpecifiers,
) -> String {
    tree.collapse_no_versions();
    let text = DefaultStringReporter::report(&tree);
    let mut out = String::new();
    for line in text.lines() {
        out.push_str("  ");
        out.push_str(
            &line
                .replace(" 0 depends on", " depends on")
                .replace("∅", "no versions"),
        );
        out.push('\n');
    }
    if text.contains("requires Python") {
        out.push_str(&format!(
            "  (the project's requires-python is `{requires_python}`)\n"
        ));
    }
    out
}
