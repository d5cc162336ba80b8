//! PEP 405 venv creation in pure Rust: `pyvenv.cfg`, interpreter links, site-packages,
//! and activation scripts for bash/zsh, fish, csh and PowerShell.

use super::{Interpreter, Venv, VenvError};
use std::path::Path;

/// Create (or replace) a virtual environment at `root` for `interpreter`, with the
/// default prompt (the project directory's name for `.venv`/`venv`, else the venv's).
///
/// See [`create_venv_with_prompt`] for what is written and the errors.
pub fn create_venv(root: &Path, interpreter: &Interpreter) -> Result<Venv, VenvError> {
    create_venv_with_prompt(root, interpreter, None)
}

/// Create (or replace) a PEP 405 virtual environment at `root` for `interpreter`.
///
/// Writes `pyvenv.cfg` (`home`, `implementation`, `version_info`,
/// `include-system-site-packages = false`, `prompt`), `bin/python` (a symlink to the base
/// executable), `bin/python3` and `bin/python3.X` (links to `python`), the empty
/// site-packages, `lib64 -> lib` on 64-bit Linux, the activation scripts `activate`,
/// `activate.fish`, `activate.csh`, `Activate.ps1`, and a `.gitignore` of `*`.
/// No subprocess is run.
///
/// An existing `root` is replaced only when it holds a `pyvenv.cfg` (or is an empty
/// directory); the caller decides whether replacing a venv of another Python is wanted.
///
/// # Errors
/// [`VenvError::NotAVenv`] when `root` is a file or a non-empty directory without
/// `pyvenv.cfg` (nothing is deleted); I/O errors (naming the path).
pub fn create_venv_with_prompt(
    root: &Path,
    interpreter: &Interpreter,
    prompt: Option<&str>,
) -> Result<Venv, VenvError> {
    let root = std::path::absolute(root)?;
    if root.exists() || root.is_symlink() {
        if !root.is_dir() {
            return Err(VenvError::NotAVenv {
                path: root,
                reason: "it exists and is not a directory".into(),
            });
        }
        if root.join("pyvenv.cfg").is_file() {
            fs_err::remove_dir_all(&root)?;
        } else if fs_err::read_dir(&root)?.next().is_some() {
            return Err(VenvError::NotAVenv {
                path: root,
                reason:
                    "it is a non-empty directory without `pyvenv.cfg`, not a virtual environment"
                        .into(),
            });
        }
    }
    let venv = Venv::from_parts(&root, interpreter.clone());
    fs_err::create_dir_all(&venv.bin)?;
    fs_err::create_dir_all(&venv.site_packages)?;
    let (major, minor) = interpreter.python_minor();
    let linux = interpreter.markers.sys_platform() == "linux";
    #[cfg(unix)]
    if linux && interpreter.purelib_rel.starts_with("lib") && !root.join("lib64").exists() {
        fs_err::os::unix::fs::symlink("lib", root.join("lib64"))?;
    }
    let _ = linux;

    let default_prompt = {
        let own = root.file_name().and_then(|n| n.to_str()).unwrap_or("venv");
        if own == ".venv" || own == "venv" {
            root.parent()
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str())
                .unwrap_or(own)
                .to_string()
        } else {
            own.to_string()
        }
    };
    let prompt = prompt.map(str::to_string).unwrap_or(default_prompt);

    let home = interpreter
        .executable
        .parent()
        .unwrap_or(&interpreter.base_prefix);
    let implementation = match interpreter.implementation.as_str() {
        "cpython" => "CPython".to_string(),
        "pypy" => "PyPy".to_string(),
        other => other.to_string(),
    };
    let cfg = format!(
        "home = {}\nimplementation = {implementation}\nversion_info = {}\nenvy = {}\ninclude-system-site-packages = false\nprompt = {prompt}\n",
        home.display(),
        interpreter.markers.python_full_version().version,
        env!("CARGO_PKG_VERSION"),
    );
    fs_err::write(root.join("pyvenv.cfg"), cfg)?;
    fs_err::write(root.join(".gitignore"), "*\n")?;

    // interpreter links
    #[cfg(unix)]
    {
        fs_err::os::unix::fs::symlink(&interpreter.executable, &venv.python)?;
        let mut aliases = vec![format!("python{major}"), format!("python{major}.{minor}")];
        if interpreter.gil_disabled {
            aliases.push(format!("python{major}.{minor}t"));
        }
        for alias in aliases {
            fs_err::os::unix::fs::symlink("python", venv.bin.join(alias))?;
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (major, minor);
        fs_err::copy(&interpreter.executable, &venv.python)?;
    }

    let bin_name = venv
        .bin
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("bin");
    let root_str = root.to_string_lossy();
    fs_err::write(
        venv.bin.join("activate"),
        activate_sh(&root_str, bin_name, &prompt),
    )?;
    fs_err::write(
        venv.bin.join("activate.fish"),
        activate_fish(&root_str, bin_name, &prompt),
    )?;
    fs_err::write(
        venv.bin.join("activate.csh"),
        activate_csh(&root_str, bin_name, &prompt),
    )?;
    fs_err::write(
        venv.bin.join("Activate.ps1"),
        activate_ps1(&root_str, bin_name, &prompt),
    )?;
    Ok(venv)
}

/// POSIX shell single-quoting: `it's` -> `'it'\''s'`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// fish single-quoting: backslash and quote escaped.
fn fish_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'"))
}

/// PowerShell single-quoting: quote doubled.
fn ps_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn activate_sh(root: &str, bin: &str, prompt: &str) -> String {
    format!(
        r#"# Activate this virtual environment: `source {bin}/activate` from bash or zsh.
# Running it as a program has no effect on your shell.

if [ "${{BASH_SOURCE-}}" = "$0" ] && [ -n "${{BASH_VERSION-}}" ]; then
    echo "this script must be sourced: source $0" >&2
    exit 33
fi

deactivate () {{
    if [ -n "${{_ENVY_SAVED_PATH+x}}" ]; then
        PATH="$_ENVY_SAVED_PATH"
        export PATH
        unset _ENVY_SAVED_PATH
    fi
    if [ -n "${{_ENVY_SAVED_PYTHONHOME+x}}" ]; then
        PYTHONHOME="$_ENVY_SAVED_PYTHONHOME"
        export PYTHONHOME
        unset _ENVY_SAVED_PYTHONHOME
    fi
    if [ -n "${{_ENVY_SAVED_PS1+x}}" ]; then
        PS1="$_ENVY_SAVED_PS1"
        export PS1
        unset _ENVY_SAVED_PS1
    fi
    unset VIRTUAL_ENV
    unset VIRTUAL_ENV_PROMPT
    # forget cached command locations so `python` is looked up again
    hash -r 2>/dev/null
    if [ "${{1-}}" != "nondestructive" ]; then
        unset -f deactivate
    fi
}}

# leave any venv that is active now, keeping the function
deactivate nondestructive

VIRTUAL_ENV={root}
export VIRTUAL_ENV

_ENVY_SAVED_PATH="$PATH"
PATH="$VIRTUAL_ENV/{bin}:$PATH"
export PATH

VIRTUAL_ENV_PROMPT={prompt}
export VIRTUAL_ENV_PROMPT

if [ -n "${{PYTHONHOME+x}}" ]; then
    _ENVY_SAVED_PYTHONHOME="$PYTHONHOME"
    unset PYTHONHOME
fi

if [ -z "${{VIRTUAL_ENV_DISABLE_PROMPT-}}" ]; then
    _ENVY_SAVED_PS1="${{PS1-}}"
    PS1="(${{VIRTUAL_ENV_PROMPT}}) ${{PS1-}}"
    export PS1
fi

hash -r 2>/dev/null
"#,
        root = sh_quote(root),
        prompt = sh_quote(prompt),
    )
}

fn activate_fish(root: &str, bin: &str, prompt: &str) -> String {
    format!(
        r#"# Activate this virtual environment: `source {bin}/activate.fish` from fish.

function deactivate --description "Leave the virtual environment"
    if set --query _ENVY_SAVED_PATH
        set --global --export PATH $_ENVY_SAVED_PATH
        set --erase _ENVY_SAVED_PATH
    end
    if set --query _ENVY_SAVED_PYTHONHOME
        set --global --export PYTHONHOME $_ENVY_SAVED_PYTHONHOME
        set --erase _ENVY_SAVED_PYTHONHOME
    end
    if functions --query _envy_saved_fish_prompt
        functions --erase fish_prompt
        functions --copy _envy_saved_fish_prompt fish_prompt
        functions --erase _envy_saved_fish_prompt
    end
    set --erase VIRTUAL_ENV
    set --erase VIRTUAL_ENV_PROMPT
    if test "$argv[1]" != nondestructive
        functions --erase deactivate
    end
end

deactivate nondestructive

set --global --export VIRTUAL_ENV {root}
set --global --export VIRTUAL_ENV_PROMPT {prompt}

set --global _ENVY_SAVED_PATH $PATH
set --global --export PATH "$VIRTUAL_ENV/{bin}" $PATH

if set --query PYTHONHOME
    set --global _ENVY_SAVED_PYTHONHOME $PYTHONHOME
    set --erase PYTHONHOME
end

if not set --query VIRTUAL_ENV_DISABLE_PROMPT
    if functions --query fish_prompt
        functions --copy fish_prompt _envy_saved_fish_prompt
    else
        function _envy_saved_fish_prompt
        end
    end
    function fish_prompt
        set --local last_status $status
        printf '(%s) ' "$VIRTUAL_ENV_PROMPT"
        # hand the previous exit status on to the original prompt
        echo "exit $last_status" | source
        _envy_saved_fish_prompt
    end
end
"#,
        root = fish_quote(root),
        prompt = fish_quote(prompt),
    )
}

fn activate_csh(root: &str, bin: &str, prompt: &str) -> String {
    // csh cannot define functions; `deactivate` is an alias.
    let q = |s: &str| format!("'{}'", s.replace('\'', r#"'"'"'"#));
    format!(
        r#"# Activate this virtual environment: `source {bin}/activate.csh` from csh or tcsh.

alias deactivate 'if ($?_envy_saved_path) setenv PATH "$_envy_saved_path:q"; if ($?_envy_saved_path) unset _envy_saved_path; if ($?_envy_saved_prompt) set prompt="$_envy_saved_prompt:q"; if ($?_envy_saved_prompt) unset _envy_saved_prompt; unsetenv VIRTUAL_ENV; unsetenv VIRTUAL_ENV_PROMPT; rehash; if ("\!:*" != "nondestructive") unalias deactivate'

deactivate nondestructive

setenv VIRTUAL_ENV {root}
setenv VIRTUAL_ENV_PROMPT {prompt}

set _envy_saved_path="$PATH:q"
setenv PATH "$VIRTUAL_ENV:q/{bin}:$PATH:q"

if (! $?VIRTUAL_ENV_DISABLE_PROMPT) then
    if ($?prompt) then
        set _envy_saved_prompt="$prompt:q"
        set prompt="($VIRTUAL_ENV_PROMPT:q) $prompt:q"
    endif
endif

rehash
"#,
        root = q(root),
        prompt = q(prompt),
    )
}

fn activate_ps1(root: &str, bin: &str, prompt: &str) -> String {
    format!(
        r#"# Activate this virtual environment: dot-source it, `. {bin}/Activate.ps1`.

function global:deactivate([switch] $NonDestructive) {{
    if (Test-Path variable:global:_ENVY_SAVED_PATH) {{
        $env:PATH = $global:_ENVY_SAVED_PATH
        Remove-Variable -Name _ENVY_SAVED_PATH -Scope Global
    }}
    if (Test-Path variable:global:_ENVY_SAVED_PYTHONHOME) {{
        $env:PYTHONHOME = $global:_ENVY_SAVED_PYTHONHOME
        Remove-Variable -Name _ENVY_SAVED_PYTHONHOME -Scope Global
    }}
    if (Test-Path function:_envy_saved_prompt) {{
        $function:prompt = $function:_envy_saved_prompt
        Remove-Item function:_envy_saved_prompt
    }}
    if (Test-Path env:VIRTUAL_ENV) {{ Remove-Item env:VIRTUAL_ENV }}
    if (Test-Path env:VIRTUAL_ENV_PROMPT) {{ Remove-Item env:VIRTUAL_ENV_PROMPT }}
    if (-not $NonDestructive) {{ Remove-Item function:deactivate }}
}}

deactivate -NonDestructive

$env:VIRTUAL_ENV = {root}
$env:VIRTUAL_ENV_PROMPT = {prompt}

$global:_ENVY_SAVED_PATH = $env:PATH
$env:PATH = (Join-Path $env:VIRTUAL_ENV '{bin}') + [System.IO.Path]::PathSeparator + $env:PATH

if (Test-Path env:PYTHONHOME) {{
    $global:_ENVY_SAVED_PYTHONHOME = $env:PYTHONHOME
    Remove-Item env:PYTHONHOME
}}

if (-not $env:VIRTUAL_ENV_DISABLE_PROMPT) {{
    $function:global:_envy_saved_prompt = $function:prompt
    function global:prompt {{
        Write-Host -NoNewline "($env:VIRTUAL_ENV_PROMPT) "
        & $function:_envy_saved_prompt
    }}
}}
"#,
        root = ps_quote(root),
        prompt = ps_quote(prompt),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn creates_working_venv() {
        let interp = Interpreter::query(Path::new("python3")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("my proj").join(".venv");
        let venv = create_venv(&root, &interp).unwrap();
        assert!(root.join("pyvenv.cfg").is_file());
        let cfg = fs_err::read_to_string(root.join("pyvenv.cfg")).unwrap();
        assert!(cfg.contains("prompt = my proj"), "{cfg}");
        let out = Command::new(&venv.python)
            .args([
                "-c",
                "import sys, site; print(sys.prefix != sys.base_prefix); print(site.getsitepackages()[0])",
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut lines = stdout.lines();
        assert_eq!(lines.next(), Some("True"), "{out:?}");
        let sp = Path::new(lines.next().unwrap());
        assert_eq!(
            fs_err::canonicalize(sp).unwrap(),
            fs_err::canonicalize(&venv.site_packages).unwrap()
        );
        // bash activation
        let script = format!(
            "source {} && echo \"$VIRTUAL_ENV\" && command -v python && deactivate && echo \"after=${{VIRTUAL_ENV-}}\"",
            sh_quote(&venv.bin.join("activate").to_string_lossy())
        );
        let out = Command::new("bash").args(["-c", &script]).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(
            lines.first().copied(),
            Some(root.to_str().unwrap()),
            "{out:?}"
        );
        assert_eq!(
            lines.get(1).copied(),
            Some(venv.python.to_str().unwrap()),
            "{out:?}"
        );
        assert_eq!(lines.get(2).copied(), Some("after="), "{out:?}");
        // plain POSIX sh (dash) too, when present
        if Path::new("/bin/dash").exists() {
            let script = format!(
                ". {} && echo \"$VIRTUAL_ENV\" && command -v python && deactivate && echo \"after=${{VIRTUAL_ENV-}}\"",
                sh_quote(&venv.bin.join("activate").to_string_lossy())
            );
            let out = Command::new("/bin/dash")
                .args(["-c", &script])
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                stdout.lines().collect::<Vec<_>>(),
                [
                    root.to_str().unwrap(),
                    venv.python.to_str().unwrap(),
                    "after="
                ],
                "{out:?}"
            );
        }
        // re-create over an existing venv works; a user directory is refused
        create_venv(&root, &interp).unwrap();
        let user = dir.path().join("user");
        fs_err::create_dir_all(&user).unwrap();
        fs_err::write(user.join("precious.txt"), "x").unwrap();
        let err = create_venv(&user, &interp).unwrap_err();
        assert!(matches!(err, VenvError::NotAVenv { .. }));
        assert!(user.join("precious.txt").is_file());
        // open_venv sees it
        let opened = crate::venv::open_venv(&root).unwrap().unwrap();
        assert_eq!(opened.site_packages, venv.site_packages);
        assert_eq!(opened.interpreter.executable, interp.executable);
        assert!(crate::venv::open_venv(&user).unwrap().is_none());
    }
}

#[cfg(test)]
mod other_pythons {
    use super::*;
    use std::process::Command;

    /// Every pyenv CPython >= 3.8 present: create a venv, open it, check the venv python
    /// runs in the venv and reports the same base interpreter.
    #[test]
    fn venvs_for_every_pyenv_python() {
        let Some(home) = dirs::home_dir() else { return };
        let Ok(rd) = std::fs::read_dir(home.join(".pyenv/versions")) else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        for e in rd.flatten() {
            let python = e.path().join("bin/python3");
            let Ok(interp) = Interpreter::query(&python) else {
                continue;
            };
            if interp.python_minor() < (3, 8) {
                continue;
            }
            let root = dir.path().join(e.file_name());
            let venv = create_venv(&root, &interp).unwrap();
            let opened = crate::venv::open_venv(&root).unwrap().unwrap();
            assert_eq!(
                opened.interpreter.executable, interp.executable,
                "{python:?}"
            );
            assert_eq!(opened.interpreter.version, interp.version);
            assert_eq!(opened.site_packages, venv.site_packages);
            let out = Command::new(&venv.python)
                .args(["-c", "import sys; print(sys.prefix)"])
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out.stdout).trim(),
                root.to_str().unwrap(),
                "{python:?}"
            );
        }
    }
}
