//! What a zipapp runs ([`EntryPoint`]), the console scripts a wheel declares, and
//! the build-time check that a `module:function` entry point names a module in the
//! bundle that defines the function.
//!
//! The check is static: it reads the module's source and looks for a binding of the
//! function's name (`def`, `async def`, `class`, an assignment or annotation, or an
//! `import ... as`/`from ... import`), at any indentation. A module that defines
//! `__getattr__` or star-imports is taken on trust, and so is a module shipped
//! only compiled (`.so`, `.pyd`). No Python runs. Pure; no I/O except reading wheels.

use super::{ExportError, Result};
use std::io::Read;
use std::path::Path;

/// What `__main__.py` runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryPoint {
    /// `module:function` (the function may be a dotted attribute path).
    Function {
        /// The module to import.
        module: String,
        /// The attribute to call.
        function: String,
    },
    /// `python -m module`.
    Module(String),
    /// No entry point: the zipapp behaves like `python` with the bundle importable
    /// (a REPL, `-c CODE`, `-m MODULE`, `-` for stdin, or a script path, each with
    /// its arguments).
    Interpreter,
}

impl EntryPoint {
    /// Parse `module:function` or `module` (the PEP 621 / entry points spec object
    /// reference syntax).
    ///
    /// # Errors
    /// Empty parts or characters that are not part of dotted names.
    pub fn parse(s: &str) -> Result<EntryPoint> {
        let ok = |p: &str| {
            !p.is_empty()
                && p.split('.').all(|w| {
                    !w.is_empty()
                        && !w.starts_with(|c: char| c.is_ascii_digit())
                        && w.chars().all(|c| c.is_alphanumeric() || c == '_')
                })
        };
        let s = s.trim();
        let bad = || ExportError::InvalidEntryPoint(s.to_string());
        match s.split_once(':') {
            Some((m, f)) if ok(m.trim()) && ok(f.trim()) => Ok(EntryPoint::Function {
                module: m.trim().to_string(),
                function: f.trim().to_string(),
            }),
            None if ok(s) => Ok(EntryPoint::Module(s.to_string())),
            _ => Err(bad()),
        }
    }
}

/// The `[console_scripts]` of a wheel's `.dist-info/entry_points.txt`, as
/// (script name, `module:function`), in file order; empty when it has none.
/// `[extras]` suffixes of the object reference are dropped.
///
/// # Errors
/// The wheel cannot be read as a zip.
pub fn console_scripts(wheel: &Path) -> Result<Vec<(String, String)>> {
    let invalid = |e: &dyn std::fmt::Display| ExportError::InvalidWheel {
        filename: wheel
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        reason: e.to_string(),
    };
    let file = fs_err::File::open(wheel)?;
    let mut archive =
        zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| invalid(&e))?;
    let Some(name) = archive
        .file_names()
        .find(|n| {
            n.split_once('/').is_some_and(|(dir, rest)| {
                dir.ends_with(".dist-info") && rest == "entry_points.txt"
            })
        })
        .map(str::to_string)
    else {
        return Ok(Vec::new());
    };
    let mut text = String::new();
    archive
        .by_name(&name)
        .map_err(|e| invalid(&e))?
        .read_to_string(&mut text)?;
    Ok(parse_console_scripts(&text))
}

/// The `[console_scripts]` section of an `entry_points.txt` (INI syntax).
fn parse_console_scripts(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_section = false;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_section = s.trim() == "console_scripts";
            continue;
        }
        if !in_section {
            continue;
        }
        if let Some((name, value)) = line.split_once('=') {
            let value = value.split('[').next().unwrap_or(value).trim();
            out.push((name.trim().to_string(), value.to_string()));
        }
    }
    out
}

/// Where a module's code is in the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleCode {
    /// Its Python source.
    Source(Vec<u8>),
    /// Only a compiled extension module: nothing to read.
    Compiled,
}

/// The archive paths that may hold `module`: `a/b.py`, `a/b/__init__.py`.
pub fn source_paths(module: &str) -> [String; 2] {
    let base = module.replace('.', "/");
    [format!("{base}.py"), format!("{base}/__init__.py")]
}

/// Whether `path` (an archive path) is a compiled extension module of `module`
/// (`a/b.cpython-312-x86_64-linux-gnu.so`, `a/b.pyd`, `a/b/__init__.abi3.so`).
pub fn is_compiled_module(path: &str, module: &str) -> bool {
    let base = module.replace('.', "/");
    [base.clone(), format!("{base}/__init__")]
        .iter()
        .any(|stem| {
            path.strip_prefix(stem.as_str())
                .filter(|rest| rest.starts_with('.'))
                .is_some_and(|rest| rest.ends_with(".so") || rest.ends_with(".pyd"))
        })
}

/// Check `module:function` against the module's code found in the bundle
/// (`None`: the module is not in it). `function` may be dotted; its first part
/// is what the module must bind.
///
/// # Errors
/// [`ExportError::EntryPointModule`] when the module is not in the bundle,
/// [`ExportError::EntryPointFunction`] when its source binds no such name.
pub fn check_function(module: &str, function: &str, code: Option<&ModuleCode>) -> Result<()> {
    let entry = format!("{module}:{function}");
    let source = match code {
        None => {
            return Err(ExportError::EntryPointModule {
                entry,
                module: module.to_string(),
            })
        }
        Some(ModuleCode::Compiled) => return Ok(()),
        Some(ModuleCode::Source(s)) => String::from_utf8_lossy(s).into_owned(),
    };
    let name = function.split('.').next().unwrap_or(function);
    if binds(&source, name) {
        Ok(())
    } else {
        Err(ExportError::EntryPointFunction {
            entry,
            module: module.to_string(),
            function: name.to_string(),
        })
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether `text` starts with the identifier `name` (not a longer one).
fn starts_with_name(text: &str, name: &str) -> bool {
    text.strip_prefix(name)
        .is_some_and(|rest| !rest.starts_with(is_ident))
}

/// Whether the module source binds `name` (see the module docs).
fn binds(source: &str, name: &str) -> bool {
    // Joined continuation lines are not needed: `from x import (\n a,\n b)` puts
    // each name at the start of its own line, which the import scan below sees.
    let mut in_import_parens = false;
    for raw in source.lines() {
        let line = raw.trim_start();
        if in_import_parens {
            if import_list_binds(line.split(')').next().unwrap_or(line), name) {
                return true;
            }
            if line.contains(')') {
                in_import_parens = false;
            }
            continue;
        }
        for kw in ["def ", "async def ", "class "] {
            if let Some(rest) = line.strip_prefix(kw) {
                if starts_with_name(rest.trim_start(), name) {
                    return true;
                }
            }
        }
        if starts_with_name(line, name) {
            let rest = line[name.len()..].trim_start();
            if (rest.starts_with('=') && !rest.starts_with("==")) || rest.starts_with(':') {
                return true;
            }
        }
        if starts_with_name(line, "__getattr__") || line.starts_with("def __getattr__") {
            return true;
        }
        if let Some(rest) = line.strip_prefix("from ") {
            if let Some((_, names)) = rest.split_once(" import ") {
                let names = names.trim();
                if names.starts_with('*') {
                    return true;
                }
                if let Some(inner) = names.strip_prefix('(') {
                    if import_list_binds(inner.split(')').next().unwrap_or(inner), name) {
                        return true;
                    }
                    in_import_parens = !inner.contains(')');
                } else if import_list_binds(names, name) {
                    return true;
                }
            }
        } else if let Some(rest) = line.strip_prefix("import ") {
            for part in rest.split(',') {
                let part = part.trim();
                let bound = match part.split_once(" as ") {
                    Some((_, alias)) => alias.trim(),
                    None => part.split('.').next().unwrap_or(part),
                };
                if starts_with_name(bound, name) && bound.len() == name.len() {
                    return true;
                }
            }
        }
    }
    false
}

/// Whether a `from ... import` name list (`a, b as c`) binds `name`.
fn import_list_binds(list: &str, name: &str) -> bool {
    list.split('#')
        .next()
        .unwrap_or(list)
        .split(',')
        .map(|p| {
            let p = p.trim().trim_end_matches('\\').trim();
            match p.split_once(" as ") {
                Some((_, alias)) => alias.trim(),
                None => p,
            }
        })
        .any(|bound| bound == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_points() {
        assert_eq!(
            EntryPoint::parse("demo.cli:main").unwrap(),
            EntryPoint::Function {
                module: "demo.cli".into(),
                function: "main".into()
            }
        );
        assert_eq!(
            EntryPoint::parse("demo").unwrap(),
            EntryPoint::Module("demo".into())
        );
        assert!(EntryPoint::parse("demo:").is_err());
        assert!(EntryPoint::parse("1x:main").is_err());
    }

    #[test]
    fn bindings_found_statically() {
        for source in [
            "def main():\n    pass\n",
            "async def main():\n    pass\n",
            "class main:\n    pass\n",
            "main = make()\n",
            "main: Callable = make()\n",
            "if True:\n    def main(): pass\n",
            "from .cli import main\n",
            "from .cli import run as main, other\n",
            "from .cli import (\n    other,\n    main,\n)\n",
            "import cli as main\n",
            "from x import *\n",
            "def __getattr__(name):\n    pass\n",
        ] {
            assert!(binds(source, "main"), "{source}");
        }
        for source in [
            "def mainly():\n    pass\n",
            "def other():\n    main()\n",
            "main == 1\n",
            "from .cli import mainly\n",
            "# def main():\n",
            "",
        ] {
            assert!(!binds(source, "main"), "{source}");
        }
    }

    #[test]
    fn modules_and_console_scripts() {
        assert_eq!(
            source_paths("a.b"),
            ["a/b.py".to_string(), "a/b/__init__.py".to_string()]
        );
        assert!(is_compiled_module(
            "a/b.cpython-312-x86_64-linux-gnu.so",
            "a.b"
        ));
        assert!(is_compiled_module("a/b/__init__.pyd", "a.b"));
        assert!(!is_compiled_module("a/bc.so", "a.b"));
        assert_eq!(
            parse_console_scripts(
                "[gui_scripts]\ng = x:y\n[console_scripts]\nflask = flask.cli:main [dotenv]\n"
            ),
            [("flask".to_string(), "flask.cli:main".to_string())]
        );
        let e = check_function(
            "demo",
            "mian",
            Some(&ModuleCode::Source(b"def main(): pass".to_vec())),
        );
        assert!(matches!(e, Err(ExportError::EntryPointFunction { .. })));
        assert!(check_function("demo", "x", None).is_err());
        assert!(check_function("demo", "x", Some(&ModuleCode::Compiled)).is_ok());
    }
}
