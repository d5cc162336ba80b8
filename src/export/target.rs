//! The interpreter and platform a bundle is built for: the local interpreter, or
//! one described by `--python-version X.Y` and `--python-platform TAG` (wheel tags
//! and a PEP 508 marker environment computed without running it).

use super::{ExportError, Result};
use crate::venv::{Interpreter, Tags};
use pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};
use std::path::PathBuf;
use std::str::FromStr;

/// The operating-system half of a marker environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsMarkers {
    /// `sys_platform`: `linux`, `darwin`, `win32`.
    pub sys_platform: String,
    /// `platform_system`: `Linux`, `Darwin`, `Windows`.
    pub platform_system: String,
    /// `os_name`: `posix`, `nt`.
    pub os_name: String,
    /// `platform_machine`: `x86_64`, `arm64`, `AMD64`, ...
    pub platform_machine: String,
}

impl OsMarkers {
    /// The OS markers of an existing environment.
    pub fn of(env: &MarkerEnvironment) -> OsMarkers {
        OsMarkers {
            sys_platform: env.sys_platform().to_string(),
            platform_system: env.platform_system().to_string(),
            os_name: env.os_name().to_string(),
            platform_machine: env.platform_machine().to_string(),
        }
    }

    fn new(sys: &str, system: &str, os: &str, machine: &str) -> OsMarkers {
        OsMarkers {
            sys_platform: sys.into(),
            platform_system: system.into(),
            os_name: os.into(),
            platform_machine: machine.into(),
        }
    }
}

/// Platform tags (most preferred first, without `any`) and OS markers for a
/// `--python-platform` value: a wheel platform tag such as `manylinux_2_28_x86_64`,
/// `manylinux2014_aarch64`, `musllinux_1_2_x86_64`, `linux_x86_64`,
/// `macosx_11_0_arm64`, `win_amd64`, `win32` or `win_arm64`.
///
/// # Errors
/// An unknown platform, with the accepted forms.
pub fn parse_platform(platform: &str) -> Result<(Vec<String>, OsMarkers)> {
    let bad = || ExportError::UnknownPlatform(platform.to_string());
    let linux = |arch: &str| OsMarkers::new("linux", "Linux", "posix", arch);
    let p = platform.trim();
    let legacy = [
        ("manylinux2014_", (2, 17)),
        ("manylinux2010_", (2, 12)),
        ("manylinux1_", (2, 5)),
    ];
    for (prefix, glibc) in legacy {
        if let Some(arch) = p.strip_prefix(prefix) {
            return Ok((Tags::linux_platforms(arch, Some(glibc), None), linux(arch)));
        }
    }
    for (prefix, is_musl) in [("manylinux_", false), ("musllinux_", true)] {
        if let Some(rest) = p.strip_prefix(prefix) {
            let (v, arch) = version_and_arch(rest).ok_or_else(bad)?;
            let plats = if is_musl {
                Tags::linux_platforms(arch, None, Some(v))
            } else {
                Tags::linux_platforms(arch, Some(v), None)
            };
            return Ok((plats, linux(arch)));
        }
    }
    if let Some(arch) = p.strip_prefix("linux_") {
        return Ok((vec![p.to_string()], linux(arch)));
    }
    if let Some(rest) = p.strip_prefix("macosx_") {
        let (v, arch) = version_and_arch(rest).ok_or_else(bad)?;
        let machine = if arch == "universal2" { "arm64" } else { arch };
        return Ok((
            Tags::macos_platforms(v, machine),
            OsMarkers::new("darwin", "Darwin", "posix", machine),
        ));
    }
    let windows = |machine: &str| OsMarkers::new("win32", "Windows", "nt", machine);
    match p {
        "win_amd64" => Ok((vec![p.into()], windows("AMD64"))),
        "win32" => Ok((vec![p.into()], windows("x86"))),
        "win_arm64" => Ok((vec![p.into()], windows("ARM64"))),
        _ => Err(bad()),
    }
}

/// Parse `--python-version`: `3.12` (a patch part is accepted and kept for markers).
///
/// # Errors
/// Not `MAJOR.MINOR[.PATCH]`.
pub fn parse_python_version(v: &str) -> Result<(u64, u64, u64)> {
    let parts: Vec<&str> = v.trim().split('.').collect();
    let num = |s: &str| s.parse::<u64>().ok();
    match parts.as_slice() {
        [a, b] => num(a).zip(num(b)).map(|(a, b)| (a, b, 0)),
        [a, b, c] => match (num(a), num(b), num(c)) {
            (Some(a), Some(b), Some(c)) => Some((a, b, c)),
            _ => None,
        },
        _ => None,
    }
    .filter(|(a, _, _)| *a == 3)
    .ok_or_else(|| ExportError::InvalidPythonVersion(v.to_string()))
}

/// A CPython interpreter for another machine: tags from [`Tags::from_parts`], markers
/// from `os` with `python_full_version` = `X.Y.Z` (`Z` = 0 unless given). Nothing is run;
/// `executable` is `python3` (`python.exe` on Windows).
///
/// # Errors
/// When the marker environment cannot be built.
pub fn synthetic(
    (major, minor, patch): (u64, u64, u64),
    platforms: Vec<String>,
    os: &OsMarkers,
    platform_label: &str,
) -> Result<Interpreter> {
    let full = format!("{major}.{minor}.{patch}");
    let short = format!("{major}.{minor}");
    let markers = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: &full,
        os_name: &os.os_name,
        platform_machine: &os.platform_machine,
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system: &os.platform_system,
        platform_version: "",
        python_full_version: &full,
        python_version: &short,
        sys_platform: &os.sys_platform,
    })
    .map_err(|e| ExportError::InvalidTarget(e.to_string()))?;
    let windows = os.sys_platform == "win32";
    Ok(Interpreter {
        executable: PathBuf::from(if windows { "python.exe" } else { "python3" }),
        base_prefix: PathBuf::new(),
        version: Version::from_str(&full)?,
        markers,
        tags: Tags::from_parts("cpython", (major, minor), false, platforms),
        gil_disabled: false,
        implementation: "cpython".into(),
        purelib_rel: if windows {
            PathBuf::from("Lib").join("site-packages")
        } else {
            PathBuf::from(format!("lib/python{major}.{minor}/site-packages"))
        },
        platform: platform_label.to_string(),
    })
}

/// The platform tags (without `any`) an interpreter accepts, in preference order.
pub fn platforms_of(interp: &Interpreter) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, _, plat) in interp.tags.iter() {
        if plat != "any" && !out.contains(plat) {
            out.push(plat.clone());
        }
    }
    out
}

/// Split the `X_Y_ARCH` tail of a `manylinux_`/`musllinux_`/`macosx_` platform
/// tag into its version and architecture (`2_28_x86_64` -> `((2, 28), "x86_64")`).
fn version_and_arch(rest: &str) -> Option<((u64, u64), &str)> {
    let mut it = rest.splitn(3, '_');
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    Some(((major, minor), it.next()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms() {
        let (p, os) = parse_platform("manylinux_2_28_x86_64").unwrap();
        assert_eq!(p[0], "manylinux_2_28_x86_64");
        assert!(p.contains(&"manylinux2014_x86_64".to_string()));
        assert_eq!(os.sys_platform, "linux");
        let (p, os) = parse_platform("macosx_11_0_arm64").unwrap();
        assert_eq!(p[0], "macosx_11_0_arm64");
        assert_eq!(os.platform_machine, "arm64");
        let (p, os) = parse_platform("win_amd64").unwrap();
        assert_eq!(p, vec!["win_amd64".to_string()]);
        assert_eq!(os.os_name, "nt");
        assert!(parse_platform("amiga").is_err());
        let i = synthetic((3, 12, 0), p, &os, "win_amd64").unwrap();
        assert_eq!(i.markers.sys_platform(), "win32");
        assert!(i.tags.iter().any(|t| t.0 == "cp312" && t.2 == "win_amd64"));
        assert_eq!(parse_python_version("3.13").unwrap(), (3, 13, 0));
        assert!(parse_python_version("2.7").is_err());
    }
}
