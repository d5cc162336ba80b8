//! Partial downloads are removed on every exit path. Errors and panics drop
//! the temporary file (`tempfile` removes it); SIGINT and SIGTERM would end
//! the process before any destructor runs, so the paths of files being
//! written are registered here, and the first registration installs a
//! handler for both signals that removes them and then exits as the signal
//! would have (status 128 + N).
//!
//! The handler itself only writes the signal number to a pipe (the one thing
//! a signal handler may safely do); a thread blocked on that pipe does the
//! cleanup. A process that never downloads (e.g. `envy run`) keeps the
//! default signal behaviour.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

static PARTIAL: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

/// A registered partial file: unregistered when dropped (after the file was
/// persisted under its final name, or removed).
pub(crate) struct Partial(PathBuf);

impl Partial {
    /// Register `path` (a temporary file being written) for removal should
    /// SIGINT or SIGTERM arrive before the guard is dropped.
    pub(crate) fn register(path: &Path) -> Partial {
        install_handler();
        let mut set = PARTIAL.lock().unwrap_or_else(|e| e.into_inner());
        set.get_or_insert_with(HashSet::new)
            .insert(path.to_path_buf());
        Partial(path.to_path_buf())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        let mut set = PARTIAL.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(set) = set.as_mut() {
            set.remove(&self.0);
        }
    }
}

#[cfg(unix)]
static PIPE_WRITE: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);

#[cfg(unix)]
extern "C" fn on_signal(sig: libc::c_int) {
    let fd = PIPE_WRITE.load(std::sync::atomic::Ordering::Relaxed);
    if fd >= 0 {
        let byte = sig as u8;
        // SAFETY: write(2) is async-signal-safe; the buffer is a local byte.
        unsafe {
            libc::write(fd, std::ptr::addr_of!(byte).cast(), 1);
        }
    }
}

/// Install the SIGINT/SIGTERM handler and its cleanup thread, once.
fn install_handler() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        #[cfg(unix)]
        install_unix();
    });
}

#[cfg(unix)]
fn install_unix() {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe(2) to fill.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return;
    }
    let (read_fd, write_fd) = (fds[0], fds[1]);
    PIPE_WRITE.store(write_fd, std::sync::atomic::Ordering::Relaxed);
    let spawned = std::thread::Builder::new()
        .name("envy-signals".into())
        .spawn(move || {
            let mut byte = 0u8;
            // SAFETY: reads one byte into a local from the pipe made above.
            let n = unsafe { libc::read(read_fd, std::ptr::addr_of_mut!(byte).cast(), 1) };
            if n != 1 {
                return;
            }
            let set = PARTIAL.lock().unwrap_or_else(|e| e.into_inner());
            for path in set.iter().flatten() {
                let _ = std::fs::remove_file(path);
            }
            std::process::exit(128 + i32::from(byte));
        });
    if spawned.is_err() {
        return;
    }
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction with a plain handler and an empty mask is
        // valid; `on_signal` only calls async-signal-safe functions.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            action.sa_flags = libc::SA_RESTART;
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}
