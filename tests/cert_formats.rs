//! Every input kind the inspector must read: PKCS#12 as OpenSSL 3, `-legacy`, Windows (null
//! password), chains, certificate-only, key-only, no MAC, BER, Unicode names; X.509 DER/PEM,
//! bundles, PEM with text around it, PKCS#7; encrypted keys; v1 and v2 `.publishsettings`.

mod common;

use cloudsite::cert::ber::{Class, Reader};
use cloudsite::cert::pbe::{PasswordForm, WriteScheme};
use cloudsite::cert::pkcs12_write::{self, Attrs, MacChoice, PfxSpec};
use cloudsite::cert::{self, ErrorKind, Options, Report, Role, Verdict};
use common::{Spec, fixture, make, pem, root_ca};
use time::macros::datetime;

const LEAF_SHA1: &str = "A76881F322EA53D45AC0D68D86183AEF3E3A0026";
const ROOT_SHA1: &str = "DD8507559CB12635273D01E532B1341E667BB544";

/// Options judging validity on a date inside the OpenSSL fixtures' validity.
fn at_fixture_time(password: &str) -> Options {
    let mut o = Options::new().password(password).role(Some(Role::Service));
    o.now = datetime!(2027-01-01 00:00 UTC);
    o
}

fn open_fixture(name: &str, password: &str) -> Report {
    cert::inspect_file(
        &fixture(&format!("openssl/{name}")),
        &at_fixture_time(password),
    )
}

fn leaf_sha1(r: &Report) -> &str {
    &r.leaf_cert().expect("leaf").sha1_thumbprint
}

#[test]
fn openssl3_default_pfx_with_chain_and_unicode_name() {
    let r = open_fixture("modern-chain.pfx", "Secret1");
    assert!(r.ok, "{:?}", r.error);
    assert_eq!(r.format, Some("pkcs12"));
    assert_eq!(r.certificates.len(), 2);
    assert_eq!(leaf_sha1(&r), LEAF_SHA1);
    assert_eq!(r.certificates[1].sha1_thumbprint, ROOT_SHA1);
    assert_eq!(
        r.certificates[0].friendly_name.as_deref(),
        Some("clouddp1 ☁ ü")
    );
    assert_eq!(
        r.leaf_cert().unwrap().subject_cn.as_deref(),
        Some("clouddp1.contoso.com")
    );
    let p = r.protection.as_ref().unwrap();
    assert!(
        p.mac.as_deref().unwrap().starts_with("HMAC-SHA-256"),
        "{p:?}"
    );
    assert!(
        p.encryption.iter().all(|e| e.contains("AES-256-CBC")),
        "{p:?}"
    );
    assert_eq!(r.verdict, Verdict::Usable, "{:?}", r.findings);
}

#[test]
fn openssl_legacy_pfx() {
    let r = open_fixture("legacy.pfx", "Secret1");
    assert!(r.ok, "{:?}", r.error);
    assert_eq!(leaf_sha1(&r), LEAF_SHA1);
    let p = r.protection.as_ref().unwrap();
    assert!(
        p.mac.as_deref().unwrap().starts_with("HMAC-SHA-1 "),
        "{p:?}"
    );
    assert!(p.encryption.iter().any(|e| e.contains("40BitRC2")), "{p:?}");
    assert!(
        p.encryption.iter().any(|e| e.contains("3-KeyTripleDES")),
        "{p:?}"
    );
}

#[test]
fn openssl_pfx_variants_open_with_their_passwords() {
    for (file, pw, has_key, certs) in [
        ("nomac.pfx", "Secret1", true, 1),
        ("empty-password.pfx", "", true, 1),
        ("no-encryption.pfx", "", true, 1),
        ("cert-only.pfx", "Secret1", false, 1),
        ("key-only.pfx", "Secret1", true, 0),
        ("sha512-aes128-3des.pfx", "Secret1", true, 1),
        ("camellia256.pfx", "Secret1", true, 1),
    ] {
        let r = open_fixture(file, pw);
        assert!(r.ok, "{file}: {:?}", r.error);
        assert_eq!(r.has_private_key, has_key, "{file}");
        assert_eq!(r.certificates.len(), certs, "{file}");
        if certs > 0 {
            assert_eq!(leaf_sha1(&r), LEAF_SHA1, "{file}");
        } else {
            assert_eq!(r.leaf, None);
        }
    }
    assert_eq!(
        open_fixture("nomac.pfx", "Secret1").protection.unwrap().mac,
        None
    );
    assert!(
        open_fixture("sha512-aes128-3des.pfx", "Secret1")
            .protection
            .unwrap()
            .mac
            .unwrap()
            .contains("SHA-512")
    );
}

#[test]
fn wrong_password_is_reported_as_such_for_every_protection() {
    for file in [
        "modern-chain.pfx",
        "legacy.pfx",
        "nomac.pfx",
        "cert-only.pfx",
        "key-only.pfx",
        "empty-password.pfx",
    ] {
        let r = open_fixture(file, "not-the-password");
        assert!(!r.ok, "{file}");
        assert_eq!(
            r.error.as_ref().unwrap().kind,
            ErrorKind::WrongPassword,
            "{file}: {:?}",
            r.error
        );
        assert_eq!(r.verdict.exit_code(), 2);
    }
    // An empty password on a protected file is a wrong password too, not a malformed file.
    let r = open_fixture("modern-chain.pfx", "");
    assert_eq!(r.error.unwrap().kind, ErrorKind::WrongPassword);
}

#[test]
fn unencrypted_pfx_opens_whatever_the_password() {
    let r = open_fixture("no-encryption.pfx", "anything");
    assert!(r.ok, "{:?}", r.error);
    assert_eq!(r.protection.unwrap().password_form, "none");
}

#[test]
fn x509_der_pem_bundle_p7b_and_pem_with_text() {
    let r = open_fixture("leaf.cer", "");
    assert_eq!((r.format, leaf_sha1(&r)), (Some("x509-der"), LEAF_SHA1));
    let r = open_fixture("root-ca.crt", "");
    assert_eq!((r.format, leaf_sha1(&r)), (Some("pem"), ROOT_SHA1));
    let r = open_fixture("chain.p7b", "");
    assert_eq!(r.format, Some("pem"));
    assert_eq!(r.certificates.len(), 2);
    let r = open_fixture("with-text.pem", "");
    assert!(r.ok, "{:?}", r.error);
    assert_eq!(r.certificates.len(), 2);
    assert!(r.has_private_key);
    assert_eq!(leaf_sha1(&r), LEAF_SHA1);
    assert!(r.leaf_cert().unwrap().matches_private_key);
}

#[test]
fn pem_bundle_and_der_p7b_and_headerless_base64() {
    let leaf = make(&Spec::service("a.contoso.com"));
    let root = root_ca();
    let text = format!(
        "issued today\n{}some notes\n{}\nend of file\n",
        pem("CERTIFICATE", &leaf.cert),
        pem("CERTIFICATE", &root.cert)
    );
    let r = cert::inspect(text.as_bytes(), &Options::new());
    assert!(r.ok, "{:?}", r.error);
    assert_eq!(r.certificates.len(), 2);
    assert_eq!(
        r.certificates[1].subject_cn.as_deref(),
        Some("cloudsite Test Root CA")
    );

    let p7b = std::fs::read(fixture("openssl/chain.p7b")).unwrap();
    let der = cert::pem::blocks(&p7b).unwrap()[0].der.clone();
    let r = cert::inspect(&der, &Options::new());
    assert_eq!((r.format, r.certificates.len()), (Some("pkcs7"), 2));

    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&leaf.cert);
    let r = cert::inspect(b64.as_bytes(), &Options::new());
    assert_eq!(r.format, Some("x509-der"), "{:?}", r.error);
}

#[test]
fn encrypted_private_keys_in_pem() {
    for file in ["encrypted-pkcs8.key", "legacy-encrypted-rsa.key"] {
        let r = open_fixture(file, "Secret1");
        assert!(r.ok, "{file}: {:?}", r.error);
        assert_eq!(r.private_key.as_ref().unwrap().bits, Some(2048));
        let r = open_fixture(file, "wrong");
        assert_eq!(r.error.unwrap().kind, ErrorKind::WrongPassword, "{file}");
    }
}

fn spec_with(made: &common::Made, password: &str) -> PfxSpec {
    let mut s = PfxSpec::modern(password);
    s.iterations = 100;
    s.key = Some((
        made.key.clone(),
        Attrs {
            friendly_name: None,
            local_key_id: Some(vec![9]),
        },
    ));
    s.certs.push((
        made.cert.clone(),
        Attrs {
            friendly_name: Some("Zertifikat für Größe 证书".into()),
            local_key_id: Some(vec![9]),
        },
    ));
    s
}

#[test]
fn windows_null_password_and_empty_password_both_open_with_empty() {
    let made = make(&Spec::service("a.contoso.com"));
    for (form, expect) in [(PasswordForm::Null, "null"), (PasswordForm::Given, "empty")] {
        for legacy in [false, true] {
            let mut s = spec_with(&made, "");
            if legacy {
                s.cert_scheme = WriteScheme::Pkcs12Rc2_40;
                s.key_scheme = WriteScheme::Pkcs12TripleDes;
                s.mac = MacChoice::Sha1;
            }
            s.password_form = form;
            let r = cert::inspect(&pkcs12_write::write(&s), &Options::new());
            assert!(r.ok, "{form:?} legacy={legacy}: {:?}", r.error);
            assert_eq!(r.protection.unwrap().password_form, expect);
            assert_eq!(
                r.certificates[0].friendly_name.as_deref(),
                Some("Zertifikat für Größe 证书")
            );
        }
    }
}

#[test]
fn null_password_file_without_mac_opens_with_empty() {
    let made = make(&Spec::service("a.contoso.com"));
    let mut s = spec_with(&made, "");
    s.password_form = PasswordForm::Null;
    s.mac = MacChoice::None;
    s.key_scheme = WriteScheme::Pkcs12TripleDes;
    let r = cert::inspect(&pkcs12_write::write(&s), &Options::new());
    assert!(r.ok, "{:?}", r.error);
    assert!(r.has_private_key);
}

#[test]
fn non_ascii_passwords() {
    let made = make(&Spec::service("a.contoso.com"));
    for s in [spec_with(&made, "pässwörd€"), {
        let mut l = spec_with(&made, "pässwörd€");
        l.cert_scheme = WriteScheme::Pkcs12Rc2_40;
        l.key_scheme = WriteScheme::Pkcs12TripleDes;
        l.mac = MacChoice::Sha1;
        l
    }] {
        let bytes = pkcs12_write::write(&s);
        assert!(cert::inspect(&bytes, &Options::new().password("pässwörd€")).ok);
        assert_eq!(
            cert::inspect(&bytes, &Options::new().password("passwort"))
                .error
                .unwrap()
                .kind,
            ErrorKind::WrongPassword
        );
    }
}

#[test]
fn plain_key_bag_and_leaf_found_by_key_not_position() {
    let root = root_ca();
    let leaf = make(&Spec::service("b.contoso.com"));
    let mut s = PfxSpec::modern("pw");
    s.iterations = 50;
    s.key_scheme = WriteScheme::None;
    s.key = Some((leaf.key.clone(), Attrs::default()));
    // Root first, leaf second, no localKeyId: the key must still pick the leaf.
    s.certs.push((root.cert.clone(), Attrs::default()));
    s.certs.push((leaf.cert.clone(), Attrs::default()));
    let r = cert::inspect(
        &pkcs12_write::write(&s),
        &Options::new().password("pw").role(Some(Role::Service)),
    );
    assert!(r.ok, "{:?}", r.error);
    assert_eq!(r.leaf, Some(1));
    assert_eq!(r.service_fqdn.as_deref(), Some("b.contoso.com"));
}

/// Re-encodes DER as BER the way Java and old Windows write PFX: indefinite lengths on every
/// constructed element and OCTET STRINGs split into constructed segments.
fn to_ber(der: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut r = Reader::new(der);
    while !r.is_empty() {
        let el = r.next_element().unwrap();
        let header_byte = el.raw[0];
        if el.constructed {
            out.push(header_byte);
            out.push(0x80);
            out.extend(to_ber(el.content));
            out.extend([0, 0]);
        } else if el.class == Class::Universal && el.tag == 4 && el.content.len() > 16 {
            out.extend([0x24, 0x80]);
            for chunk in el.content.chunks(16) {
                out.extend(cloudsite::cert::ber::write::octets(chunk));
            }
            out.extend([0, 0]);
        } else {
            out.extend_from_slice(el.raw);
        }
    }
    out
}

#[test]
fn ber_encoded_pfx_opens() {
    let made = make(&Spec::service("a.contoso.com"));
    let der = pkcs12_write::write(&spec_with(&made, "pw"));
    let ber = to_ber(&der);
    assert_ne!(ber, der);
    let r = cert::inspect(&ber, &Options::new().password("pw"));
    assert!(r.ok, "{:?}", r.error);
    assert_eq!(r.certificates.len(), 1);
    assert_eq!(
        cert::inspect(&ber, &Options::new().password("x"))
            .error
            .unwrap()
            .kind,
        ErrorKind::WrongPassword
    );
}

fn publishsettings(pfx: &[u8], v2: bool) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(pfx);
    if v2 {
        format!(
            "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<PublishData>\n  <PublishProfile SchemaVersion=\"2.0\" PublishMethod=\"AzureServiceManagementAPI\">\n    <Subscription ServiceManagementUrl=\"https://management.core.windows.net\" Id=\"3f2504e0-4f89-11d3-9a0c-0305e82c3301\" Name=\"Lab\" ManagementCertificate=\"{b64}\" />\n    <Subscription ServiceManagementUrl=\"https://management.core.windows.net\" Id=\"not-a-guid\" Name=\"Other\" ManagementCertificate=\"{b64}\" />\n  </PublishProfile>\n</PublishData>\n"
        )
    } else {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<PublishData>\n  <PublishProfile PublishMethod=\"AzureServiceManagementAPI\" Url=\"https://management.core.windows.net/\" ManagementCertificate=\"{b64}\">\n    <Subscription Id=\"3f2504e0-4f89-11d3-9a0c-0305e82c3301\" Name=\"Lab\" />\n  </PublishProfile>\n</PublishData>\n"
        )
    }
}

#[test]
fn publishsettings_v1_and_v2() {
    let made = make(&Spec::service("mgmt.contoso.com"));
    let mut s = spec_with(&made, "");
    s.password_form = PasswordForm::Given;
    let pfx = pkcs12_write::write(&s);
    let r = cert::inspect(publishsettings(&pfx, false).as_bytes(), &Options::new());
    assert!(r.ok, "{:?}", r.error);
    assert_eq!(r.format, Some("publishsettings"));
    assert_eq!(r.role, Some(Role::Management));
    let subs = r.subscriptions.as_ref().unwrap();
    assert_eq!(subs[0].id, "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
    assert_eq!(
        subs[0].service_management_url.as_deref(),
        Some("https://management.core.windows.net/")
    );
    assert!(r.has_private_key);
    assert_eq!(r.verdict, Verdict::Usable, "{:?}", r.findings);

    let r = cert::inspect(publishsettings(&pfx, true).as_bytes(), &Options::new());
    assert!(r.ok, "{:?}", r.error);
    assert_eq!(r.subscriptions.as_ref().unwrap().len(), 2);
    assert_eq!(
        r.certificates.len(),
        1,
        "the same certificate is listed once"
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.code == "subscription_id_invalid")
    );
}

#[test]
fn unreadable_inputs_say_why() {
    let cases: Vec<(Vec<u8>, ErrorKind)> = vec![
        (Vec::new(), ErrorKind::Malformed),
        (
            b"hello world, not a certificate".to_vec(),
            ErrorKind::Malformed,
        ),
        (vec![0x30, 0x82, 0x10, 0x00, 0x02], ErrorKind::Malformed),
        (
            b"-----BEGIN CERTIFICATE REQUEST-----\nAQID\n-----END CERTIFICATE REQUEST-----\n"
                .to_vec(),
            ErrorKind::Unsupported,
        ),
        (
            b"<PublishData><PublishProfile/></PublishData>".to_vec(),
            ErrorKind::Malformed,
        ),
    ];
    for (bytes, kind) in cases {
        let r = cert::inspect(&bytes, &Options::new());
        assert!(!r.ok);
        assert_eq!(
            r.error.as_ref().unwrap().kind,
            kind,
            "{:?}",
            String::from_utf8_lossy(&bytes)
        );
        assert_eq!(r.verdict, Verdict::Unreadable);
    }
    let missing = cert::inspect_file(std::path::Path::new("/nonexistent/x.pfx"), &Options::new());
    assert_eq!(missing.error.unwrap().kind, ErrorKind::Io);
}

#[test]
fn absurd_iteration_counts_are_refused_not_run() {
    let made = make(&Spec::service("a.contoso.com"));
    let mut s = spec_with(&made, "pw");
    s.iterations = 20_000;
    let bytes = pkcs12_write::write(&s);
    let mut o = Options::new().password("pw");
    o.max_iterations = 10_000;
    let r = cert::inspect(&bytes, &o);
    assert_eq!(r.error.unwrap().kind, ErrorKind::Unsupported);
}

#[test]
fn truncations_and_bit_flips_never_panic() {
    let made = make(&Spec::service("a.contoso.com"));
    let bytes = pkcs12_write::write(&spec_with(&made, "pw"));
    let opts = Options::new().password("pw");
    for len in (0..bytes.len()).step_by(7) {
        let r = cert::inspect(&bytes[..len], &opts);
        assert!(!r.ok || len == bytes.len());
    }
    for i in (0..bytes.len()).step_by(13) {
        let mut b = bytes.clone();
        b[i] ^= 0x5a;
        let r = cert::inspect(&b, &opts);
        if let Some(e) = r.error {
            assert!(matches!(
                e.kind,
                ErrorKind::WrongPassword | ErrorKind::Malformed | ErrorKind::Unsupported
            ));
        }
    }
}

#[test]
fn certificates_strict_parsers_refuse_are_still_read() {
    // BER lengths inside a certificate: x509-parser (DER only) refuses it, OpenSSL reads it.
    let made = make(&Spec::service("lenient.contoso.com"));
    let ber_cert = to_ber(&made.cert);
    let r = cert::inspect(&ber_cert, &Options::new().role(Some(Role::Service)));
    assert!(r.ok, "{:?}", r.error);
    let c = &r.certificates[0];
    assert_eq!(c.subject_cn.as_deref(), Some("lenient.contoso.com"));
    assert_eq!(c.issuer_cn.as_deref(), Some("cloudsite Test Root CA"));
    assert_eq!(c.dns_names, vec!["lenient.contoso.com"]);
    assert_eq!(
        c.eku.as_deref(),
        Some(&["1.3.6.1.5.5.7.3.1".to_string()][..])
    );
    assert_eq!((c.version, c.key_bits), (3, Some(2048)));
    assert_eq!(c.signature_algorithm, "sha256WithRSAEncryption");
    assert!(r.findings.iter().any(|f| f.code == "no_private_key"));
}

#[test]
fn java_keytool_and_python_cryptography_files() {
    for (file, pw, key, sha1) in [
        (
            "java-keystore.p12",
            "Secret1",
            true,
            "682B4250F41A495625C3A7B386BD8BD7257841C4",
        ),
        ("java-truststore.p12", "Secret1", false, ROOT_SHA1),
        (
            "java-legacy.p12",
            "Secret1",
            true,
            "7CD79159F3633A49209074D1E9D96CF42AC05FA3",
        ),
        ("py-noenc.p12", "", true, LEAF_SHA1),
    ] {
        let r = cert::inspect_file(&fixture(&format!("other/{file}")), &at_fixture_time(pw));
        assert!(r.ok, "{file}: {:?}", r.error);
        assert_eq!(r.has_private_key, key, "{file}");
        assert_eq!(leaf_sha1(&r), sha1, "{file}");
        if key {
            assert!(r.leaf_cert().unwrap().matches_private_key, "{file}");
        }
        let wrong =
            cert::inspect_file(&fixture(&format!("other/{file}")), &at_fixture_time("nope"));
        assert_eq!(
            wrong.error.map(|e| e.kind),
            Some(ErrorKind::WrongPassword),
            "{file}"
        );
    }
}
