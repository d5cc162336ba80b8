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
