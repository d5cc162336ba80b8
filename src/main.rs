// jemalloc instead of glibc's malloc on Linux/BSD. Measured on a 2-core
// machine (peak RSS): a cold `envy sync` of the trio benchmark held 177 MB
// under glibc's per-thread arenas for a live heap under 50 MB, and 76 MB under
// jemalloc; a warm `envy lock` of the data-science benchmark (32 fetch
// threads) 89 MB under glibc, 71 MB with the settings below.
#[cfg(all(feature = "jemalloc", unix, not(target_os = "macos")))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's start-up options (read once, before the first allocation; the
/// `_RJEM_MALLOC_CONF` environment variable still overrides them): one arena
/// and no per-thread caches. envy's threads mostly wait on the network, so
/// per-thread caches only multiply memory that is free but not returned.
#[cfg(all(feature = "jemalloc", unix, not(target_os = "macos")))]
#[export_name = "_rjem_malloc_conf"]
pub static MALLOC_CONF: &[u8; 23] = b"narenas:1,tcache:false\0";

fn main() {
    std::process::exit(envy::cli::main().code());
}
