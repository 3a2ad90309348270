#[cfg(not(target_arch = "wasm32"))]
fn main() {
    keep_freed_memory();
    std::process::exit(gradlab::cli::main());
}

/// The engine allocates each op's output afresh. glibc hands an allocation
/// over its mmap threshold (at most 32 MiB) back to the system when it is
/// freed, so the same large tensors were mapped, page-faulted in and zeroed
/// again every step: a `gpt` on 4,492 characters (logits of 2,048 × 4,492
/// floats, 37 MB) spent as long in the kernel as in its own code, at 14,000
/// tokens/s; with freed memory kept in the heap for the next step, 23,000.
/// The trainer is one process that runs until it is done, so nothing is
/// returned before it exits. (wasm's allocator never returns memory.)
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    extern "C" {
        fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    }
    const M_TRIM_THRESHOLD: std::ffi::c_int = -1;
    const M_MMAP_MAX: std::ffi::c_int = -4;
    // SAFETY: mallopt only sets allocator parameters; it is called before
    // any other thread exists.
    unsafe {
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, std::ffi::c_int::MAX);
    }
}
#[cfg(all(not(target_arch = "wasm32"), not(all(target_os = "linux", target_env = "gnu"))))]
fn keep_freed_memory() {}

// The command line is native only; the page uses the library.
#[cfg(target_arch = "wasm32")]
fn main() {}
