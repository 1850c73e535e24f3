//! How long `cert inspect` takes on a realistic worst case: a 4096-bit RSA service certificate
//! in a PFX written with OpenSSL 3 defaults, where key derivation dominates.

#[path = "../tests/common/mod.rs"]
mod common;

use cloudsite::cert::{self, Options, Role, Verdict};
use common::{KeyKind, Spec};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const PASSWORD: &str = "Secret1";

fn rsa4096_service() -> common::Made {
    let mut spec = Spec::service("clouddp1.contoso.com");
    spec.key = KeyKind::Rsa4096;
    common::make(&spec)
}

/// OpenSSL 3's default iteration count: the cost being measured is the one operators pay on
/// files exported by OpenSSL 3.
const OPENSSL3_ITERATIONS: u32 = 2048;

fn bench_inspect(c: &mut Criterion) {
    let made = rsa4096_service();
    let pfx = common::pfx_with_iterations(&made, &[], PASSWORD, OPENSSL3_ITERATIONS);
    let opts = Options::new().password(PASSWORD).role(Some(Role::Service));

    // A benchmark of a failure path would measure the wrong thing.
    let report = cert::inspect(&pfx, &opts);
    assert_eq!(report.verdict, Verdict::Usable, "{:?}", report.findings);
    assert_eq!(report.leaf_cert().and_then(|c| c.key_bits), Some(4096));
    // Without a role: a .cer alone has no key, so any role that needs one would only add
    // an error finding, not work.
    let cer_opts = Options::new();
    let report = cert::inspect(&made.cert, &cer_opts);
    assert_eq!(report.verdict, Verdict::Usable, "{:?}", report.error);

    c.bench_function("inspect pfx rsa4096 openssl3-defaults role=service", |b| {
        b.iter(|| cert::inspect(black_box(&pfx), black_box(&opts)))
    });

    c.bench_function("inspect cer rsa4096 der", |b| {
        b.iter(|| cert::inspect(black_box(&made.cert), black_box(&cer_opts)))
    });
}

criterion_group!(benches, bench_inspect);
criterion_main!(benches);
