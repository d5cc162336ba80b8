//! Distribution filenames: wheels (`{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`,
//! per the binary distribution format spec) and sdists (`{name}-{version}.tar.gz`, PEP 625;
//! legacy `.zip` and `.tar.bz2` too).

use pep440_rs::Version;
use pep508_rs::PackageName;
use std::fmt;
use std::str::FromStr;

/// A filename that is not a wheel or sdist name envy understands.
#[derive(Debug, thiserror::Error)]
#[error("`{filename}` is not a valid distribution filename: {reason}")]
pub struct FilenameError {
    /// The filename as given.
    pub filename: String,
    /// What is wrong with it.
    pub reason: String,
}

fn err(filename: &str, reason: impl Into<String>) -> FilenameError {
    FilenameError {
        filename: filename.to_string(),
        reason: reason.into(),
    }
}

/// A parsed wheel filename.
///
/// Compressed tag sets (`py2.py3`) are expanded into the tag vectors.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WheelFilename {
    /// Normalized distribution name.
    pub name: PackageName,
    /// The version.
    pub version: Version,
    /// Optional build tag (starts with a digit).
    pub build: Option<String>,
    /// Python tags, e.g. `["py2", "py3"]` or `["cp311"]`.
    pub python_tags: Vec<String>,
    /// ABI tags, e.g. `["none"]`, `["abi3"]`, `["cp311"]`.
    pub abi_tags: Vec<String>,
    /// Platform tags, e.g. `["any"]`, `["manylinux_2_17_x86_64", "manylinux2014_x86_64"]`.
    pub platform_tags: Vec<String>,
}

impl WheelFilename {
    /// Every `(python, abi, platform)` triple this wheel claims.
    pub fn tags(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.python_tags.iter().flat_map(move |py| {
            self.abi_tags.iter().flat_map(move |abi| {
                self.platform_tags
                    .iter()
                    .map(move |plat| (py.as_str(), abi.as_str(), plat.as_str()))
            })
        })
    }

    /// True when the wheel is pure Python for any platform (`*-none-any`).
    pub fn is_universal(&self) -> bool {
        self.abi_tags.iter().all(|a| a == "none") && self.platform_tags.iter().all(|p| p == "any")
    }
}

impl FromStr for WheelFilename {
    type Err = FilenameError;

    fn from_str(filename: &str) -> Result<Self, Self::Err> {
        let stem = filename
            .strip_suffix(".whl")
            .ok_or_else(|| err(filename, "does not end in `.whl`"))?;
        let parts: Vec<&str> = stem.split('-').collect();
        let (name, version, build, py, abi, plat) = match parts.as_slice() {
            [n, v, py, abi, plat] => (*n, *v, None, *py, *abi, *plat),
            [n, v, b, py, abi, plat] => (*n, *v, Some(*b), *py, *abi, *plat),
            _ => return Err(err(filename, "expected 5 or 6 dash-separated parts")),
        };
        let name = PackageName::from_str(name).map_err(|e| err(filename, e.to_string()))?;
        let version = Version::from_str(version).map_err(|e| err(filename, e.to_string()))?;
        if let Some(b) = build {
            if !b.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(err(filename, "build tag must start with a digit"));
            }
        }
        let split = |s: &str| s.split('.').map(str::to_string).collect::<Vec<_>>();
        Ok(Self {
            name,
            version,
            build: build.map(str::to_string),
            python_tags: split(py),
            abi_tags: split(abi),
            platform_tags: split(plat),
        })
    }
}

impl fmt::Display for WheelFilename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.name.as_dist_info_name(), self.version)?;
        if let Some(b) = &self.build {
            write!(f, "-{b}")?;
        }
        write!(
            f,
            "-{}-{}-{}.whl",
            self.python_tags.join("."),
            self.abi_tags.join("."),
            self.platform_tags.join(".")
        )
    }
}

/// A parsed sdist filename.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SdistFilename {
    /// Normalized distribution name.
    pub name: PackageName,
    /// The version.
    pub version: Version,
    /// The archive extension, e.g. `.tar.gz`.
    pub extension: &'static str,
}

const SDIST_EXTENSIONS: [&str; 4] = [".tar.gz", ".zip", ".tar.bz2", ".tgz"];

impl SdistFilename {
    /// Parse an sdist filename. The package name is needed because legacy sdist
    /// names may contain dashes in the name part (`foo-bar-1.0.tar.gz`).
    ///
    /// # Errors
    /// When the extension is unknown, the name does not match, or the version
    /// is not PEP 440.
    pub fn parse(filename: &str, expected: &PackageName) -> Result<Self, FilenameError> {
        let (stem, extension) = SDIST_EXTENSIONS
            .iter()
            .find_map(|ext| {
                let lower = filename.to_ascii_lowercase();
                lower
                    .ends_with(ext)
                    .then(|| (&filename[..filename.len() - ext.len()], *ext))
            })
            .ok_or_else(|| err(filename, "not an sdist archive extension"))?;
        // Try every dash as the name/version split, so `foo-bar-1.0` works.
        for (i, _) in stem.match_indices('-') {
            let (name, version) = (&stem[..i], &stem[i + 1..]);
            if let Ok(n) = PackageName::from_str(name) {
                if &n == expected {
                    let version =
                        Version::from_str(version).map_err(|e| err(filename, e.to_string()))?;
                    return Ok(Self {
                        name: n,
                        version,
                        extension,
                    });
                }
            }
        }
        Err(err(filename, format!("name does not match `{expected}`")))
    }
}

/// Either kind of distribution filename.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DistFilename {
    /// A built distribution.
    Wheel(WheelFilename),
    /// A source distribution.
    Sdist(SdistFilename),
}

impl DistFilename {
    /// Parse a filename found on the index page of `expected`.
    ///
    /// Returns `None` for files that are neither (eggs, `.exe`, `.msi`, ...).
    pub fn parse(filename: &str, expected: &PackageName) -> Option<Self> {
        if filename.ends_with(".whl") {
            WheelFilename::from_str(filename)
                .ok()
                .filter(|w| &w.name == expected)
                .map(Self::Wheel)
        } else {
            SdistFilename::parse(filename, expected)
                .ok()
                .map(Self::Sdist)
        }
    }

    /// The version in the filename.
    pub fn version(&self) -> &Version {
        match self {
            Self::Wheel(w) => &w.version,
            Self::Sdist(s) => &s.version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wheel_with_compressed_tags() {
        let w: WheelFilename =
            "MarkupSafe-3.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
                .parse()
                .unwrap();
        assert_eq!(w.name.as_ref(), "markupsafe");
        assert_eq!(w.version.to_string(), "3.0.2");
        assert_eq!(w.platform_tags.len(), 2);
        assert_eq!(w.tags().count(), 2);
        assert!(!w.is_universal());
        let p: WheelFilename = "six-1.16.0-py2.py3-none-any.whl".parse().unwrap();
        assert_eq!(p.python_tags, ["py2", "py3"]);
        assert!(p.is_universal());
    }

    #[test]
    fn rejects_bad_wheels() {
        assert!("foo-1.0.whl".parse::<WheelFilename>().is_err());
        assert!("foo-1.0-x-py3-none-any.whl"
            .parse::<WheelFilename>()
            .is_err());
    }

    #[test]
    fn parses_sdists_with_dashed_names() {
        let name = PackageName::from_str("foo-bar").unwrap();
        let s = SdistFilename::parse("foo-bar-1.0.post1.tar.gz", &name).unwrap();
        assert_eq!(s.version.to_string(), "1.0.post1");
        let s = SdistFilename::parse("Foo_Bar-2.0.zip", &name).unwrap();
        assert_eq!(s.extension, ".zip");
        assert!(DistFilename::parse("foo_bar-1.0.exe", &name).is_none());
    }
}

/// The environments a wheel can be installed in, as a PEP 508 marker built
/// from its tags (the OR over its tag triples of python ∧ ABI ∧ platform).
///
/// Python tags: `pyX`/`pyXY` any implementation; `cpXY` CPython X.Y; `pp`/`pypy`,
/// `graalpy`, `ip` their implementations. ABI tags: `none` any, `abi3` CPython,
/// `cpXY…`/`pypy…`/`graalpy…` that implementation. Platform tags:
/// `manylinux_*_ARCH`, `musllinux_*_ARCH`, `linux_ARCH` → Linux on ARCH;
/// `macosx_*_ARCH` → macOS (`universal2` = x86_64 or arm64); `win_amd64`,
/// `win32`, `win_arm64` → Windows; `any` → everywhere. Unknown tags map to
/// `false` (no environment).
pub fn wheel_marker(wheel: &WheelFilename) -> pep508_rs::MarkerTree {
    use pep508_rs::MarkerTree;
    // An empty string stands for "every environment".
    let parse = |s: &str| {
        if s.is_empty() {
            MarkerTree::TRUE
        } else {
            MarkerTree::from_str(s).unwrap_or(MarkerTree::FALSE)
        }
    };
    let python = |tag: &str| -> String {
        let version = |digits: &str| -> Option<String> {
            let (major, minor) = digits.split_at_checked(1)?;
            if minor.is_empty() {
                return Some(format!("python_version >= '{major}'"));
            }
            minor.parse::<u32>().ok()?;
            Some(format!("python_version == '{major}.{minor}'"))
        };
        if let Some(rest) = tag.strip_prefix("py") {
            // `py3`: any Python 3; `py2`: Python 2; `py38`: Python 3.8 and
            // later 3.x (installers accept `py3X` for every X up to theirs).
            let Some((major, minor)) = rest.split_at_checked(1) else {
                return "python_version < '0'".to_string();
            };
            let Ok(major) = major.parse::<u32>() else {
                return "python_version < '0'".to_string();
            };
            // Python 2 tags end at 3; Python 3 tags are open above.
            let below = if major < 3 {
                format!(" and python_version < '{}'", major + 1)
            } else {
                String::new()
            };
            if minor.is_empty() {
                return format!("python_version >= '{major}'{below}");
            }
            return match minor.parse::<u32>() {
                Ok(minor) => format!("python_version >= '{major}.{minor}'{below}"),
                Err(_) => "python_version < '0'".to_string(),
            };
        }
        let implementations = [
            ("cp", "cpython"),
            ("pp", "pypy"),
            ("graalpy", "graalpy"),
            ("ip", "ironpython"),
        ];
        for (prefix, implementation) in implementations {
            if let Some(rest) = tag.strip_prefix(prefix) {
                return match version(rest) {
                    Some(v) => format!("implementation_name == '{implementation}' and {v}"),
                    None => format!("implementation_name == '{implementation}'"),
                };
            }
        }
        "python_version < '0'".to_string()
    };
    let abi = |tag: &str| -> String {
        if tag == "none" {
            String::new()
        } else if tag == "abi3" || tag.starts_with("cp") {
            "implementation_name == 'cpython'".to_string()
        } else if tag.starts_with("pypy") {
            "implementation_name == 'pypy'".to_string()
        } else if tag.starts_with("graalpy") {
            "implementation_name == 'graalpy'".to_string()
        } else {
            "python_version < '0'".to_string()
        }
    };
    let platform = |tag: &str| -> String {
        if tag == "any" {
            return String::new();
        }
        let machine_of = |arch: &str| -> Vec<&'static str> {
            match arch {
                "x86_64" => vec!["x86_64", "AMD64"],
                "aarch64" => vec!["aarch64", "arm64"],
                "i686" => vec!["i686", "x86"],
                "ppc64le" => vec!["ppc64le"],
                "s390x" => vec!["s390x"],
                "armv7l" => vec!["armv7l"],
                "arm64" => vec!["arm64", "aarch64"],
                "universal2" => vec!["x86_64", "arm64"],
                "intel" => vec!["x86_64", "i386"],
                _ => vec![],
            }
        };
        let machines = |arch: &str| -> String {
            let m = machine_of(arch);
            if m.is_empty() {
                return format!("platform_machine == '{arch}'");
            }
            let parts: Vec<String> = m
                .iter()
                .map(|x| format!("platform_machine == '{x}'"))
                .collect();
            format!("({})", parts.join(" or "))
        };
        let arch_after = |prefix: &str, skip: usize| -> Option<String> {
            let rest = tag.strip_prefix(prefix)?;
            let parts: Vec<&str> = rest.splitn(skip + 1, '_').collect();
            parts.get(skip).map(|s| s.to_string())
        };
        if tag.starts_with("manylinux") || tag.starts_with("musllinux") || tag.starts_with("linux_")
        {
            let arch = if let Some(a) = arch_after("manylinux_", 2) {
                a
            } else if let Some(a) = arch_after("musllinux_", 2) {
                a
            } else if let Some(a) = tag.strip_prefix("linux_") {
                a.to_string()
            } else {
                // manylinux1_x86_64, manylinux2010_x86_64, manylinux2014_aarch64
                tag.split_once('_')
                    .map(|(_, a)| a.to_string())
                    .unwrap_or_default()
            };
            return format!("sys_platform == 'linux' and {}", machines(&arch));
        }
        if let Some(a) = arch_after("macosx_", 2) {
            return format!("sys_platform == 'darwin' and {}", machines(&a));
        }
        match tag {
            "win_amd64" => "sys_platform == 'win32' and (platform_machine == 'AMD64' or platform_machine == 'x86_64')".to_string(),
            "win32" => "sys_platform == 'win32' and (platform_machine == 'x86' or platform_machine == 'i686')".to_string(),
            "win_arm64" => "sys_platform == 'win32' and (platform_machine == 'ARM64' or platform_machine == 'arm64')".to_string(),
            _ => "python_version < '0'".to_string(),
        }
    };
    let mut out = MarkerTree::FALSE;
    for (py, a, plat) in wheel.tags() {
        // `cp39-abi3` runs on CPython 3.9 and every later 3.x.
        let py_marker = match (a, py.strip_prefix("cp").and_then(|d| d.split_at_checked(1))) {
            ("abi3", Some((major, minor))) if !minor.is_empty() => {
                format!("implementation_name == 'cpython' and python_version >= '{major}.{minor}'")
            }
            _ => python(py),
        };
        let mut m = parse(&py_marker);
        m.and(parse(&abi(a)));
        m.and(parse(&platform(plat)));
        out.or(m);
    }
    out
}

#[cfg(test)]
mod marker_tests {
    use super::*;
    use pep508_rs::MarkerTree;

    fn covers(wheel: &str, env: &str) -> bool {
        let w: WheelFilename = wheel.parse().unwrap();
        let mut outside = wheel_marker(&w).negate();
        outside.and(MarkerTree::from_str(env).unwrap());
        outside.is_false()
    }

    #[test]
    fn wheel_markers_cover_their_platforms() {
        let linux = "sys_platform == 'linux' and platform_machine == 'x86_64' and implementation_name == 'cpython' and python_version == '3.12'";
        assert!(covers("a-1-py3-none-any.whl", linux));
        assert!(covers(
            "a-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            linux
        ));
        assert!(covers("a-1-cp39-abi3-manylinux2014_x86_64.whl", linux));
        assert!(!covers("a-1-cp311-cp311-manylinux_2_17_x86_64.whl", linux));
        assert!(!covers("a-1-py3-none-macosx_10_0_ppc64.whl", linux));
        assert!(!covers("a-1-graalpy310-none-any.whl", linux));
        assert!(!covers("a-1-py3-graalpy240_310_native-any.whl", linux));
        assert!(covers(
            "a-1-py3-none-macosx_11_0_universal2.whl",
            "sys_platform == 'darwin' and platform_machine == 'arm64' and python_version >= '3.8'"
        ));
        // Python tags: `py2` is Python 2 only, `py38` is 3.8 and later 3.x,
        // `pp310` and `graalpy311` carry their Python version.
        let py312 = "python_version == '3.12'";
        assert!(!covers("a-1-py2-none-any.whl", py312));
        assert!(covers("a-1-py2.py3-none-any.whl", py312));
        assert!(covers("a-1-py38-none-any.whl", py312));
        assert!(!covers("a-1-py313-none-any.whl", py312));
        assert!(!covers("a-1-cp313-abi3-any.whl", py312));
        let pypy = "implementation_name == 'pypy' and python_version == '3.11'";
        assert!(!covers(
            "a-1-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl",
            pypy
        ));
        assert!(covers("a-1-cp312-cp312-win_amd64.whl", "sys_platform == 'win32' and platform_machine == 'AMD64' and implementation_name == 'cpython' and python_version == '3.12'"));
    }
}
