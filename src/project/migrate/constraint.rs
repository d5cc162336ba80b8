//! Poetry version constraints (`^1.2`, `~1.2`, `1.*`, `>=1,<2 || >=3`) to
//! PEP 440 specifiers, and Poetry's `python` constraints to markers.

use super::MigrateError;
use pep440_rs::{Operator, Version, VersionSpecifier, VersionSpecifiers};
use std::str::FromStr;

// Version constraints
// ---------------------------------------------------------------------------

/// Release numbers of a version as written (`1.2` -> `[1, 2]`), or an error.
fn release_of(v: &str) -> Result<Vec<u64>, MigrateError> {
    let version = Version::from_str(v.trim())
        .map_err(|e| MigrateError(format!("`{v}` is not a version: {e}")))?;
    Ok(version.release().to_vec())
}

fn join_release(parts: &[u64]) -> String {
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// The exclusive upper bound: `parts` with `parts[i]` incremented and the rest zeroed.
fn bump(parts: &[u64], i: usize) -> String {
    let mut out = parts.to_vec();
    out[i] += 1;
    for p in out.iter_mut().skip(i + 1) {
        *p = 0;
    }
    join_release(&out)
}

/// One Poetry constraint without `,` or `||`, as PEP 440 specifiers
/// (empty for `*`).
fn translate_atom(atom: &str) -> Result<Vec<String>, MigrateError> {
    let atom = atom.trim();
    if atom.is_empty() || atom == "*" {
        return Ok(Vec::new());
    }
    if let Some(v) = atom.strip_prefix('^') {
        let v = v.trim();
        let parts = release_of(v)?;
        let i = parts
            .iter()
            .position(|p| *p != 0)
            .unwrap_or(parts.len() - 1);
        return Ok(vec![format!(">={v}"), format!("<{}", bump(&parts, i))]);
    }
    if !atom.starts_with("~=") {
        if let Some(v) = atom.strip_prefix('~') {
            let v = v.trim();
            let parts = release_of(v)?;
            let i = if parts.len() >= 2 { 1 } else { 0 };
            return Ok(vec![format!(">={v}"), format!("<{}", bump(&parts, i))]);
        }
    }
    for op in ["===", "==", "!=", "~=", ">=", "<=", ">", "<"] {
        if let Some(v) = atom.strip_prefix(op) {
            return Ok(vec![format!("{op}{}", v.trim())]);
        }
    }
    if let Some(v) = atom.strip_prefix('=') {
        return Ok(vec![format!("=={}", v.trim())]);
    }
    // A bare version (`1.2.3`, `1.2.*`) means exactly that version.
    Ok(vec![format!("=={atom}")])
}

/// Split a Poetry conjunction on `,` and on spaces between operators
/// (`>=1.0 <2.0`), keeping `>= 1.0` together.
fn split_conjunction(alt: &str) -> Vec<String> {
    let mut atoms = Vec::new();
    for piece in alt.split(',') {
        let mut current = String::new();
        for word in piece.split_whitespace() {
            let starts_op = word.starts_with(['<', '>', '=', '!', '~', '^']);
            let current_is_op_only = !current.is_empty()
                && current
                    .chars()
                    .all(|c| matches!(c, '<' | '>' | '=' | '!' | '~' | '^'));
            if starts_op && !current.is_empty() && !current_is_op_only {
                atoms.push(std::mem::take(&mut current));
            }
            current.push_str(word);
        }
        if !current.is_empty() {
            atoms.push(current);
        }
    }
    atoms
}

/// One alternative (no `||`) as PEP 440 specifier text (empty for any version).
fn translate_conjunction(alt: &str) -> Result<String, MigrateError> {
    let mut specs = Vec::new();
    for atom in split_conjunction(alt) {
        specs.extend(translate_atom(&atom)?);
    }
    let text = specs.join(",");
    VersionSpecifiers::from_str(&text).map_err(|e| {
        MigrateError(format!(
            "cannot translate the Poetry constraint `{alt}` (as `{text}`): {e}"
        ))
    })?;
    Ok(text)
}

/// A Poetry version constraint as PEP 440 specifier text, plus a warning
/// when the meaning had to change.
///
/// `^1.2.3` -> `>=1.2.3,<2.0.0`, `~1.2` -> `>=1.2,<1.3`, `*` -> ``,
/// `1.2.*` -> `==1.2.*`, `1.2.3` -> `==1.2.3`; PEP 440 text is kept.
/// `a || b` cannot be one PEP 508 requirement: it becomes the smallest
/// range covering every alternative, with a warning.
///
/// # Errors
/// Unparseable versions, and `||` alternatives that are not plain ranges.
pub fn translate_constraint(constraint: &str) -> Result<(String, Option<String>), MigrateError> {
    let alternatives: Vec<&str> = constraint.split("||").collect();
    if alternatives.len() == 1 {
        return Ok((translate_conjunction(constraint)?, None));
    }
    let translated = alternatives
        .iter()
        .map(|a| translate_conjunction(a))
        .collect::<Result<Vec<_>, _>>()?;
    let widest = hull(&translated).ok_or_else(|| {
        MigrateError(format!(
            "the Poetry constraint `{constraint}` has alternatives (`||`) that one PEP 508 requirement cannot express"
        ))
    })?;
    let warning = format!(
        "`{constraint}` (either of several ranges) cannot be expressed in one PEP 508 requirement; widened to `{}`",
        if widest.is_empty() { "any version" } else { &widest }
    );
    Ok((widest, Some(warning)))
}

type Bound = Option<(Version, bool)>;

/// The smallest `>=/>` + `</<=` range covering every alternative, or `None`
/// when one of them is not a plain range (e.g. `!=` or wildcards).
fn hull(alternatives: &[String]) -> Option<String> {
    let mut lowers: Vec<Bound> = Vec::new();
    let mut uppers: Vec<Bound> = Vec::new();
    for alt in alternatives {
        let specs = VersionSpecifiers::from_str(alt).ok()?;
        let (mut lo, mut hi): (Bound, Bound) = (None, None);
        for s in specs.iter() {
            let v = s.version().clone();
            match s.operator() {
                Operator::GreaterThanEqual => lo = Some((v, true)),
                Operator::GreaterThan => lo = Some((v, false)),
                Operator::LessThan => hi = Some((v, false)),
                Operator::LessThanEqual => hi = Some((v, true)),
                Operator::Equal | Operator::ExactEqual => {
                    lo = Some((v.clone(), true));
                    hi = Some((v, true));
                }
                _ => return None,
            }
        }
        lowers.push(lo);
        uppers.push(hi);
    }
    let lower = lowers
        .into_iter()
        .try_fold(None::<(Version, bool)>, |acc, b| {
            let b = b?;
            Some(Some(match acc {
                Some(a) if a.0 < b.0 || (a.0 == b.0 && a.1) => a,
                _ => b,
            }))
        })
        .flatten();
    let upper = uppers
        .into_iter()
        .try_fold(None::<(Version, bool)>, |acc, b| {
            let b = b?;
            Some(Some(match acc {
                Some(a) if a.0 > b.0 || (a.0 == b.0 && a.1) => a,
                _ => b,
            }))
        })
        .flatten();
    let mut out = Vec::new();
    if let Some((v, incl)) = lower {
        out.push(format!("{}{v}", if incl { ">=" } else { ">" }));
    }
    if let Some((v, incl)) = upper {
        out.push(format!("{}{v}", if incl { "<=" } else { "<" }));
    }
    Some(out.join(","))
}

/// A Poetry `python = "..."` constraint as a PEP 508 marker expression.
pub(super) fn python_marker(constraint: &str) -> Result<String, MigrateError> {
    let mut ors = Vec::new();
    for alt in constraint.split("||") {
        let text = translate_conjunction(alt)?;
        if text.is_empty() {
            return Ok(String::new());
        }
        let specs = VersionSpecifiers::from_str(&text)
            .map_err(|e| MigrateError(format!("invalid python constraint `{alt}`: {e}")))?;
        let ands: Vec<String> = specs
            .iter()
            .map(|s: &VersionSpecifier| {
                let v = s.version().to_string();
                let var = if s.version().release().len() > 2 {
                    "python_full_version"
                } else {
                    "python_version"
                };
                let op = s.operator().to_string();
                let v = if s.operator().is_star() {
                    format!("{v}.*")
                } else {
                    v
                };
                format!("{var} {op} '{v}'")
            })
            .collect();
        ors.push(ands.join(" and "));
    }
    Ok(if ors.len() == 1 {
        ors.remove(0)
    } else {
        ors.iter()
            .map(|o| format!("({o})"))
            .collect::<Vec<_>>()
            .join(" or ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(c: &str) -> String {
        translate_constraint(c).unwrap().0
    }

    #[test]
    fn caret_tilde_and_plain() {
        assert_eq!(t("^1.2.3"), ">=1.2.3,<2.0.0");
        assert_eq!(t("^0.2.3"), ">=0.2.3,<0.3.0");
        assert_eq!(t("^0.0.3"), ">=0.0.3,<0.0.4");
        assert_eq!(t("^1.2"), ">=1.2,<2.0");
        assert_eq!(t("^1"), ">=1,<2");
        assert_eq!(t("~1.2.3"), ">=1.2.3,<1.3.0");
        assert_eq!(t("~1.2"), ">=1.2,<1.3");
        assert_eq!(t("~1"), ">=1,<2");
        assert_eq!(t("*"), "");
        assert_eq!(t("1.2.*"), "==1.2.*");
        assert_eq!(t("1.2.3"), "==1.2.3");
        assert_eq!(t("=1.2.3"), "==1.2.3");
        assert_eq!(t(">=1.2,<2.0"), ">=1.2,<2.0");
        assert_eq!(t(">= 1.2, < 2.0"), ">=1.2,<2.0");
        assert_eq!(t(">=1.2 <2.0"), ">=1.2,<2.0");
        assert_eq!(t("~=1.4"), "~=1.4");
        assert_eq!(t("!=1.5"), "!=1.5");
    }

    #[test]
    fn alternatives_widen_or_fail() {
        let (spec, warning) = translate_constraint("^1.0 || ^2.0").unwrap();
        assert_eq!(spec, ">=1.0,<3.0");
        assert!(warning.unwrap().contains("cannot be expressed"));
        assert_eq!(t("1.2.3 || >=2"), ">=1.2.3");
        assert!(translate_constraint("1.* || 3.*").is_err());
        assert!(translate_constraint("^x.y").is_err());
    }
}
