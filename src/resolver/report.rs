//! PubGrub's derivation tree told in words, with PEP 440 ranges.

use super::Pkg;
use pep440_rs::{Version, VersionSpecifiers};
use pubgrub::{DefaultStringReporter, DerivationTree, Reporter};
use version_ranges::Ranges;

/// Explain why no solution exists, one reason per line.
pub fn explain(
    tree: DerivationTree<Pkg, Ranges<Version>, String>,
    requires_python: &VersionSpecifiers,
) -> String {
    let text = DefaultStringReporter::report(&tree);
    let mut out = String::new();
    for line in text.lines() {
        out.push_str("  ");
        out.push_str(
            &line
                .replace(" 0 depends on", " depends on")
                .replace(" 0 is forbidden", "'s requirements cannot all be met")
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
