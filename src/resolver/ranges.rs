//! PEP 440 version specifiers as PubGrub ranges, and `requires-python`
//! arithmetic (bounds, markers, whether a file's `Requires-Python` admits an
//! environment). Pure functions, no I/O.

use pep440_rs::{Operator, Version, VersionSpecifiers};
use pep508_rs::{MarkerTree, Requirement, VersionOrUrl};
use std::ops::Bound;
use std::str::FromStr;
use version_ranges::Ranges;

/// The largest version with `version`'s release and any local label
/// (`1.2.3+<anything>` sorts below it), for PEP 440's rule that a
/// specifier without a local label ignores candidates' local labels.
pub(super) fn max_local(version: &Version) -> Version {
    version
        .clone()
        .with_local(vec![pep440_rs::LocalSegment::Number(u64::MAX); 8])
}

/// Convert one PEP 440 specifier to a PubGrub range, honouring local
/// versions: `==1.2.3` and `<=1.2.3` admit `1.2.3+foo`, `>1.2.3` and
/// `!=1.2.3` do not.
fn specifier_to_ranges(spec: &pep440_rs::VersionSpecifier) -> Ranges<Version> {
    let v = spec.version();
    if !v.local().is_empty() {
        return Ranges::from(spec.clone());
    }
    match spec.operator() {
        Operator::Equal => {
            Ranges::between(v.clone(), max_local(v)).union(&Ranges::singleton(max_local(v)))
        }
        Operator::NotEqual => Ranges::between(v.clone(), max_local(v))
            .union(&Ranges::singleton(max_local(v)))
            .complement(),
        Operator::LessThanEqual => Ranges::lower_than(max_local(v)),
        Operator::GreaterThan => {
            Ranges::from(spec.clone()).intersection(&Ranges::strictly_higher_than(max_local(v)))
        }
        _ => Ranges::from(spec.clone()),
    }
}

/// Convert PEP 440 specifiers to a PubGrub range (the intersection of each
/// specifier's range).
pub fn specifiers_to_ranges(specs: &VersionSpecifiers) -> Ranges<Version> {
    specs.iter().fold(Ranges::full(), |acc, s| {
        acc.intersection(&specifier_to_ranges(s))
    })
}

pub(super) fn requirement_range(req: &Requirement) -> Ranges<Version> {
    match &req.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(s)) => specifiers_to_ranges(s),
        _ => Ranges::full(),
    }
}

/// `requires-python` as a marker (`python_full_version >= '3.9' and ...`), for
/// dropping dependencies that can never apply.
pub fn requires_python_marker(rp: &VersionSpecifiers) -> MarkerTree {
    let mut tree = MarkerTree::TRUE;
    for spec in rp.iter() {
        let star = matches!(
            spec.operator(),
            Operator::EqualStar | Operator::NotEqualStar
        );
        let text = format!(
            "python_full_version {} '{}{}'",
            spec.operator(),
            spec.version(),
            if star { ".*" } else { "" }
        );
        if let Ok(m) = MarkerTree::from_str(&text) {
            tree.and(m);
        }
    }
    tree
}

/// The lower bound of `requires-python`, as a version range bound.
pub(super) fn lower_bound(rp: &Ranges<Version>) -> Bound<Version> {
    rp.bounding_range()
        .map(|(lo, _)| lo.cloned())
        .unwrap_or(Bound::Unbounded)
}

/// The lower-bound clauses (`>=`, `>`, `~=`) of a `Requires-Python`: upper
/// bounds (`<4`) are not held against a file, as pip and uv do.
pub(super) fn lower_bounds(candidate: &VersionSpecifiers) -> VersionSpecifiers {
    candidate
        .iter()
        .filter(|s| {
            matches!(
                s.operator(),
                Operator::GreaterThanEqual | Operator::GreaterThan | Operator::TildeEqual
            )
        })
        .cloned()
        .collect()
}

/// Whether a candidate's `Requires-Python` admits every Python the project
/// allows. Upper bounds (`<4`) are ignored, as uv and pip do.
pub fn python_compatible(project_lower: &Bound<Version>, candidate: &VersionSpecifiers) -> bool {
    let ranges = specifiers_to_ranges(&lower_bounds(candidate));
    let needed = match project_lower {
        Bound::Unbounded => Ranges::full(),
        Bound::Included(v) => Ranges::higher_than(v.clone()),
        Bound::Excluded(v) => Ranges::strictly_higher_than(v.clone()),
    };
    // Compare on the release only: `>=3.9` admits `3.9.0rc1`-free projects.
    needed.subset_of(&ranges)
        || match project_lower {
            Bound::Included(v) | Bound::Excluded(v) => {
                ranges.contains(&Version::new(v.release().iter().copied()))
            }
            Bound::Unbounded => false,
        }
}

/// Whether a file's `Requires-Python` (its lower bounds: upper bounds are
/// not held against a file, as pip and uv do) admits every Python of `env`.
pub(super) fn python_covers_env(env: &MarkerTree, candidate: &VersionSpecifiers) -> bool {
    let mut outside = requires_python_marker(&lower_bounds(candidate)).negate();
    outside.and(env.clone());
    outside.is_false()
}

/// The (lower, upper) bounds of `requires-python`, unbounded when absent.
pub fn requires_python_bounds(rp: &VersionSpecifiers) -> (Bound<Version>, Bound<Version>) {
    specifiers_to_ranges(rp)
        .bounding_range()
        .map(|(a, b)| (a.cloned(), b.cloned()))
        .unwrap_or((Bound::Unbounded, Bound::Unbounded))
}

/// A marker with the parts `requires-python` already implies removed.
pub fn simplify_for(marker: &MarkerTree, rp: &VersionSpecifiers) -> MarkerTree {
    let (lo, hi) = requires_python_bounds(rp);
    marker
        .clone()
        .simplify_python_versions(lo.as_ref(), hi.as_ref())
}
