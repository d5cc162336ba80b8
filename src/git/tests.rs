//! The git layer against real repositories made with `git init` in temporary
//! directories (no network: `git+file://` URLs, and a refused localhost port
//! for an unreachable one). Tests that need `git` are skipped when it is absent.

use super::*;
use std::collections::BTreeMap;
use std::process::Command;

/// Whether `git` runs; tests that need it return early (and say so) when not.
#[allow(clippy::print_stderr)]
fn have_git() -> bool {
    let ok = Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: `git` is not installed");
    }
    ok
}

/// Run `git ARGS` in `dir` as a test author; its trimmed stdout.
fn sh(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
            "-c",
            "core.hooksPath=/dev/null",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn write(path: &Path, text: &str) {
    fs_err::create_dir_all(path.parent().unwrap()).unwrap();
    fs_err::write(path, text).unwrap();
}

/// A repository and a cache in one temporary directory:
///
/// - `c1` on `main`: `README` ("one"), `pkg/pyproject.toml`; lightweight tag `v1`;
/// - `c2` on `main`: `README` ("two"), `pkg/` still there; annotated tag `v2`;
/// - `c3` on branch `feature` (from `c2`): `feature.txt`.
struct Fixture {
    tmp: tempfile::TempDir,
    repo: PathBuf,
    cache: PathBuf,
    c1: GitCommit,
    c2: GitCommit,
    c3: GitCommit,
}

impl Fixture {
    fn new() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        let cache = tmp.path().join("cache");
        fs_err::create_dir_all(&repo).unwrap();
        sh(&repo, &["init", "--quiet"]);
        write(&repo.join("README"), "one\n");
        write(
            &repo.join("pkg/pyproject.toml"),
            "[project]\nname = \"pkg\"\nversion = \"1.0\"\n",
        );
        sh(&repo, &["add", "."]);
        sh(&repo, &["commit", "--quiet", "-m", "one"]);
        sh(&repo, &["tag", "v1"]);
        let c1 = GitCommit::parse(&sh(&repo, &["rev-parse", "HEAD"])).unwrap();
        write(&repo.join("README"), "two\n");
        sh(&repo, &["commit", "--quiet", "-am", "two"]);
        sh(&repo, &["tag", "-a", "v2", "-m", "version two"]);
        let c2 = GitCommit::parse(&sh(&repo, &["rev-parse", "HEAD"])).unwrap();
        sh(&repo, &["checkout", "--quiet", "-b", "feature"]);
        write(&repo.join("feature.txt"), "feature\n");
        sh(&repo, &["add", "."]);
        sh(&repo, &["commit", "--quiet", "-m", "three"]);
        let c3 = GitCommit::parse(&sh(&repo, &["rev-parse", "HEAD"])).unwrap();
        sh(&repo, &["checkout", "--quiet", "main"]);
        Fixture {
            tmp,
            repo,
            cache,
            c1,
            c2,
            c3,
        }
    }

    /// `git+file://<repo>[@REV]`.
    fn url(&self, rev: Option<&str>) -> GitUrl {
        let base = ::url::Url::from_file_path(&self.repo).unwrap();
        let text = match rev {
            Some(r) => format!("git+{base}@{r}"),
            None => format!("git+{base}"),
        };
        GitUrl::parse(&text).unwrap()
    }

    fn source(&self, reference: GitReference, subdirectory: Option<&str>) -> GitUrl {
        let base = ::url::Url::from_file_path(&self.repo).unwrap();
        GitUrl::from_source(base.as_str(), reference, subdirectory).unwrap()
    }

    fn resolve(&self, url: &GitUrl) -> Result<GitCommit, GitError> {
        resolve(&self.cache, url, false)
    }

    /// `text` with the temporary directory written `[TEMP]`.
    fn filter(&self, text: impl std::fmt::Display) -> String {
        let root = self.tmp.path().to_string_lossy().into_owned();
        text.to_string().replace(&root, "[TEMP]")
    }

    /// The message and hint of an error, paths filtered.
    fn error(&self, e: GitError) -> String {
        let hint = e.hint().unwrap_or_default();
        self.filter(format!("{e}\nhint: {hint}"))
    }
}

/// Every file under `dir` but `.git`, by relative path, with its content.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            (
                rel.to_string_lossy().replace('\\', "/"),
                fs_err::read_to_string(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn pep508_git_urls_parse() {
    let u =
        GitUrl::parse("git+https://github.com/org/repo.git@v1.0#egg=x&subdirectory=pkg").unwrap();
    assert_eq!(u.repository().as_str(), "https://github.com/org/repo.git");
    assert_eq!(u.reference(), &GitReference::Rev("v1.0".into()));
    assert_eq!(u.subdirectory(), Some("pkg"));
    assert_eq!(
        u.to_string(),
        "git+https://github.com/org/repo.git@v1.0#subdirectory=pkg"
    );

    let u = GitUrl::parse("git+ssh://git@github.com/org/repo@main").unwrap();
    assert_eq!(u.repository().as_str(), "ssh://git@github.com/org/repo");
    assert_eq!(u.to_string(), "git+ssh://git@github.com/org/repo@main");

    let u = GitUrl::parse("git+https://user:s3cret@host.example/r@feature/x%2By").unwrap();
    assert_eq!(u.reference(), &GitReference::Rev("feature/x+y".into()));
    assert_eq!(u.repository().password(), Some("s3cret"));
    assert_eq!(u.to_string(), "git+https://host.example/r@feature/x+y");

    let u = GitUrl::parse("git+file:///srv/repo").unwrap();
    assert_eq!(u.reference(), &GitReference::DefaultBranch);
    assert_eq!(u.subdirectory(), None);

    let commit = GitCommit::parse(&"a".repeat(40)).unwrap();
    assert_eq!(
        u.to_pinned_string(&commit),
        format!("git+file:///srv/repo@{}", "a".repeat(40))
    );
    assert_eq!(
        GitUrl::parse(&format!("git+file:///srv/repo@{}", "A".repeat(40)))
            .unwrap()
            .reference()
            .as_commit(),
        Some(commit)
    );
}

#[test]
fn invalid_git_urls_say_why() {
    let errors: Vec<String> = [
        "https://github.com/org/repo",
        "git+ftp://host/repo",
        "git+git@github.com:org/repo.git",
        "git+https://u:secret@host/repo@-upload-pack=x",
        "git+https://host/repo@v1..v2",
        "git+https://host/repo#subdirectory=../up",
        "git+file://",
    ]
    .iter()
    .map(|u| GitUrl::parse(u).unwrap_err().to_string())
    .collect();
    insta::assert_snapshot!(errors.join("\n"), @"
    invalid git URL `https://github.com/org/repo`: a git URL starts with `git+`, as in `git+https://...`
    invalid git URL `git+ftp://host/repo`: the scheme `ftp` is not one git dependencies use (`git+https`, `git+http`, `git+ssh`, `git+file`, `git+git`)
    invalid git URL `git+git@github.com:org/repo.git`: the scp-like `user@host:path` form is not a URL; write `git+ssh://user@host/path`
    invalid git URL `git+https://host/repo@-upload-pack=x`: revision `-upload-pack=x` starts with `-`
    invalid git URL `git+https://host/repo@v1..v2`: revision `v1..v2` contains `..` or `@{`
    invalid git URL `git+https://host/repo#subdirectory=../up`: the subdirectory `../up` must be a relative path inside the repository
    invalid git URL `git+file://`: it names no repository path
    ");
}

#[test]
fn sources_tables_name_one_reference() {
    assert_eq!(
        GitReference::from_source(Some("v1"), None, None).unwrap(),
        GitReference::Tag("v1".into())
    );
    assert_eq!(
        GitReference::from_source(None, None, None).unwrap(),
        GitReference::DefaultBranch
    );
    let e = GitReference::from_source(Some("v1"), Some("main"), None).unwrap_err();
    insta::assert_snapshot!(e, @"invalid git reference: `tag` and `branch` are given together; give only one of `tag`, `branch` and `rev`");

    let u = GitUrl::from_source(
        "https://host/org/repo",
        GitReference::Branch("main".into()),
        Some("libs/a/"),
    )
    .unwrap();
    assert_eq!(
        u.to_string(),
        "git+https://host/org/repo@main#subdirectory=libs/a"
    );
    let e = GitUrl::from_source(
        "https://host/r#subdirectory=x",
        GitReference::DefaultBranch,
        None,
    )
    .unwrap_err();
    insta::assert_snapshot!(e, @"invalid git URL `https://host/r#subdirectory=x`: the `git` URL of a source takes no `#...` fragment; use the `subdirectory` key");
}

#[test]
fn commits_are_forty_hex_digits() {
    assert!(GitCommit::parse(&"0123456789abcdef".repeat(3)[..40]).is_ok());
    insta::assert_snapshot!(GitCommit::parse("abc123").unwrap_err(), @"invalid git commit `abc123`: a commit id is 40 hexadecimal digits");
    assert!(GitCommit::parse(&"g".repeat(40)).is_err());
}

#[test]
fn the_cache_key_ignores_credentials_case_of_host_and_dot_git() {
    let key = |u: &str| GitUrl::parse(u).unwrap().repository_key();
    let canonical = |u: &str| GitUrl::parse(u).unwrap().canonical_repository();
    assert_eq!(
        canonical("git+https://user:tok@GitHub.com/Org/Repo.git/@v1"),
        "https://github.com/Org/Repo"
    );
    assert_eq!(
        key("git+https://user:tok@GitHub.com/Org/Repo.git/"),
        key("git+https://github.com/Org/Repo")
    );
    assert_ne!(
        key("git+https://github.com/Org/Repo"),
        key("git+https://github.com/Org/Other")
    );
    assert_eq!(
        canonical("git+ssh://git@GitHub.com:2222/org/repo.git"),
        "ssh://github.com:2222/org/repo"
    );
    assert_eq!(key("git+https://h/r").len(), 16);
}

#[test]
fn direct_url_json_records_the_commit_and_what_was_asked() {
    let commit = GitCommit::parse(&"b".repeat(40)).unwrap();
    let u = GitUrl::parse("git+https://user:tok@host/org/repo@v1#subdirectory=pkg").unwrap();
    insta::assert_snapshot!(direct_url(&u, &commit), @r#"{"subdirectory":"pkg","url":"https://host/org/repo","vcs_info":{"commit_id":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","requested_revision":"v1","vcs":"git"}}"#);
    let u = GitUrl::parse("git+ssh://git@host/org/repo").unwrap();
    insta::assert_snapshot!(direct_url(&u, &commit), @r#"{"url":"ssh://git@host/org/repo","vcs_info":{"commit_id":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","vcs":"git"}}"#);
}

#[test]
fn references_resolve_to_full_commits() {
    if !have_git() {
        return;
    }
    let f = Fixture::new();
    let tag = |t: &str| f.source(GitReference::Tag(t.into()), None);
    let branch = |b: &str| f.source(GitReference::Branch(b.into()), None);
    assert_eq!(f.resolve(&tag("v1")).unwrap(), f.c1);
    // An annotated tag is peeled to its commit.
    assert_eq!(f.resolve(&tag("v2")).unwrap(), f.c2);
    assert_eq!(f.resolve(&branch("feature")).unwrap(), f.c3);
    assert_eq!(f.resolve(&branch("main")).unwrap(), f.c2);
    assert_eq!(f.resolve(&f.url(None)).unwrap(), f.c2);
    // `@REV` of a URL: a tag, a branch, a full or abbreviated commit, a ref.
    assert_eq!(f.resolve(&f.url(Some("v2"))).unwrap(), f.c2);
    assert_eq!(f.resolve(&f.url(Some("feature"))).unwrap(), f.c3);
    assert_eq!(f.resolve(&f.url(Some(f.c1.as_str()))).unwrap(), f.c1);
    assert_eq!(f.resolve(&f.url(Some(&f.c3.as_str()[..10]))).unwrap(), f.c3);
    assert_eq!(f.resolve(&f.url(Some("refs/heads/feature"))).unwrap(), f.c3);
}

#[test]
fn a_cached_commit_resolves_without_the_repository() {
    if !have_git() {
        return;
    }
    let f = Fixture::new();
    let tag = f.source(GitReference::Tag("v1".into()), None);
    assert_eq!(f.resolve(&tag).unwrap(), f.c1);
    let branch = f.source(GitReference::Branch("feature".into()), None);
    assert_eq!(f.resolve(&branch).unwrap(), f.c3);
    fs_err::remove_dir_all(&f.repo).unwrap();
    // A full commit in the cache needs no fetch, online or offline.
    for offline in [false, true] {
        let pinned = f.url(Some(f.c1.as_str()));
        assert_eq!(resolve(&f.cache, &pinned, offline).unwrap(), f.c1);
    }
    // Offline, the last fetch answers for names too.
    assert_eq!(resolve(&f.cache, &tag, true).unwrap(), f.c1);
    assert_eq!(resolve(&f.cache, &branch, true).unwrap(), f.c3);
    // Online, a branch is fetched again, and the repository is gone.
    assert!(matches!(
        f.resolve(&branch),
        Err(GitError::Unreachable { .. })
    ));
}

#[test]
fn a_moved_branch_resolves_to_its_new_tip() {
    if !have_git() {
        return;
    }
    let f = Fixture::new();
    let main = f.source(GitReference::Branch("main".into()), None);
    assert_eq!(f.resolve(&main).unwrap(), f.c2);
    write(&f.repo.join("README"), "four\n");
    sh(&f.repo, &["commit", "--quiet", "-am", "four"]);
    let c4 = GitCommit::parse(&sh(&f.repo, &["rev-parse", "HEAD"])).unwrap();
    assert_eq!(f.resolve(&main).unwrap(), c4);
    assert_eq!(f.resolve(&f.url(None)).unwrap(), c4);
    // The commit the branch left stays in the cache.
    let old = f.url(Some(f.c2.as_str()));
    assert_eq!(resolve(&f.cache, &old, true).unwrap(), f.c2);
    // A tag moved on the remote follows too.
    sh(&f.repo, &["tag", "--force", "v1", c4.as_str()]);
    let tag = f.source(GitReference::Tag("v1".into()), None);
    assert_eq!(f.resolve(&tag).unwrap(), c4);
    // A tag or branch deleted on the remote no longer resolves online.
    sh(&f.repo, &["tag", "--delete", "v1"]);
    sh(
        &f.repo,
        &["branch", "--quiet", "--delete", "--force", "feature"],
    );
    let feature = f.url(Some("feature"));
    for url in [&tag, &feature] {
        assert!(
            matches!(f.resolve(url), Err(GitError::ReferenceNotFound { .. })),
            "{url}"
        );
    }
}

#[test]
fn a_checkout_is_exactly_the_commit_tree() {
    if !have_git() {
        return;
    }
    let f = Fixture::new();
    let url = f.source(GitReference::Tag("v1".into()), None);
    let commit = f.resolve(&url).unwrap();
    // What a killed checkout left is removed.
    let parent = f
        .cache
        .join(CACHE_DIR)
        .join("checkouts")
        .join(url.repository_key());
    write(&parent.join(".tmp-killed/README"), "half\n");
    let dir = checkout(&f.cache, &url, &commit).unwrap();
    assert_eq!(
        f.filter(dir.display()),
        format!(
            "[TEMP]/cache/git-v1/checkouts/{}/{}",
            url.repository_key(),
            f.c1
        )
    );
    let expected: BTreeMap<String, String> = [
        ("README", "one\n"),
        (
            "pkg/pyproject.toml",
            "[project]\nname = \"pkg\"\nversion = \"1.0\"\n",
        ),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(tree(&dir), expected);
    // The checkout is a repository at that commit, with the tags.
    assert_eq!(sh(&dir, &["rev-parse", "HEAD"]), f.c1.as_str());
    assert_eq!(sh(&dir, &["describe", "--tags"]), "v1");

    // Reused, and nothing is left beside it.
    assert_eq!(checkout(&f.cache, &url, &commit).unwrap(), dir);
    let siblings: Vec<_> = fs_err::read_dir(dir.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(siblings, [std::ffi::OsString::from(f.c1.as_str())]);

    // A subdirectory points into the same checkout.
    let sub = f.source(GitReference::Tag("v1".into()), Some("pkg"));
    assert_eq!(checkout(&f.cache, &sub, &commit).unwrap(), dir.join("pkg"));

    let c3 = f.resolve(&f.url(Some("feature"))).unwrap();
    let feature = checkout(&f.cache, &url, &c3).unwrap();
    assert_eq!(tree(&feature)["feature.txt"], "feature\n");
    assert_eq!(tree(&feature)["README"], "two\n");
}

#[test]
fn errors_name_what_is_missing_and_where() {
    if !have_git() {
        return;
    }
    let f = Fixture::new();
    let offline = resolve(
        &f.cache,
        &f.source(GitReference::Branch("feature".into()), None),
        true,
    );
    let missing_tag = f.resolve(&f.source(GitReference::Tag("v9".into()), None));
    let missing_branch = f.resolve(&f.source(GitReference::Branch("nope".into()), None));
    let missing_rev = f.resolve(&f.url(Some("nope")));
    let missing_commit = f.resolve(&f.url(Some(&"0".repeat(40))));
    let commit = f.resolve(&f.url(None)).unwrap();
    let missing_sub = checkout(
        &f.cache,
        &f.source(GitReference::DefaultBranch, Some("nowhere")),
        &commit,
    );
    let not_cached = checkout(
        &f.cache,
        &f.url(None),
        &GitCommit::parse(&"1".repeat(40)).unwrap(),
    );
    let other = f.tmp.path().join("elsewhere");
    let unreachable = f.resolve(
        &GitUrl::parse(&format!(
            "git+{}",
            ::url::Url::from_file_path(&other).unwrap()
        ))
        .unwrap(),
    );
    let errors: Vec<String> = [
        missing_tag,
        missing_branch,
        missing_rev,
        missing_commit,
        offline,
        unreachable,
    ]
    .into_iter()
    .chain([
        missing_sub.map(|_| commit.clone()),
        not_cached.map(|_| commit.clone()),
    ])
    .map(|r| f.error(r.unwrap_err()).replace(f.c2.as_str(), "[C2]"))
    .collect();
    insta::assert_snapshot!(errors.join("\n\n"), @r"
    tag `v9` does not exist in the git repository `file://[TEMP]/repo`
    hint: see the repository's tags and branches with `git ls-remote file://[TEMP]/repo`

    branch `nope` does not exist in the git repository `file://[TEMP]/repo`
    hint: see the repository's tags and branches with `git ls-remote file://[TEMP]/repo`

    revision `nope` does not exist in the git repository `file://[TEMP]/repo`
    hint: see the repository's tags and branches with `git ls-remote file://[TEMP]/repo`

    revision `0000000000000000000000000000000000000000` does not exist in the git repository `file://[TEMP]/repo`
    hint: see the repository's tags and branches with `git ls-remote file://[TEMP]/repo`

    cannot resolve branch `feature` of the git repository `file://[TEMP]/repo` offline: it is not in the cache
    hint: run once without `--offline` to fetch it into the cache

    cannot fetch the git repository `file://[TEMP]/elsewhere`: '[TEMP]/elsewhere' does not appear to be a git repository
    hint: check the URL and your access with `git ls-remote file://[TEMP]/elsewhere`; envy never prompts, so credentials come from a git credential helper, `~/.netrc` or your SSH agent

    the subdirectory `nowhere` does not exist in the git repository `file://[TEMP]/repo` at commit `[C2]`
    hint: the subdirectory is relative to the repository root; check its spelling at that commit

    commit `1111111111111111111111111111111111111111` of the git repository `file://[TEMP]/repo` is not in the cache
    hint: run once without `--offline` to fetch it into the cache
    ");
}

#[test]
fn an_unreachable_host_is_reported_without_credentials() {
    if !have_git() {
        return;
    }
    let f = Fixture::new();
    // Port 1 on localhost refuses the connection at once.
    let url = GitUrl::parse("git+https://user:s3cret@127.0.0.1:1/org/repo.git@v1").unwrap();
    let e = f.resolve(&url).unwrap_err();
    let text = format!("{e}\n{}", e.hint().unwrap_or_default());
    assert!(matches!(e, GitError::Unreachable { .. }), "{text}");
    assert!(!text.contains("s3cret") && !text.contains("user"), "{text}");
    assert!(
        text.starts_with("cannot fetch the git repository `https://127.0.0.1:1/org/repo.git`: "),
        "{text}"
    );
    // Nothing of the URL's credentials reaches the cache.
    for entry in walkdir::WalkDir::new(&f.cache) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let bytes = fs_err::read(entry.path()).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains("s3cret"),
                "{}",
                entry.path().display()
            );
        }
    }
}

#[test]
fn concurrent_resolves_of_one_repository_both_succeed() {
    if !have_git() {
        return;
    }
    let f = Fixture::new();
    let barrier = std::sync::Barrier::new(2);
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = [("v2", None), ("feature", Some("pkg"))]
            .into_iter()
            .map(|(rev, sub)| {
                let url = match sub {
                    Some(sub) => f.source(GitReference::Rev(rev.into()), Some(sub)),
                    None => f.url(Some(rev)),
                };
                let barrier = &barrier;
                let cache = &f.cache;
                s.spawn(move || {
                    barrier.wait();
                    let commit = resolve(cache, &url, false)?;
                    checkout(cache, &url, &commit).map(|dir| (commit, dir))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let (c_v2, dir_v2) = results[0].as_ref().unwrap();
    let (c_feature, dir_feature) = results[1].as_ref().unwrap();
    assert_eq!(c_v2, &f.c2);
    assert_eq!(c_feature, &f.c3);
    assert!(dir_v2.join("README").is_file());
    assert!(dir_feature.join("pyproject.toml").is_file());
    // One database for the repository.
    let dbs = fs_err::read_dir(f.cache.join(CACHE_DIR).join("db"))
        .unwrap()
        .count();
    assert_eq!(dbs, 1);
}

#[test]
fn submodules_are_checked_out_with_the_commit() {
    if !have_git() {
        return;
    }
    let f = Fixture::new();
    let sub = f.tmp.path().join("sub");
    fs_err::create_dir_all(&sub).unwrap();
    sh(&sub, &["init", "--quiet"]);
    write(&sub.join("lib.py"), "X = 1\n");
    sh(&sub, &["add", "."]);
    sh(&sub, &["commit", "--quiet", "-m", "lib"]);
    let sub_path = sub.to_string_lossy().into_owned();
    sh(
        &f.repo,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "--quiet",
            &sub_path,
            "vendor/sub",
        ],
    );
    sh(&f.repo, &["commit", "--quiet", "-m", "with a submodule"]);
    let url = f.url(None);
    let commit = f.resolve(&url).unwrap();
    let dir = checkout(&f.cache, &url, &commit).unwrap();
    assert_eq!(tree(&dir)["vendor/sub/lib.py"], "X = 1\n");
}

#[test]
fn a_relative_cache_path_works() {
    if !have_git() {
        return;
    }
    let f = Fixture::new();
    let cwd = std::env::current_dir().unwrap();
    let relative = pathdiff(&f.cache, &cwd);
    let url = f.url(Some("v1"));
    let commit = resolve(&relative, &url, false).unwrap();
    let dir = checkout(&relative, &url, &commit).unwrap();
    assert!(dir.is_absolute());
    assert_eq!(tree(&dir)["README"], "one\n");
}

/// `path` relative to `base` (both absolute), through `..` as needed.
fn pathdiff(path: &Path, base: &Path) -> PathBuf {
    let path: Vec<_> = path.components().collect();
    let base: Vec<_> = base.components().collect();
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for c in &path[common..] {
        out.push(c);
    }
    out
}
