//! File sizes in `envy.lock`: an index that omits them (PEP 503 HTML has no
//! size) gets them recorded once the files are downloaded, and a size an
//! index claims wrongly is replaced by the size of the downloaded file.

use crate::common::*;

fn wheel_size(ctx: &TestContext, filename: &str) -> u64 {
    std::fs::metadata(ctx.server().files_dir().join(filename))
        .unwrap()
        .len()
}

#[test]
fn sizes_are_recorded_once_files_are_downloaded() {
    let ctx = TestContext::with_scenario();
    ctx.init_project(&["app-dep"]);
    ctx.server().set_html_only(true);
    ctx.envy_ok(&["lock"]);
    let wheel = ctx.lock().wheels("app-dep")[0].clone();
    assert_eq!(wheel.size, None, "PEP 503 pages say no size");

    // `sync` downloads the wheel; the next lock records its size, and keeps
    // it when the cache is gone.
    ctx.envy_ok(&["sync"]);
    ctx.envy_ok(&["lock"]);
    let real = wheel_size(&ctx, &wheel.filename());
    assert_eq!(ctx.lock().wheels("app-dep")[0].size, Some(real));
    let before = ctx.read("envy.lock");
    let mut ctx = ctx;
    ctx.reset_cache();
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.read("envy.lock"), before, "the recorded size stays");

    // An index claiming a wrong size: the downloaded file's size wins.
    ctx.server().set_html_only(false);
    ctx.server().set_wrong_sizes(true);
    // (a new venv, so that the wheel is downloaded into the new cache)
    std::fs::remove_dir_all(ctx.venv()).unwrap();
    ctx.envy_ok(&["sync", "--frozen"]);
    ctx.envy_ok(&["lock", "--upgrade"]);
    assert_eq!(ctx.lock().wheels("app-dep")[0].size, Some(real));
    ctx.envy_ok(&["sync", "--frozen"]);
}
