//! The `custodia` binary: everything lives in the library; this only reports failure.

fn main() -> std::process::ExitCode {
    malloc_limits();
    match custodia::cli::run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("custodia: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// glibc's malloc, told what the operator had to tell it through the environment before
/// issue 23. Under the 64-connection load mix its defaults let RSS settle at 650–820 MiB:
/// a freed block above the mmap threshold (argon2's 19 MiB working memory, up to four at
/// once) raises that threshold to its own size, so every later block of that size comes
/// from an arena and stays there once freed — in each of up to 8 arenas a core. A fixed
/// threshold keeps such blocks mapped and unmapped, and two arenas, as
/// `MALLOC_ARENA_MAX=2` did, bound the rest. In 2-minute screens of the load mix the level
/// fell from 430 to 81 MiB on SQLite and from 290 to 73 MiB on PostgreSQL, throughput the
/// same within the noise; jemalloc and mimalloc did no better, so no crate building C
/// (docs/performance.md, "Allocator and RSS under the load mix"). Set before any thread
/// starts, as mallopt requires; variables in the environment (`MALLOC_ARENA_MAX`,
/// `MALLOC_MMAP_THRESHOLD_`) are read by glibc first and then overridden here.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn malloc_limits() {
    // glibc's malloc.h; declared here so the binary needs no crate for two calls.
    const M_MMAP_THRESHOLD: i32 = -3;
    const M_ARENA_MAX: i32 = -8;
    unsafe extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    // SAFETY: mallopt only sets malloc's parameters; called first thing in main, before
    // any other thread exists.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 1 << 20);
        mallopt(M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn malloc_limits() {}
