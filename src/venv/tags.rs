//! Wheel compatibility tags (the platform compatibility tags spec, PEP 425, PEP 600
//! manylinux, PEP 656 musllinux, PEP 703 free-threaded `t` ABIs).
//!
//! The order mirrors `packaging.tags.sys_tags()`: the most specific tags
//! (`cp311-cp311-manylinux_2_36_x86_64`) first, pure `py3-none-any` last.

use crate::types::WheelFilename;
use std::collections::HashMap;

/// One `(python, abi, platform)` triple, e.g. `("cp311", "abi3", "manylinux_2_17_x86_64")`.
pub type Tag = (String, String, String);

/// The ordered set of wheel tags an interpreter accepts, most preferred first.
///
/// Built by [`Tags::from_parts`] (or by `Interpreter::query` for the running machine);
/// [`Tags::priority`] answers in O(1) per wheel tag.
#[derive(Debug, Clone, Default)]
pub struct Tags {
    tags: Vec<Tag>,
    index: HashMap<Tag, usize>,
}

impl Tags {
    /// Tags for an interpreter described by its parts, for any target machine.
    ///
    /// - `implementation`: `"cpython"`/`"cp"` gives the CPython ordering (own ABI, `abi3`
    ///   down to `cp32`, `none`); anything else (`"pypy"`/`"pp"`, ...) gives the generic
    ///   ordering with only the `none` ABI (use [`Tags::generic`] when the ABI is known).
    /// - `python`: `(major, minor)`, e.g. `(3, 11)`.
    /// - `gil_disabled`: a free-threaded build (PEP 703): ABI `cp313t`, no `abi3`.
    /// - `platforms`: platform tags, most preferred first (see [`Tags::linux_platforms`],
    ///   [`Tags::macos_platforms`]); `any` is appended by this function, do not pass it.
    pub fn from_parts(
        implementation: &str,
        python: (u64, u64),
        gil_disabled: bool,
        platforms: Vec<String>,
    ) -> Tags {
        match implementation.to_ascii_lowercase().as_str() {
            "cpython" | "cp" => Self::cpython(python, gil_disabled, &platforms),
            other => {
                let short = short_implementation(other);
                Self::generic(&short, python, &[], &platforms)
            }
        }
    }

    /// CPython tags, as `packaging.tags.cpython_tags()` followed by `compatible_tags()`.
    fn cpython(python: (u64, u64), gil_disabled: bool, platforms: &[String]) -> Tags {
        let (major, minor) = python;
        let interp = format!("cp{major}{minor}");
        // pymalloc builds before 3.8 carry an `m` ABI flag (`cp37m`)
        let flags = match (gil_disabled, (major, minor) < (3, 8)) {
            (true, _) => "t",
            (false, true) => "m",
            (false, false) => "",
        };
        let abi = format!("cp{major}{minor}{flags}");
        let mut out: Vec<Tag> = Vec::new();
        for plat in platforms {
            out.push((interp.clone(), abi.clone(), plat.clone()));
        }
        let use_abi3 = !gil_disabled && (major, minor) >= (3, 2) && major == 3;
        if use_abi3 {
            for plat in platforms {
                out.push((interp.clone(), "abi3".into(), plat.clone()));
            }
        }
        for plat in platforms {
            out.push((interp.clone(), "none".into(), plat.clone()));
        }
        if use_abi3 {
            for m in (2..minor).rev() {
                let older = format!("cp{major}{m}");
                for plat in platforms {
                    out.push((older.clone(), "abi3".into(), plat.clone()));
                }
            }
        }
        compatible_tags(&mut out, python, Some(&interp), platforms);
        Self::from_vec(out)
    }

    /// Generic (non-CPython) tags, as `packaging.tags.generic_tags()` followed by
    /// `compatible_tags()`.
    ///
    /// `short_impl` is the short interpreter name (`pp`, `gp`, ...); `abis` the
    /// interpreter's own ABIs (e.g. `["pypy310_pp73"]`, see [`generic_abi`]); `none` is added.
    pub fn generic(
        short_impl: &str,
        python: (u64, u64),
        abis: &[String],
        platforms: &[String],
    ) -> Tags {
        let (major, minor) = python;
        let interp = format!("{short_impl}{major}{minor}");
        let mut out: Vec<Tag> = Vec::new();
        let mut all_abis: Vec<String> = abis.iter().filter(|a| *a != "none").cloned().collect();
        all_abis.push("none".into());
        for abi in &all_abis {
            for plat in platforms {
                out.push((interp.clone(), abi.clone(), plat.clone()));
            }
        }
        let compat_interp = match short_impl {
            "pp" => Some(format!("pp{major}")),
            _ => None,
        };
        compatible_tags(&mut out, python, compat_interp.as_deref(), platforms);
        Self::from_vec(out)
    }

    fn from_vec(tags: Vec<Tag>) -> Tags {
        let mut index = HashMap::with_capacity(tags.len());
        let mut dedup = Vec::with_capacity(tags.len());
        for tag in tags {
            if !index.contains_key(&tag) {
                index.insert(tag.clone(), dedup.len());
                dedup.push(tag);
            }
        }
        Tags { tags: dedup, index }
    }

    /// Linux platform tags for `arch` (`x86_64`, `aarch64`, `i686`, `armv7l`, ...), as
    /// `packaging.tags._linux_platforms()` orders them.
    ///
    /// With `glibc = Some((2, N))`: `manylinux_2_N_arch` down to `manylinux_2_17_arch`
    /// (down to `2_5` for `x86_64`/`i686`), each legacy alias (`manylinux2014` = 2.17,
    /// `manylinux2010` = 2.12, `manylinux1` = 2.5) right after its PEP 600 tag.
    /// With `musl = Some((1, N))`: `musllinux_1_N_arch` down to `musllinux_1_0_arch`.
    /// Always ends with `linux_arch`. `armv8l` also accepts `armv7l`.
    pub fn linux_platforms(
        arch: &str,
        glibc: Option<(u64, u64)>,
        musl: Option<(u64, u64)>,
    ) -> Vec<String> {
        let archs: Vec<&str> = if arch == "armv8l" {
            vec![arch, "armv7l"]
        } else {
            vec![arch]
        };
        let mut out = Vec::new();
        if let Some((gmajor, gminor)) = glibc {
            let too_old: (u64, i64) = if archs.iter().any(|a| *a == "x86_64" || *a == "i686") {
                (2, 4)
            } else {
                (2, 16)
            };
            // like packaging: older majors are assumed to have ended at minor 50
            let mut maxes = vec![(gmajor, gminor)];
            for older in (2..gmajor).rev() {
                maxes.push((older, 50));
            }
            for a in &archs {
                for &(maj, max_minor) in &maxes {
                    let min_minor: i64 = if maj == too_old.0 { too_old.1 } else { -1 };
                    let mut m = max_minor as i64;
                    while m > min_minor {
                        let minor = m as u64;
                        out.push(format!("manylinux_{maj}_{minor}_{a}"));
                        let legacy = match (maj, minor) {
                            (2, 17) => Some("manylinux2014"),
                            (2, 12) => Some("manylinux2010"),
                            (2, 5) => Some("manylinux1"),
                            _ => None,
                        };
                        if let Some(l) = legacy {
                            out.push(format!("{l}_{a}"));
                        }
                        m -= 1;
                    }
                }
            }
        }
        if let Some((mmajor, mminor)) = musl {
            for a in &archs {
                for m in (0..=mminor).rev() {
                    out.push(format!("musllinux_{mmajor}_{m}_{a}"));
                }
            }
        }
        for a in &archs {
            out.push(format!("linux_{a}"));
        }
        out
    }

    /// macOS platform tags for macOS `version` `(major, minor)` and `arch` (`arm64`,
    /// `x86_64`), as `packaging.tags.mac_platforms()` orders them: own version down,
    /// with binary formats (`x86_64`, `intel`, `fat64`, `fat32`, `universal2`, `universal`).
    pub fn macos_platforms(version: (u64, u64), arch: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut push = |major: u64, minor: u64, formats: Vec<&str>| {
            for f in formats {
                out.push(format!("macosx_{major}_{minor}_{f}"));
            }
        };
        if version.0 == 10 {
            for minor in (0..=version.1).rev() {
                push(10, minor, mac_binary_formats((10, minor), arch));
            }
        }
        if version.0 >= 11 {
            for major in (11..=version.0).rev() {
                push(major, 0, mac_binary_formats((major, 0), arch));
            }
            for minor in (4..=16).rev() {
                if arch == "x86_64" {
                    push(10, minor, mac_binary_formats((10, minor), arch));
                } else {
                    push(10, minor, vec!["universal2"]);
                }
            }
        }
        out
    }

    /// Priority of the best tag `wheel` claims: `Some(0)` is the most preferred tag,
    /// `None` when the wheel is not installable here.
    pub fn priority(&self, wheel: &WheelFilename) -> Option<usize> {
        wheel
            .tags()
            .filter_map(|(py, abi, plat)| {
                self.index
                    .get(&(py.to_string(), abi.to_string(), plat.to_string()))
                    .copied()
            })
            .min()
    }

    /// True when [`Tags::priority`] is `Some`.
    pub fn is_compatible(&self, wheel: &WheelFilename) -> bool {
        self.priority(wheel).is_some()
    }

    /// All tags, most preferred first.
    pub fn iter(&self) -> impl Iterator<Item = &Tag> {
        self.tags.iter()
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        self.tags.len()
    }

    /// True when there are no tags at all.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }
}

/// `packaging.tags.compatible_tags()`: `pyXY-none-plat` and `pyX-none-plat` for every
/// platform, `{interp}-none-any`, then `pyXY-none-any`, `pyX-none-any`, older `py3Y`.
fn compatible_tags(out: &mut Vec<Tag>, python: (u64, u64), interp: Option<&str>, plats: &[String]) {
    let range = py_interpreter_range(python);
    for v in &range {
        for plat in plats {
            out.push((v.clone(), "none".into(), plat.clone()));
        }
    }
    if let Some(i) = interp {
        out.push((i.to_string(), "none".into(), "any".into()));
    }
    for v in &range {
        out.push((v.clone(), "none".into(), "any".into()));
    }
}

fn py_interpreter_range((major, minor): (u64, u64)) -> Vec<String> {
    let mut out = vec![format!("py{major}{minor}"), format!("py{major}")];
    for m in (0..minor).rev() {
        out.push(format!("py{major}{m}"));
    }
    out
}

fn mac_binary_formats(version: (u64, u64), arch: &str) -> Vec<&str> {
    let mut formats = vec![arch];
    match arch {
        "x86_64" => {
            if version < (10, 4) {
                return vec![];
            }
            formats.extend(["intel", "fat64", "fat32"]);
        }
        "i386" => {
            if version < (10, 4) {
                return vec![];
            }
            formats.extend(["intel", "fat32", "fat"]);
        }
        _ => {}
    }
    if arch == "arm64" || arch == "x86_64" {
        formats.push("universal2");
    }
    if arch == "x86_64" || arch == "i386" {
        formats.push("universal");
    }
    formats
}

/// The short interpreter name used in tags: `cpython` -> `cp`, `pypy` -> `pp`,
/// `graalpy` -> `gp`, `ironpython` -> `ip`, `jython` -> `jy`; others unchanged.
pub fn short_implementation(name: &str) -> String {
    match name {
        "cpython" => "cp",
        "pypy" => "pp",
        "graalpy" => "gp",
        "ironpython" => "ip",
        "jython" => "jy",
        "python" => "py",
        other => other,
    }
    .to_string()
}

/// The interpreter-specific ABI tag derived from `EXT_SUFFIX`
/// (e.g. `.pypy310-pp73-x86_64-linux-gnu.so` -> `pypy310_pp73`), as
/// `packaging.tags._generic_abi()`. `None` when the suffix carries no ABI.
pub fn generic_abi(ext_suffix: &str) -> Option<String> {
    let parts: Vec<&str> = ext_suffix.split('.').collect();
    if parts.len() < 3 {
        return None;
    }
    let soabi = parts[1];
    let pieces: Vec<&str> = soabi.split('-').collect();
    let abi = if soabi.starts_with("cpython") {
        format!("cp{}", pieces.get(1)?)
    } else if soabi.starts_with("cp") {
        pieces[0].to_string()
    } else if soabi.starts_with("pypy") {
        pieces.iter().take(2).copied().collect::<Vec<_>>().join("-")
    } else if soabi.starts_with("graalpy") {
        pieces.iter().take(3).copied().collect::<Vec<_>>().join("-")
    } else if !soabi.is_empty() {
        soabi.to_string()
    } else {
        return None;
    };
    Some(abi.replace(['.', '-'], "_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp311_linux() -> Tags {
        Tags::from_parts(
            "cpython",
            (3, 11),
            false,
            Tags::linux_platforms("x86_64", Some((2, 36)), None),
        )
    }

    #[test]
    fn linux_platforms_order() {
        let p = Tags::linux_platforms("x86_64", Some((2, 36)), None);
        assert_eq!(p[0], "manylinux_2_36_x86_64");
        let i = p.iter().position(|x| x == "manylinux_2_17_x86_64").unwrap();
        assert_eq!(p[i + 1], "manylinux2014_x86_64");
        assert!(p.contains(&"manylinux2010_x86_64".to_string()));
        assert_eq!(p[p.len() - 3], "manylinux_2_5_x86_64");
        assert_eq!(p[p.len() - 2], "manylinux1_x86_64");
        assert_eq!(p.last().unwrap(), "linux_x86_64");
        let a = Tags::linux_platforms("aarch64", Some((2, 31)), None);
        assert_eq!(a[a.len() - 3], "manylinux_2_17_aarch64");
        assert_eq!(a[a.len() - 2], "manylinux2014_aarch64");
        let m = Tags::linux_platforms("x86_64", None, Some((1, 2)));
        assert_eq!(
            m,
            [
                "musllinux_1_2_x86_64",
                "musllinux_1_1_x86_64",
                "musllinux_1_0_x86_64",
                "linux_x86_64"
            ]
        );
    }

    #[test]
    fn known_wheels() {
        let tags = cp311_linux();
        let numpy: WheelFilename =
            "numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
                .parse()
                .unwrap();
        let six: WheelFilename = "six-1.16.0-py2.py3-none-any.whl".parse().unwrap();
        let abi3: WheelFilename = "cryptography-43.0.0-cp39-abi3-manylinux_2_28_x86_64.whl"
            .parse()
            .unwrap();
        let np = tags.priority(&numpy).unwrap();
        let sp = tags.priority(&six).unwrap();
        let ap = tags.priority(&abi3).unwrap();
        assert!(np < ap && ap < sp, "{np} {ap} {sp}");
        let cp312 = Tags::from_parts(
            "cpython",
            (3, 12),
            false,
            Tags::linux_platforms("x86_64", Some((2, 36)), None),
        );
        assert!(cp312.priority(&numpy).is_none());
        assert!(cp312.priority(&six).is_some());
        let musl: WheelFilename = "numpy-2.1.0-cp311-cp311-musllinux_1_1_x86_64.whl"
            .parse()
            .unwrap();
        assert!(tags.priority(&musl).is_none());
        let win: WheelFilename = "numpy-2.1.0-cp311-cp311-win_amd64.whl".parse().unwrap();
        assert!(tags.priority(&win).is_none());
    }

    #[test]
    fn free_threaded() {
        let ft = Tags::from_parts("cpython", (3, 13), true, vec!["linux_x86_64".into()]);
        let t: WheelFilename = "x-1.0-cp313-cp313t-linux_x86_64.whl".parse().unwrap();
        let abi3: WheelFilename = "x-1.0-cp39-abi3-linux_x86_64.whl".parse().unwrap();
        let normal: WheelFilename = "x-1.0-cp313-cp313-linux_x86_64.whl".parse().unwrap();
        assert_eq!(ft.priority(&t), Some(0));
        assert!(ft.priority(&abi3).is_none());
        assert!(ft.priority(&normal).is_none());
    }

    #[test]
    fn macos_and_generic() {
        let p = Tags::macos_platforms((14, 2), "arm64");
        assert_eq!(p[0], "macosx_14_0_arm64");
        assert!(p.contains(&"macosx_11_0_arm64".to_string()));
        assert!(p.contains(&"macosx_10_9_universal2".to_string()));
        assert!(!p.contains(&"macosx_10_9_x86_64".to_string()));
        assert_eq!(
            generic_abi(".pypy310-pp73-x86_64-linux-gnu.so").as_deref(),
            Some("pypy310_pp73")
        );
        assert_eq!(
            generic_abi(".cpython-311-x86_64-linux-gnu.so").as_deref(),
            Some("cp311")
        );
    }
}

#[cfg(test)]
mod packaging_compare {
    use super::*;

    /// Compare with `packaging.tags.sys_tags()` when `ENVY_PACKAGING_TAGS` names a file
    /// with its output (one `py-abi-plat` per line), e.g. produced by
    /// `python -c "from packaging import tags; [print(t) for t in tags.sys_tags()]"`.
    /// packaging >= 26 moves `linux_{arch}` first; the comparison moves it last again.
    #[test]
    fn matches_packaging_when_available() {
        let Some(file) = std::env::var_os("ENVY_PACKAGING_TAGS") else {
            return;
        };
        let text = fs_err::read_to_string(file).unwrap();
        let (mut linux, mut expected): (Vec<Tag>, Vec<Tag>) = text
            .lines()
            .map(|l| {
                let mut p = l.splitn(3, '-');
                (
                    p.next().unwrap().to_string(),
                    p.next().unwrap().to_string(),
                    p.next().unwrap().to_string(),
                )
            })
            .partition(|t| t.2.starts_with("linux_"));
        // reinsert each linux_ tag after the last tag of its (py, abi) group
        for t in linux.drain(..) {
            let pos = expected
                .iter()
                .rposition(|e| e.0 == t.0 && e.1 == t.1 && e.2 != "any")
                .map_or(expected.len(), |p| p + 1);
            expected.insert(pos, t);
        }
        let python: Vec<u64> = expected[0].0[2..]
            .chars()
            .take(1)
            .chain(std::iter::once('.'))
            .chain(expected[0].0[3..].chars())
            .collect::<String>()
            .split('.')
            .map(|s| s.parse().unwrap())
            .collect();
        let glibc = expected
            .iter()
            .find_map(|t| t.2.strip_prefix("manylinux_2_"))
            .and_then(|r| r.split('_').next())
            .map(|m| (2, m.parse().unwrap()));
        let tags = Tags::from_parts(
            "cpython",
            (python[0], python[1]),
            false,
            Tags::linux_platforms("x86_64", glibc, None),
        );
        let ours: Vec<Tag> = tags.iter().cloned().collect();
        for (i, (a, b)) in ours.iter().zip(&expected).enumerate() {
            assert_eq!(a, b, "tag #{i} differs");
        }
        assert_eq!(ours.len(), expected.len());
    }
}
