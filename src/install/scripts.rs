//! Entry-point scripts (the entry points spec: `[console_scripts]`, `[gui_scripts]` in
//! `entry_points.txt`) and `#!python` shebang rewriting (binary distribution format).

use super::record::{record_hash_bytes, relative_path, RecordRow};
use super::InstallError;
use std::path::Path;

/// One script-producing entry point: `name = module:obj.attr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScriptEntry {
    /// The script's file name in `bin`.
    pub name: String,
    /// The importable module, e.g. `pkg.cli`.
    pub module: String,
    /// The object path inside the module, e.g. `main` or `App.run`; `None` calls the module.
    pub attr: Option<String>,
}

/// Parse the `[console_scripts]` and `[gui_scripts]` sections of an `entry_points.txt`
/// (INI syntax; `#`/`;` comments; `[extras]` suffixes are ignored).
///
/// # Errors
/// [`InstallError::EntryPoint`] (naming `path`) for an invalid script name or object reference.
pub(crate) fn script_entries(text: &str, path: &Path) -> Result<Vec<ScriptEntry>, InstallError> {
    let mut out = Vec::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.trim().to_string();
            continue;
        }
        if section != "console_scripts" && section != "gui_scripts" {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(ep_err(
                path,
                format!("expected `name = module:function`, got `{line}`"),
            ));
        };
        let name = name.trim();
        if super::wheel::is_reserved_script(name) {
            return Err(ep_err(
                path,
                format!("the script name `{name}` is reserved for the environment's interpreter and activation scripts"),
            ));
        }
        out.push(parse_entry(name, value.trim(), path)?);
    }
    Ok(out)
}

fn ep_err(path: &Path, reason: String) -> InstallError {
    InstallError::EntryPoint {
        path: path.to_path_buf(),
        reason,
    }
}

/// Parse one `name = module[:obj.attr] [extras]` entry point, validating that `name` is a
/// plain file name and the reference is dotted identifiers (it is pasted into Python code).
pub(crate) fn parse_entry(
    name: &str,
    value: &str,
    path: &Path,
) -> Result<ScriptEntry, InstallError> {
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.contains(['/', '\\', '\0'])
        || name.chars().any(char::is_control)
    {
        return Err(ep_err(path, format!("invalid script name `{name}`")));
    }
    let value = value.split('[').next().unwrap_or("").trim();
    let (module, attr) = match value.split_once(':') {
        Some((m, a)) => (m.trim(), Some(a.trim())),
        None => (value, None),
    };
    let dotted_ok = |s: &str| {
        !s.is_empty()
            && s.split('.').all(|part| {
                let mut chars = part.chars();
                chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
                    && chars.all(|c| c == '_' || c.is_alphanumeric())
            })
    };
    if !dotted_ok(module) || attr.is_some_and(|a| !dotted_ok(a)) {
        return Err(ep_err(
            path,
            format!("`{name} = {value}` is not a valid `module:object` reference"),
        ));
    }
    Ok(ScriptEntry {
        name: name.to_string(),
        module: module.to_string(),
        attr: attr.map(str::to_string),
    })
}

/// The shebang line (with newline) that runs `python`: `#!/abs/python\n`, or a
/// `/bin/sh` trampoline when the path has spaces or exceeds the kernel's 127-byte limit.
pub(crate) fn shebang(python: &Path) -> String {
    let p = python.to_string_lossy();
    if p.contains([' ', '\t']) || p.len() > 125 {
        format!(
            "#!/bin/sh\n'''exec' '{}' \"$0\" \"$@\"\n' '''\n",
            p.replace('\'', r"'\''")
        )
    } else {
        format!("#!{p}\n")
    }
}

/// The Python source of a launcher script for `entry`.
pub(crate) fn script_source(python: &Path, entry: &ScriptEntry) -> String {
    let (import, call) = match &entry.attr {
        Some(attr) => {
            let top = attr.split('.').next().unwrap_or(attr);
            (format!("from {} import {top}", entry.module), attr.clone())
        }
        None => (format!("import {}", entry.module), entry.module.clone()),
    };
    format!(
        "{}# -*- coding: utf-8 -*-\nimport re\nimport sys\n{import}\nif __name__ == \"__main__\":\n    sys.argv[0] = re.sub(r\"(-script\\.pyw|\\.exe)?$\", \"\", sys.argv[0])\n    sys.exit({call}())\n",
        shebang(python)
    )
}

/// Rewrite a `#!python` / `#!pythonw` first line to run `python`; other content unchanged.
/// Returns `None` when the content does not start with `#!python`.
pub(crate) fn rewrite_shebang(content: &[u8], python: &Path) -> Option<Vec<u8>> {
    let rest = content.strip_prefix(b"#!python")?;
    let rest = rest.strip_prefix(b"w").unwrap_or(rest);
    let line_end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let args = String::from_utf8_lossy(&rest[..line_end]);
    let args = args.trim_end_matches('\r');
    let mut out = shebang(python).into_bytes();
    if !args.trim().is_empty() && !out.starts_with(b"#!/bin/sh") {
        out.pop(); // newline
        out.extend_from_slice(args.as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(rest.get(line_end + 1..).unwrap_or_default());
    Some(out)
}

/// Write an executable file (mode 0755) at `dest`, replacing any file or symlink there,
/// and return its RECORD row relative to `site_packages`.
pub(crate) fn write_executable(
    dest: &Path,
    content: &[u8],
    site_packages: &Path,
) -> Result<RecordRow, InstallError> {
    if dest.symlink_metadata().is_ok() {
        fs_err::remove_file(dest)?;
    }
    fs_err::write(dest, content)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs_err::set_permissions(dest, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(RecordRow {
        path: relative_path(site_packages, dest),
        hash: record_hash_bytes(content),
        size: Some(content.len() as u64),
    })
}

/// Write launcher scripts for `entries` into `bin`, returning their RECORD rows.
pub(crate) fn write_scripts(
    entries: &[ScriptEntry],
    bin: &Path,
    python: &Path,
    site_packages: &Path,
) -> Result<Vec<RecordRow>, InstallError> {
    entries
        .iter()
        .map(|e| {
            let src = script_source(python, e);
            write_executable(&bin.join(&e.name), src.as_bytes(), site_packages)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entry_points() {
        let text = "[console_scripts]\nfoo = pkg.cli:main\nbar=pkg:App.run [extra]\n# c\n[gui_scripts]\ngui = pkg.gui\n[other]\nx = y:z\n";
        let eps = script_entries(text, Path::new("e.txt")).unwrap();
        assert_eq!(eps.len(), 3);
        assert_eq!(eps[1].attr.as_deref(), Some("App.run"));
        assert_eq!(eps[2].attr, None);
        let src = script_source(Path::new("/v/bin/python"), &eps[1]);
        assert!(src.starts_with("#!/v/bin/python\n"));
        assert!(src.contains("from pkg import App\n"));
        assert!(src.contains("sys.exit(App.run())"));
        assert!(script_entries("[console_scripts]\n../x = a:b\n", Path::new("e")).is_err());
        assert!(
            script_entries("[console_scripts]\nx = a:b();import os\n", Path::new("e")).is_err()
        );
    }

    #[test]
    fn rewrites_shebangs() {
        let py = Path::new("/v/bin/python");
        assert_eq!(
            rewrite_shebang(b"#!python -u\nprint(1)\n", py).unwrap(),
            b"#!/v/bin/python -u\nprint(1)\n"
        );
        assert_eq!(
            rewrite_shebang(b"#!pythonw\nx", py).unwrap(),
            b"#!/v/bin/python\nx"
        );
        assert!(rewrite_shebang(b"#!/bin/sh\n", py).is_none());
        assert!(shebang(Path::new("/a b/python")).starts_with("#!/bin/sh\n"));
    }
}
