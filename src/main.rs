//! The `cloudsite` binary: everything lives in the library; this only hands over the exit code.

fn main() -> std::process::ExitCode {
    // Before any thread exists: the local zone can only be read safely now.
    cloudsite::display::init_local_offset();
    cloudsite::cli::run()
}
