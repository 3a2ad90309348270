#[cfg(not(target_arch = "wasm32"))]
fn main() {
    std::process::exit(gradlab::cli::main());
}

// The command line is native only; the page uses the library.
#[cfg(target_arch = "wasm32")]
fn main() {}
