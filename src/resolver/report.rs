//! PubGrub's derivation tree told in words, with ranges written the way
//! users write PEP 440 specifiers (`==1.2`, `!=1.7`, `>=2,<3`): envy's own
//! [`ReportFormatter`], so no internal bound (a local-version sentinel, an
//! empty set) ever reaches a message.

use super::ranges::{max_local, requirement_range};
use super::{Pkg, RequirementSource, ResolverInput};
use pep440_rs::Version;
use pep508_rs::{PackageName, Requirement};
use pubgrub::{
    DefaultStringReporter, DerivationTree, Derived, External, Map, ReportFormatter, Reporter, Term,
};
use std::ops::Bound;
use version_ranges::Ranges;

type Range = Ranges<Version>;

/// Explain why no solution exists: "Because ... we can conclude that ...",
/// one sentence per line, each indented by two spaces. A project
/// requirement declared in a dependency group or an extra says so.
pub fn explain(tree: DerivationTree<Pkg, Range, String>, input: &ResolverInput) -> String {
    let requires_python = &input.requires_python;
    let formatter = Formatter {
        project_version: input.project_version.clone(),
        root_requirements: input.requirements.clone(),
        sources: input.requirement_sources.clone(),
    };
    if let DerivationTree::External(e) = &tree {
        // A single fact: say it, and what follows.
        let line = formatter.format_external(e);
        return format!("  Because {line}, we can conclude that your project's requirements are unsatisfiable.\n");
    }
    let text = DefaultStringReporter::report_with_formatter(&tree, &formatter);
    let mut out = String::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        out.push_str("  ");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if text.contains("requires Python") {
        out.push_str(&format!(
            "  (the project's requires-python is `{requires_python}`)\n"
        ));
    }
    out
}

/// Whether `v` is the internal upper end of `w`'s local versions.
fn is_max_local(v: &Version) -> bool {
    v.local().len() == 8 && *v == max_local(&v.clone().without_local())
}

/// `v` without an internal local sentinel.
fn shown(v: &Version) -> Version {
    if is_max_local(v) {
        v.clone().without_local()
    } else {
        v.clone()
    }
}

/// One segment `(lo, hi)` as specifiers: `==1.2`, `>=1`, `<2`, `>=1,<2`.
fn segment_text(lo: &Bound<Version>, hi: &Bound<Version>) -> String {
    // `==V` for V without a local label is [V, V+max-local].
    if let (Bound::Included(a), Bound::Included(b)) = (lo, hi) {
        if a == b || (is_max_local(b) && shown(b) == *a) {
            return format!("=={a}");
        }
    }
    let lower = match lo {
        Bound::Unbounded => None,
        Bound::Included(a) => Some(format!(">={}", shown(a))),
        Bound::Excluded(a) => Some(format!(">{}", shown(a))),
    };
    let upper = match hi {
        Bound::Unbounded => None,
        Bound::Included(b) => Some(format!("<={}", shown(b))),
        Bound::Excluded(b) => Some(format!("<{}", shown(b))),
    };
    match (lower, upper) {
        (None, None) => String::new(),
        (Some(l), None) => l,
        (None, Some(u)) => u,
        (Some(l), Some(u)) => format!("{l},{u}"),
    }
}

/// A range as PEP 440 specifiers: the empty string for every version,
/// `!=V` for the complement of one version, otherwise its segments joined
/// by ` | `. Adjacent segments are merged by `Ranges` itself.
pub fn range_text(range: &Range) -> String {
    let segments: Vec<(&Bound<Version>, &Bound<Version>)> = range.iter().collect();
    if segments.is_empty() {
        return " (no version)".to_string();
    }
    // The complement of a single version (with its local versions).
    if let [(Bound::Unbounded, Bound::Excluded(a)), (Bound::Excluded(b), Bound::Unbounded)] =
        segments.as_slice()
    {
        if a == b || (is_max_local(b) && shown(b) == *a) {
            return format!("!={a}");
        }
    }
    segments
        .iter()
        .map(|(lo, hi)| segment_text(lo, hi))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// `pkg` with `range` the way a requirement is written: `flask>=3`,
/// `black==21.1.0`; the project is "your project".
fn term(pkg: &Pkg, range: &Range) -> String {
    match pkg {
        Pkg::Root(_) => "your project".to_string(),
        _ => format!("`{pkg}{}`", range_text(range)),
    }
}

/// A package with no range: `flask`, or "your project".
fn bare(pkg: &Pkg) -> String {
    match pkg {
        Pkg::Root(_) => "your project".to_string(),
        _ => format!("`{pkg}`"),
    }
}

/// The wording of each piece of a derivation.
struct Formatter {
    /// The project's version, named when a dependency's range on the
    /// project excludes it.
    project_version: Option<Version>,
    /// The project's requirements, quoted when together they leave no
    /// version (`a==1.0` in one group, `a==2.0` in another).
    root_requirements: Vec<Requirement>,
    /// Where those requirements were declared, when not (only) in
    /// `[project] dependencies`.
    sources: Vec<(Requirement, RequirementSource)>,
}

impl Formatter {
    /// ` (from the dependency group `dev`)` when every declaration of `req`
    /// is in dependency groups or extras; empty for a plain dependency.
    fn source_of(&self, req: &Requirement) -> String {
        let mut from: Vec<&RequirementSource> = self
            .sources
            .iter()
            .filter(|(r, _)| r == req)
            .map(|(_, s)| s)
            .collect();
        from.sort();
        from.dedup();
        if from.is_empty() || from.contains(&&RequirementSource::Dependencies) {
            return String::new();
        }
        let names: Vec<String> = from.iter().map(ToString::to_string).collect();
        format!(" (from {})", names.join(" and "))
    }

    /// Where the project's requirement on `dep` with range `range` came
    /// from: the requirements on that name whose range is `range`, else all
    /// of them (PubGrub merges the project's requirements on one name).
    fn root_source(&self, dep: &Pkg, range: &Range) -> String {
        let name: Option<&PackageName> = match dep {
            Pkg::Dist(n) | Pkg::Extra(n, _) => Some(n),
            Pkg::Root(_) => None,
        };
        let on_name: Vec<&Requirement> = self
            .root_requirements
            .iter()
            .filter(|r| Some(&r.name) == name)
            .collect();
        let exact: Vec<&Requirement> = on_name
            .iter()
            .copied()
            .filter(|r| &requirement_range(r) == range)
            .collect();
        let reqs = if exact.is_empty() { on_name } else { exact };
        let mut texts: Vec<String> = reqs.iter().map(|r| self.source_of(r)).collect();
        texts.dedup();
        match texts.as_slice() {
            [one] => one.clone(),
            _ => String::new(),
        }
    }
}

impl pubgrub::ReportFormatter<Pkg, Range, String> for Formatter {
    type Output = String;

    fn format_external(&self, external: &External<Pkg, Range, String>) -> String {
        match external {
            External::NotRoot(pkg, _) => format!("{} is what is being resolved", bare(pkg)),
            External::NoVersions(pkg, range) => {
                if range == &Range::full() {
                    format!("there is no usable version of {}", bare(pkg))
                } else {
                    format!("there is no version of {}", term(pkg, range))
                }
            }
            External::Custom(pkg, range, reason) => {
                format!("{} cannot be used: {reason}", term(pkg, range))
            }
            External::FromDependencyOf(pkg, range, Pkg::Root(name), dep_range) => {
                let who = if range == &Range::full() {
                    bare(pkg)
                } else {
                    term(pkg, range)
                };
                let version = self
                    .project_version
                    .as_ref()
                    .map(|v| format!(", which is at {v}"))
                    .unwrap_or_default();
                format!(
                    "{who} depends on `{name}{}` (your project{version})",
                    range_text(dep_range)
                )
            }
            External::FromDependencyOf(Pkg::Root(_), _, dep, dep_range) if dep_range.is_empty() => {
                let name = match dep {
                    Pkg::Dist(n) | Pkg::Extra(n, _) => Some(n),
                    Pkg::Root(_) => None,
                };
                let reqs: Vec<String> = self
                    .root_requirements
                    .iter()
                    .filter(|r| Some(&r.name) == name)
                    .map(|r| format!("`{r}`{}", self.source_of(r)))
                    .collect();
                format!(
                    "your project requires {}, which no single version satisfies",
                    reqs.join(" and ")
                )
            }
            External::FromDependencyOf(pkg, range, dep, dep_range) => match pkg {
                Pkg::Root(_) => format!(
                    "your project depends on {}{}",
                    term(dep, dep_range),
                    self.root_source(dep, dep_range)
                ),
                _ => {
                    let who = if range == &Range::full() {
                        bare(pkg)
                    } else {
                        term(pkg, range)
                    };
                    format!("{who} depends on {}", term(dep, dep_range))
                }
            },
        }
    }

    fn format_terms(&self, terms: &Map<Pkg, Term<Range>>) -> String {
        let list: Vec<(&Pkg, &Term<Range>)> = terms.iter().collect();
        match list.as_slice() {
            [] => "no version can be chosen".to_string(),
            [(Pkg::Root(_), Term::Positive(_))] => {
                "your project's requirements are unsatisfiable".to_string()
            }
            [(pkg, Term::Positive(range))] => format!("{} cannot be used", term(pkg, range)),
            [(pkg, Term::Negative(range))] => format!("{} is required", term(pkg, range)),
            [(p1, Term::Positive(r1)), (p2, Term::Negative(r2))] => self.format_external(
                &External::FromDependencyOf((*p1).clone(), r1.clone(), (*p2).clone(), r2.clone()),
            ),
            [(p1, Term::Negative(r1)), (p2, Term::Positive(r2))] => self.format_external(
                &External::FromDependencyOf((*p2).clone(), r2.clone(), (*p1).clone(), r1.clone()),
            ),
            many => {
                let parts: Vec<String> = many
                    .iter()
                    .map(|(p, t)| match t {
                        Term::Positive(r) => term(p, r),
                        Term::Negative(r) => format!("not {}", term(p, r)),
                    })
                    .collect();
                format!("{} cannot all be used together", parts.join(", "))
            }
        }
    }

    fn explain_both_external(
        &self,
        external1: &External<Pkg, Range, String>,
        external2: &External<Pkg, Range, String>,
        current_terms: &Map<Pkg, Term<Range>>,
    ) -> String {
        format!(
            "Because {} and {}, we can conclude that {}.",
            self.format_external(external1),
            self.format_external(external2),
            self.format_terms(current_terms)
        )
    }

    fn explain_both_ref(
        &self,
        ref_id1: usize,
        derived1: &Derived<Pkg, Range, String>,
        ref_id2: usize,
        derived2: &Derived<Pkg, Range, String>,
        current_terms: &Map<Pkg, Term<Range>>,
    ) -> String {
        format!(
            "Because {} ({ref_id1}) and {} ({ref_id2}), we can conclude that {}.",
            self.format_terms(&derived1.terms),
            self.format_terms(&derived2.terms),
            self.format_terms(current_terms)
        )
    }

    fn explain_ref_and_external(
        &self,
        ref_id: usize,
        derived: &Derived<Pkg, Range, String>,
        external: &External<Pkg, Range, String>,
        current_terms: &Map<Pkg, Term<Range>>,
    ) -> String {
        format!(
            "Because {} ({ref_id}) and {}, we can conclude that {}.",
            self.format_terms(&derived.terms),
            self.format_external(external),
            self.format_terms(current_terms)
        )
    }

    fn and_explain_external(
        &self,
        external: &External<Pkg, Range, String>,
        current_terms: &Map<Pkg, Term<Range>>,
    ) -> String {
        format!(
            "And because {}, we can conclude that {}.",
            self.format_external(external),
            self.format_terms(current_terms)
        )
    }

    fn and_explain_ref(
        &self,
        ref_id: usize,
        derived: &Derived<Pkg, Range, String>,
        current_terms: &Map<Pkg, Term<Range>>,
    ) -> String {
        format!(
            "And because {} ({ref_id}), we can conclude that {}.",
            self.format_terms(&derived.terms),
            self.format_terms(current_terms)
        )
    }

    fn and_explain_prior_and_external(
        &self,
        prior_external: &External<Pkg, Range, String>,
        external: &External<Pkg, Range, String>,
        current_terms: &Map<Pkg, Term<Range>>,
    ) -> String {
        format!(
            "And because {} and {}, we can conclude that {}.",
            self.format_external(prior_external),
            self.format_external(external),
            self.format_terms(current_terms)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::ranges::specifiers_to_ranges;
    use super::*;
    use pep440_rs::VersionSpecifiers;
    use std::str::FromStr;

    fn text(spec: &str) -> String {
        range_text(&specifiers_to_ranges(
            &VersionSpecifiers::from_str(spec).unwrap(),
        ))
    }

    #[test]
    fn ranges_read_like_specifiers() {
        assert_eq!(text("==21.1.0"), "==21.1.0");
        assert_eq!(text("!=1.7"), "!=1.7");
        assert_eq!(text(">=2,<3"), ">=2,<3");
        assert_eq!(text(">=3"), ">=3");
        assert_eq!(text("<2"), "<2");
        assert_eq!(text("<=2"), "<=2");
        assert_eq!(text(">1.7"), ">1.7");
        assert_eq!(text(""), "");
        assert_eq!(text(">=1,!=1.5"), ">=1,<1.5 | >1.5");
        let all = text("==1.2.3");
        assert!(!all.contains("18446744073709551615"), "{all}");
        assert_eq!(
            range_text(
                &specifiers_to_ranges(&VersionSpecifiers::from_str(">=3").unwrap()).intersection(
                    &specifiers_to_ranges(&VersionSpecifiers::from_str("<2").unwrap())
                )
            ),
            " (no version)"
        );
    }
}
