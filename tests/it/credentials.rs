//! Credentials by host: netrc credentials reach every request to the host
//! (pages, metadata and distribution files), whether the index came from a
//! flag, an environment variable or `pyproject.toml`, and also when `sync
//! --frozen` downloads from a lock's URLs with no index configured. A 401
//! names the URL fetched, calls a file a file, and never prints a secret.

use crate::common::*;

const USER: &str = "alice";
const PASSWORD: &str = "s3cret-horse";

/// The scenario index requiring basic auth on every path, `ENVY_INDEX_URL`
/// unset, a virtual project (no build backend to fetch) depending on
/// `app-dep`, and a netrc file (`NETRC`) holding `netrc`.
fn guarded(netrc: &str) -> (TestContext, String) {
    let mut ctx = TestContext::with_scenario();
    ctx.server().set_basic_auth(USER, PASSWORD);
    let url = ctx.index_url().unwrap().to_string();
    ctx.set_index_url(None);
    ctx.add_filter(&escape(&url), "[INDEX]");
    let text = TestContext::pyproject(&["app-dep"]);
    let text = &text[..text.find("[build-system]").unwrap()];
    ctx.write_pyproject(text);
    let path = ctx.root.join("netrc");
    std::fs::write(&path, netrc).unwrap();
    ctx.env("NETRC", path.to_str().unwrap());
    (ctx, url)
}

fn good_netrc() -> String {
    format!("machine 127.0.0.1\n  login {USER}\n  password {PASSWORD}\n")
}

#[test]
fn netrc_credentials_reach_the_files_of_a_locked_index() {
    // The index from a flag, an environment variable, and pyproject.toml.
    for how in ["flag", "env", "pyproject"] {
        let (mut ctx, url) = guarded(&good_netrc());
        match how {
            "flag" => {
                ctx.envy_ok(&["lock", "--index-url", &url]);
            }
            "env" => {
                ctx.env("ENVY_INDEX_URL", &url);
                ctx.envy_ok(&["lock"]);
            }
            _ => {
                let text = format!(
                    "{}\n[[tool.envy.index]]\nname = \"corp\"\nurl = \"{url}\"\ndefault = true\n",
                    ctx.read("pyproject.toml")
                );
                ctx.write_pyproject(&text);
                ctx.envy_ok(&["lock"]);
            }
        }
        // A fresh cache: every wheel is downloaded from the lock's URLs.
        ctx.reset_cache();
        ctx.envy_ok(&["sync", "--frozen"]);
        ctx.assert_installed("app-dep", "2.0");
        assert!(
            ctx.server()
                .file_downloads()
                .iter()
                .any(|f| f.contains("app_dep-2.0")),
            "{how}: the wheel came from the guarded server"
        );
        assert!(!ctx.read("envy.lock").contains(PASSWORD), "{how}");
    }
}

#[test]
fn a_401_names_the_url_fetched_and_the_credentials_used() {
    let (mut ctx, url) = guarded(&good_netrc());
    ctx.envy_ok(&["lock", "--index-url", &url]);

    // No credentials for the host: the file's URL, not "the index".
    std::fs::write(
        ctx.root.join("netrc"),
        "machine elsewhere.example login x password y\n",
    )
    .unwrap();
    ctx.reset_cache();
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--frozen"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `http://127.0.0.1:[PORT]/files/app_dep-2.0-py3-none-any.whl` requires credentials (HTTP 401)

    hint: add `machine 127.0.0.1 login USER password PASSWORD` to [ROOT]/netrc (or the file named by `NETRC`), or name the index under `[[tool.envy.index]]` and set `ENVY_INDEX_<NAME>_USERNAME` and `ENVY_INDEX_<NAME>_PASSWORD`
    ");

    // Wrong credentials from netrc: says which entry, and does not suggest
    // adding the line that is already there.
    std::fs::write(
        ctx.root.join("netrc"),
        format!("machine 127.0.0.1 login {USER} password wrong-pw\n"),
    )
    .unwrap();
    ctx.reset_cache();
    let out = envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--frozen"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `http://127.0.0.1:[PORT]/files/app_dep-2.0-py3-none-any.whl` refused the credentials from the `machine 127.0.0.1` entry of [ROOT]/netrc (HTTP 401)

    hint: check the login and password of the `machine 127.0.0.1` entry in [ROOT]/netrc
    ");
    assert!(!out.stderr.contains("wrong-pw") && !out.stderr.contains(PASSWORD));

    // The same for a page of the index.
    ctx.reset_cache();
    let out = envy_snapshot!(ctx.filters(), ctx.envy().args(["lock", "--upgrade", "--index-url", &url]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: the index at `[INDEX]/app-dep/` refused the credentials from the `machine 127.0.0.1` entry of [ROOT]/netrc (HTTP 401)

    hint: check the login and password of the `machine 127.0.0.1` entry in [ROOT]/netrc
    ");
    assert!(!out.stderr.contains("wrong-pw"));

    // Credentials in the URL are never shown.
    ctx.env("NETRC", "/nonexistent/netrc");
    let with_userinfo = url.replace("http://", &format!("http://{USER}:wrong-pw@"));
    let out = envy_snapshot!(ctx.filters(), ctx.envy().args(["lock", "--upgrade", "--index-url", &with_userinfo]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: the index at `[INDEX]/app-dep/` refused the credentials from the URL's `user:password@` (HTTP 401)

    hint: check the user name and password in the index URL (percent-encode `@`, `:` and `/` in them)
    ");
    assert!(!out.stderr.contains("wrong-pw"));
    ctx.assert_not_installed("app-dep");
}
