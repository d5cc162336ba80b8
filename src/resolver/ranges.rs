//! PEP 440 version specifiers as PubGrub ranges, and `requires-python`
//! arithmetic (bounds, markers, whether a file's `Requires-Python` admits an
//! environment). Pure functions, no I/O.

use pep440_rs::{Operator, Version, VersionSpecifiers};
use pep508_rs::{MarkerTree, MarkerTreeKind, MarkerValueVersion, Requirement, VersionOrUrl};
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

/// Convert one PEP 440 specifier ("Version specifiers") to a PubGrub range.
///
/// - A specifier without a local label ignores candidates' local labels:
///   `==1.2.3` and `<=1.2.3` admit `1.2.3+foo`; `!=1.2.3` excludes it.
/// - `>V` excludes V's local versions and, unless V is itself a
///   post-release, V's post-releases; `>1.2.3.post0` admits
///   `1.2.3.post1.dev0` (a pre-release, chosen only when pre-releases are).
/// - `<V` excludes V's pre-releases unless V is itself a pre-release.
/// - `==1.2.*`, `!=1.2.*`, `~=` and `===` follow the PEP (through
///   `pep440_rs`).
fn specifier_to_ranges(spec: &pep440_rs::VersionSpecifier) -> Ranges<Version> {
    let v = spec.version();
    if !v.local().is_empty() {
        return Ranges::from(spec.clone());
    }
    match spec.operator() {
        Operator::Equal => equal_range(v),
        Operator::NotEqual => equal_range(v).complement(),
        Operator::LessThanEqual => Ranges::lower_than(max_local(v)),
        // `<V.postN` excludes only V.postN's own dev releases (PEP 440: the
        // pre-releases of the specified version), not V or its pre-releases.
        Operator::LessThan if v.is_post() && v.dev().is_none() && v.pre().is_none() => {
            Ranges::strictly_lower_than(v.clone().with_dev(Some(0)))
        }
        Operator::GreaterThan if v.is_post() && v.dev().is_none() => {
            Ranges::strictly_higher_than(max_local(v))
        }
        Operator::GreaterThan => {
            Ranges::from(spec.clone()).intersection(&Ranges::strictly_higher_than(max_local(v)))
        }
        _ => Ranges::from(spec.clone()),
    }
}

/// `==V` for a V without a local label: V and every `V+local`.
fn equal_range(v: &Version) -> Ranges<Version> {
    Ranges::between(v.clone(), max_local(v)).union(&Ranges::singleton(max_local(v)))
}

/// The version a range segment starts at (`None` when unbounded below).
fn start_version(bound: &Bound<Version>) -> Option<&Version> {
    match bound {
        Bound::Included(v) | Bound::Excluded(v) => Some(v),
        Bound::Unbounded => None,
    }
}

/// Convert PEP 440 specifiers to a PubGrub range (the intersection of each
/// specifier's range).
///
/// Exclusions (`!=V`, `!=V.*`) are gathered, sorted and turned into one
/// range in a single pass, so a set of thousands of `!=` clauses converts in
/// O(n log n) rather than by n successive intersections.
pub fn specifiers_to_ranges(specs: &VersionSpecifiers) -> Ranges<Version> {
    let mut range = Ranges::full();
    let mut excluded: Vec<(Bound<Version>, Bound<Version>)> = Vec::new();
    for s in specs.iter() {
        match s.operator() {
            Operator::NotEqual | Operator::NotEqualStar => {
                excluded.extend(specifier_to_ranges(s).complement());
            }
            _ => range = range.intersection(&specifier_to_ranges(s)),
        }
    }
    if excluded.is_empty() {
        return range;
    }
    excluded.sort_by(|a, b| start_version(&a.0).cmp(&start_version(&b.0)));
    let excluded: Ranges<Version> = excluded.into_iter().collect();
    range.intersection(&excluded.complement())
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

/// The Pythons (`python_full_version` values; `python_version` markers are
/// normalized to it) at which `marker` can hold for some value of its other
/// variables: `python_version >= '3.10' and sys_platform == 'win32'` gives
/// `>=3.10`, `python_version >= '3.10' or sys_platform == 'win32'` every
/// Python.
pub(super) fn marker_python_range(marker: &MarkerTree) -> Ranges<Version> {
    let children = |it: &mut dyn Iterator<Item = MarkerTree>| {
        it.fold(Ranges::empty(), |acc, child| {
            acc.union(&marker_python_range(&child))
        })
    };
    match marker.kind() {
        MarkerTreeKind::True => Ranges::full(),
        MarkerTreeKind::False => Ranges::empty(),
        MarkerTreeKind::Version(node) if *node.key() == MarkerValueVersion::PythonFullVersion => {
            node.edges().fold(Ranges::empty(), |acc, (range, child)| {
                acc.union(&range.intersection(&marker_python_range(&child)))
            })
        }
        MarkerTreeKind::Version(node) => children(&mut node.edges().map(|(_, c)| c)),
        MarkerTreeKind::String(node) => children(&mut node.children().map(|(_, c)| c)),
        MarkerTreeKind::In(node) => children(&mut node.children().map(|(_, c)| c)),
        MarkerTreeKind::Contains(node) => children(&mut node.children().map(|(_, c)| c)),
        MarkerTreeKind::Extra(node) => children(&mut node.children().map(|(_, c)| c)),
    }
}

/// Whether `marker` raises the lowest Python of `env`: some Python that
/// `env` admits is below every Python at which `marker` can hold, as
/// `python_version >= '3.12'` in an environment from 3.8 up. uv forks the
/// resolution there, so that the part from that Python up is solved for
/// those Pythons only.
pub(super) fn raises_python_floor(env: &MarkerTree, marker: &MarkerTree) -> bool {
    let env_pythons = marker_python_range(env);
    let marker_pythons = env_pythons.intersection(&marker_python_range(marker));
    let below = match marker_pythons.bounding_range().map(|(lo, _)| lo.cloned()) {
        None | Some(Bound::Unbounded) => return false,
        Some(Bound::Included(v)) => Ranges::strictly_lower_than(v),
        Some(Bound::Excluded(v)) => Ranges::lower_than(v),
    };
    !env_pythons.intersection(&below).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(spec: &str) -> Ranges<Version> {
        specifiers_to_ranges(&VersionSpecifiers::from_str(spec).unwrap())
    }

    /// Every clause of PEP 440's "Version specifiers" section: the specifier,
    /// versions it must admit, versions it must exclude.
    #[test]
    fn pep440_specifier_table() {
        let table: &[(&str, &[&str], &[&str])] = &[
            // Version matching, with and without local labels.
            (
                "==1.2.3",
                &["1.2.3", "1.2.3+local", "1.2.3+1.abc"],
                &["1.2.3.post1", "1.2.3rc1", "1.2.4"],
            ),
            ("==1.2.3+local", &["1.2.3+local"], &["1.2.3", "1.2.3+other"]),
            ("==1.2", &["1.2", "1.2.0", "1.2.0+x"], &["1.2.1"]),
            // Prefix matching.
            (
                "==1.2.*",
                &[
                    "1.2",
                    "1.2.0",
                    "1.2.9",
                    "1.2.3rc1",
                    "1.2.0.dev1",
                    "1.2.1.post1",
                    "1.2+l",
                ],
                &["1.3", "1.3.dev0", "1.1.9", "1.10"],
            ),
            (
                "!=1.2.*",
                &["1.3", "1.1.9", "1.10", "1.3.dev0"],
                &["1.2", "1.2.5", "1.2.0.dev0"],
            ),
            // Version exclusion.
            (
                "!=1.2.3",
                &["1.2.4", "1.2.3.post1", "1.2.3rc1"],
                &["1.2.3", "1.2.3+local"],
            ),
            ("!=1.2.3+local", &["1.2.3", "1.2.3+other"], &["1.2.3+local"]),
            // Inclusive ordered comparison.
            (
                "<=1.2.3",
                &["1.2.3", "1.2.3+local", "1.2.2", "1.2.3rc1"],
                &["1.2.3.post1", "1.2.4"],
            ),
            (
                ">=1.2.3",
                &["1.2.3", "1.2.3+local", "1.2.3.post1", "2"],
                &["1.2.3rc1", "1.2.3.dev0", "1.2.2"],
            ),
            // Exclusive ordered comparison: `>V` excludes V's post-releases
            // (unless V is one) and local versions.
            (
                ">1.7",
                &["1.7.1", "1.8", "1.8.dev0"],
                &["1.7", "1.7.post2", "1.7+local", "1.7.0.post1"],
            ),
            (
                ">1.7.post2",
                &["1.7.post3", "1.7.post3.dev0", "1.8"],
                &["1.7.post2", "1.7.post2+local", "1.7.post1"],
            ),
            (
                ">1.2.3.post0",
                &["1.2.3.post1.dev0", "1.2.3.post1"],
                &["1.2.3.post0+local", "1.2.3.post0"],
            ),
            (
                ">1.0a1",
                &["1.0a2", "1.0", "1.0b1"],
                &["1.0a1", "1.0a1.post1", "1.0a1+l"],
            ),
            (">1.0.dev1", &["1.0.dev2", "1.0a1", "1.0"], &["1.0.dev1"]),
            // `<V` excludes V's pre-releases unless V is one.
            (
                "<1.7",
                &["1.6", "1.6.9.post1"],
                &["1.7", "1.7rc1", "1.7.dev0", "1.7a1", "1.7+l"],
            ),
            (
                "<1.7rc1",
                &["1.7a1", "1.7b2", "1.7.dev0", "1.6"],
                &["1.7rc1", "1.7"],
            ),
            // Compatible release.
            (
                "~=2.2",
                &["2.2", "2.3", "2.9.post1", "2.2+l"],
                &["3.0", "3.0.dev0", "2.1", "2.2rc1"],
            ),
            (
                "~=1.4.5",
                &["1.4.5", "1.4.9"],
                &["1.5", "1.5.dev0", "1.4.4"],
            ),
            ("~=2.2.post3", &["2.2.post3", "2.3"], &["2.2.post2", "3.0"]),
            // Arbitrary equality.
            ("===1.0", &["1.0"], &["1.1", "1.0+l"]),
            // Sets intersect.
            (
                ">=1.0,!=1.3.4.*,<2.0",
                &["1.0", "1.3.3", "1.3.5", "1.9"],
                &["1.3.4", "1.3.4.1", "2.0", "0.9"],
            ),
            (
                "!=1.1,!=1.3,!=1.2",
                &["1.0", "1.4", "1.1.1"],
                &["1.1", "1.2", "1.3", "1.2+l"],
            ),
        ];
        for (spec, admits, excludes) in table {
            let r = range(spec);
            for v in *admits {
                assert!(
                    r.contains(&Version::from_str(v).unwrap()),
                    "`{spec}` must admit {v}"
                );
            }
            for v in *excludes {
                assert!(
                    !r.contains(&Version::from_str(v).unwrap()),
                    "`{spec}` must exclude {v}"
                );
            }
        }
    }

    /// Thousands of `!=` clauses, listed in any order, convert in one pass
    /// (successive intersections took minutes for 30,000 of them).
    #[test]
    fn many_exclusions_convert_in_one_pass() {
        let text: Vec<String> = (0..30_000).rev().map(|i| format!("!=1.{i}")).collect();
        let specs = VersionSpecifiers::from_str(&text.join(",")).unwrap();
        let r = specifiers_to_ranges(&specs);
        assert!(!r.contains(&Version::from_str("1.17").unwrap()));
        assert!(!r.contains(&Version::from_str("1.17+l").unwrap()));
        assert!(r.contains(&Version::from_str("1.17.1").unwrap()));
        assert!(r.contains(&Version::from_str("2").unwrap()));
        assert_eq!(r.iter().count(), 30_001);
    }

    /// A marker raises an environment's lowest Python only through a lower
    /// bound that holds on every branch: `or` with another variable, an upper
    /// bound or a bound the environment already implies does not.
    #[test]
    fn marker_raises_python_floor() {
        let m = |s: &str| MarkerTree::from_str(s).unwrap();
        let env = m("python_full_version >= '3.8'");
        let table = [
            ("python_version >= '3.12'", true),
            (
                "python_full_version > '3.9.1' and sys_platform == 'win32'",
                true,
            ),
            ("python_version >= '3.12' or sys_platform == 'win32'", false),
            ("python_version < '3.10'", false),
            ("python_version >= '3.8'", false),
            ("python_version >= '3.6'", false),
            ("sys_platform == 'linux'", false),
        ];
        for (marker, raises) in table {
            assert_eq!(raises_python_floor(&env, &m(marker)), raises, "{marker}");
        }
        let narrowed = m("python_full_version >= '3.12'");
        assert!(!raises_python_floor(
            &narrowed,
            &m("python_version >= '3.12'")
        ));
    }
}
