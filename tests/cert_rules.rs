//! Every finding rule of every role: one test each, which fails if the rule is removed.

mod common;

use cloudsite::cert::{self, Options, Report, Role, Severity, Verdict};
use common::{KeyKind, Made, Spec, make, pfx, root_ca};
use rcgen::ExtendedKeyUsagePurpose;
use time::{Duration, OffsetDateTime};

fn inspect(bytes: &[u8], role: Role) -> Report {
    cert::inspect(bytes, &Options::new().password("pw").role(Some(role)))
}

fn service(made: &Made) -> Report {
    inspect(&pfx(made, &[], "pw"), Role::Service)
}

fn codes(r: &Report) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.code).collect()
}

fn has(r: &Report, code: &str, sev: Severity) -> bool {
    r.findings
        .iter()
        .any(|f| f.code == code && f.severity == sev)
}

#[test]
fn a_good_service_certificate_has_no_findings() {
    let r = service(&make(&Spec::service("clouddp1.contoso.com")));
    assert!(r.ok, "{:?}", r.error);
    assert_eq!(codes(&r), Vec::<&str>::new());
    assert_eq!(r.verdict, Verdict::Usable);
    assert_eq!(r.service_fqdn.as_deref(), Some("clouddp1.contoso.com"));
    assert!(r.has_private_key);
    assert_eq!(r.leaf, Some(0));
    assert!(r.certificates[0].matches_private_key);
}

#[test]
fn service_needs_a_private_key() {
    let made = make(&Spec::service("a.contoso.com"));
    let r = inspect(&made.cert, Role::Service);
    assert!(
        has(&r, "no_private_key", Severity::Error),
        "{:?}",
        codes(&r)
    );
    assert_eq!(r.verdict, Verdict::Unusable);
}

#[test]
fn service_needs_server_auth_eku() {
    let mut spec = Spec::service("a.contoso.com");
    spec.eku = Some(vec![ExtendedKeyUsagePurpose::ClientAuth]);
    let r = service(&make(&spec));
    assert!(has(&r, "missing_server_auth_eku", Severity::Error));
    assert!(r.findings[0].message.contains("clientAuth"));
    spec.eku = None;
    let r = service(&make(&spec));
    assert!(has(&r, "missing_server_auth_eku", Severity::Error));
    assert_eq!(r.certificates[0].eku, None);
}

#[test]
fn rsa_below_2048_is_an_error_and_2048_4096_are_fine() {
    let mut spec = Spec::service("a.contoso.com");
    spec.key = KeyKind::Rsa1024;
    let r = service(&make(&spec));
    assert!(
        has(&r, "rsa_key_too_small", Severity::Error),
        "{:?}",
        codes(&r)
    );
    assert_eq!(r.certificates[0].key_bits, Some(1024));
    for kind in [KeyKind::Rsa2048, KeyKind::Rsa4096] {
        spec.key = kind;
        let r = service(&make(&spec));
        assert!(!codes(&r).contains(&"rsa_key_too_small"), "{kind:?}");
    }
    spec.key = KeyKind::Rsa4096;
    assert_eq!(service(&make(&spec)).certificates[0].key_bits, Some(4096));
}

#[test]
fn non_rsa_key_is_a_warning() {
    let mut spec = Spec::service("a.contoso.com");
    spec.key = KeyKind::EcP256;
    let r = service(&make(&spec));
    assert!(has(&r, "key_not_rsa", Severity::Warning));
    assert_eq!(r.certificates[0].key_algorithm, "EC");
    assert_eq!(r.certificates[0].key_bits, Some(256));
    assert!(
        r.certificates[0].matches_private_key,
        "EC keys are matched by their public point"
    );
}

#[test]
fn version_below_3_is_an_error() {
    let made = make(&Spec::service("a.contoso.com"));
    let v1 = Made {
        cert: common::as_version_1(&made.cert),
        key: made.key.clone(),
    };
    let r = service(&v1);
    assert_eq!(r.certificates[0].version, 1);
    assert!(
        has(&r, "version_below_3", Severity::Error),
        "{:?}",
        codes(&r)
    );
    assert!(has(
        &inspect(&pfx(&v1, &[], "pw"), Role::Management),
        "version_below_3",
        Severity::Error
    ));
}

#[test]
fn md5_and_md2_signatures_are_errors_sha1_a_warning() {
    let made = make(&Spec::service("a.contoso.com"));
    for (last, code, sev, name) in [
        (4, "weak_signature", Severity::Error, "md5WithRSAEncryption"),
        (2, "weak_signature", Severity::Error, "md2WithRSAEncryption"),
        (
            5,
            "sha1_signature",
            Severity::Warning,
            "sha1WithRSAEncryption",
        ),
    ] {
        let m = Made {
            cert: common::with_rsa_signature_oid(&made.cert, last),
            key: made.key.clone(),
        };
        let r = service(&m);
        assert_eq!(r.certificates[0].signature_algorithm, name);
        assert!(has(&r, code, sev), "{name}: {:?}", codes(&r));
    }
}

#[test]
fn validity_rules() {
    let now = OffsetDateTime::now_utc();
    let mut spec = Spec::service("a.contoso.com");
    spec.not_before = now - Duration::days(400);
    spec.not_after = now - Duration::days(2);
    assert!(has(&service(&make(&spec)), "expired", Severity::Error));
    spec.not_before = now + Duration::days(2);
    spec.not_after = now + Duration::days(400);
    assert!(has(
        &service(&make(&spec)),
        "not_yet_valid",
        Severity::Error
    ));
    spec.not_before = now - Duration::days(2);
    spec.not_after = now + Duration::days(10);
    let r = service(&make(&spec));
    assert!(has(&r, "expires_soon", Severity::Warning));
    assert_eq!(r.verdict, Verdict::UsableWithWarnings);
    spec.not_after = now + Duration::days(31);
    assert!(!codes(&service(&make(&spec))).contains(&"expires_soon"));
}

#[test]
fn wildcard_cn_is_a_warning_and_leaves_the_host_to_the_operator() {
    let mut spec = Spec::service("*.contoso.com");
    spec.dns = vec!["*.contoso.com".into()];
    let r = service(&make(&spec));
    assert!(has(&r, "wildcard_cn", Severity::Warning), "{:?}", codes(&r));
    assert!(
        r.findings
            .iter()
            .any(|f| f.message.contains("testing only"))
    );
    assert_eq!(r.service_fqdn, None);
    assert_eq!(r.wildcard_domain.as_deref(), Some("contoso.com"));
    assert_eq!(r.verdict, Verdict::UsableWithWarnings);
}

#[test]
fn cn_missing_or_not_an_fqdn_is_an_error() {
    let mut spec = Spec::service("a.contoso.com");
    spec.cn = None;
    assert!(has(&service(&make(&spec)), "cn_missing", Severity::Error));
    spec.cn = Some("clouddp1".into());
    let r = service(&make(&spec));
    assert!(has(&r, "cn_not_fqdn", Severity::Error), "{:?}", codes(&r));
    assert_eq!(r.service_fqdn, None);
    spec.cn = Some("bad_name.contoso.com".into());
    assert!(has(&service(&make(&spec)), "cn_not_fqdn", Severity::Error));
}

#[test]
fn several_dns_names_warn_that_the_first_is_used() {
    let mut spec = Spec::service("a.contoso.com");
    spec.dns = vec!["a.contoso.com".into(), "b.contoso.com".into()];
    let r = service(&make(&spec));
    assert!(has(&r, "multiple_dns_names", Severity::Warning));
    assert_eq!(
        r.certificates[0].dns_names,
        vec!["a.contoso.com", "b.contoso.com"]
    );
}

#[test]
fn cloudapp_cn_is_a_warning() {
    let r = service(&make(&Spec::service("mycdp.cloudapp.net")));
    assert!(has(&r, "cloudapp_cn", Severity::Warning), "{:?}", codes(&r));
}

#[test]
fn ca_or_self_signed_service_certificates_warn() {
    let mut spec = Spec::service("a.contoso.com");
    spec.is_ca = true;
    assert!(has(
        &service(&make(&spec)),
        "ca_certificate",
        Severity::Warning
    ));
    let mut spec = Spec::service("a.contoso.com");
    spec.ca_signed = false;
    let r = service(&make(&spec));
    assert!(has(&r, "self_signed", Severity::Warning));
    assert!(r.certificates[0].self_signed);
}

#[test]
fn key_that_belongs_to_no_certificate_is_an_error() {
    let a = make(&Spec::service("a.contoso.com"));
    let mut spec = Spec::service("b.contoso.com");
    spec.key = KeyKind::Rsa4096;
    let b = make(&spec);
    let mut pfx_spec = cloudsite::cert::pkcs12_write::PfxSpec::modern("pw");
    pfx_spec.iterations = 10;
    pfx_spec.key = Some((b.key, Default::default()));
    pfx_spec.certs.push((a.cert, Default::default()));
    let r = inspect(
        &cloudsite::cert::pkcs12_write::write(&pfx_spec),
        Role::Service,
    );
    assert!(has(&r, "key_mismatch", Severity::Error), "{:?}", codes(&r));
}

#[test]
fn management_rules() {
    let good = make(&Spec::service("mgmt.contoso.com"));
    let r = inspect(&pfx(&good, &[], "pw"), Role::Management);
    assert_eq!(r.verdict, Verdict::Usable, "{:?}", codes(&r));
    assert!(has(
        &inspect(&good.cert, Role::Management),
        "no_private_key",
        Severity::Error
    ));
    let mut spec = Spec::service("mgmt.contoso.com");
    spec.key = KeyKind::Rsa1024;
    assert!(has(
        &inspect(&pfx(&make(&spec), &[], "pw"), Role::Management),
        "rsa_key_too_small",
        Severity::Error
    ));
    let mut spec = Spec::service("mgmt.contoso.com");
    spec.not_after = OffsetDateTime::now_utc() - Duration::days(1);
    spec.not_before = OffsetDateTime::now_utc() - Duration::days(100);
    assert!(has(
        &inspect(&pfx(&make(&spec), &[], "pw"), Role::Management),
        "expired",
        Severity::Error
    ));
    // Service-only rules do not apply to a management certificate.
    let mut spec = Spec::service("mgmt");
    spec.eku = None;
    let r = inspect(&pfx(&make(&spec), &[], "pw"), Role::Management);
    assert!(
        !codes(&r)
            .iter()
            .any(|c| *c == "missing_server_auth_eku" || *c == "cn_not_fqdn"),
        "{:?}",
        codes(&r)
    );
}

#[test]
fn trusted_root_rules() {
    let root = root_ca();
    let r = inspect(&root.cert, Role::TrustedRoot);
    assert_eq!(r.verdict, Verdict::Usable, "{:?}", codes(&r));
    assert!(r.certificates[0].is_ca);
    let leaf = make(&Spec::service("a.contoso.com"));
    assert!(has(
        &inspect(&leaf.cert, Role::TrustedRoot),
        "not_ca",
        Severity::Error
    ));
    // A private key is not needed, and its presence is only noted.
    let mut spec = Spec::service("Intermediate");
    spec.is_ca = true;
    let inter = make(&spec);
    let r = inspect(&pfx(&inter, &[], "pw"), Role::TrustedRoot);
    assert!(has(&r, "private_key_present", Severity::Info));
    assert!(has(&r, "intermediate_ca", Severity::Info));
    assert_eq!(r.verdict, Verdict::Usable);
}

#[test]
fn no_certificate_at_all_is_an_error_for_every_role() {
    let made = make(&Spec::service("a.contoso.com"));
    let mut spec = cloudsite::cert::pkcs12_write::PfxSpec::modern("pw");
    spec.iterations = 10;
    spec.key = Some((made.key, Default::default()));
    let bytes = cloudsite::cert::pkcs12_write::write(&spec);
    for role in [Role::Service, Role::Management, Role::TrustedRoot] {
        let r = inspect(&bytes, role);
        assert!(has(&r, "no_certificate", Severity::Error), "{role:?}");
        assert_eq!(r.verdict.exit_code(), 1);
    }
}

#[test]
fn without_a_role_only_general_rules_apply() {
    let mut spec = Spec::service("clouddp1");
    spec.eku = None;
    let made = make(&spec);
    let r = cert::inspect(&made.cert, &Options::new());
    assert_eq!(r.role, None);
    assert_eq!(codes(&r), Vec::<&str>::new());
    assert_eq!(r.verdict.exit_code(), 0);
}
