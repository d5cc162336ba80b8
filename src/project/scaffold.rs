//! The files of a new project, as text: the default `pyproject.toml`
//! (PEP 621 `[project]`, a PEP 735 `dev` group, a hatchling build backend),
//! the README, the `src/` package and the `.gitignore` lines. Pure: `ops`
//! decides where and whether to write them.

/// The default `pyproject.toml` of a project `name` with `requires-python`.
pub fn default_pyproject(name: &str, requires_python: &str) -> String {
    format!(
        r#"[project]
name = "{name}"
version = "0.1.0"
description = "Add your description here"
readme = "README.md"
requires-python = "{requires_python}"
dependencies = []

[dependency-groups]
dev = []

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"#
    )
}

/// `README.md` of a project `name`.
pub fn readme(name: &str) -> String {
    format!("# {name}\n")
}

/// `src/<import name>/__init__.py` of a project `name`.
pub fn package_init(name: &str) -> String {
    format!("\"\"\"{name}.\"\"\"\n\n\ndef main() -> None:\n    print(\"Hello from {name}!\")\n")
}

/// The import name of a (normalized, PEP 503) project name: `-` becomes `_`.
pub fn import_name(normalized: &str) -> String {
    normalized.replace('-', "_")
}

/// The `.gitignore` to write, given the existing one (`None`: there is
/// none): a new file, the existing text plus `.venv/`, or `None` when it
/// already ignores `.venv`.
pub fn gitignore(existing: Option<&str>) -> Option<String> {
    match existing {
        Some(text)
            if text
                .lines()
                .any(|l| l.trim() == ".venv/" || l.trim() == ".venv") =>
        {
            None
        }
        Some(text) => {
            let sep = if text.ends_with('\n') || text.is_empty() {
                ""
            } else {
                "\n"
            };
            Some(format!("{text}{sep}.venv/\n"))
        }
        None => Some(".venv/\n__pycache__/\n*.egg-info/\ndist/\n".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitignore_gains_venv_once() {
        assert_eq!(gitignore(Some(".venv\n")), None);
        assert_eq!(gitignore(Some("x")).as_deref(), Some("x\n.venv/\n"));
        assert!(gitignore(None).unwrap().starts_with(".venv/\n"));
    }
}
