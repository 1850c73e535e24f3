//! `cert::inspect` must never panic, whatever the bytes (DESIGN.md, certificate inspection
//! contract).

#![no_main]

use cloudsite::cert::{self, Options, Role};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut opts = Options::new();
    // A crafted PKCS#12 may ask for millions of key-derivation rounds; with the production
    // budget each such input takes seconds and libFuzzer reports it as a timeout, not a bug.
    opts.max_iterations = 5000;
    opts.total_iterations = 20000;
    let _ = cert::inspect(data, &opts);
    // The role rules run only on what was read; a role exercises the key and EKU checks too.
    opts.role = Some(Role::Service);
    let _ = cert::inspect(data, &opts);
});
