//! Object identifiers (dotted form) used by the certificate readers and rules.

/// PKCS#7 data.
pub(crate) const DATA: &str = "1.2.840.113549.1.7.1";
/// PKCS#7 signedData.
pub(crate) const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
/// PKCS#7 envelopedData.
pub(crate) const ENVELOPED_DATA: &str = "1.2.840.113549.1.7.3";
/// PKCS#7 encryptedData.
pub(crate) const ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";

/// PKCS#12 bag types.
pub(crate) const KEY_BAG: &str = "1.2.840.113549.1.12.10.1.1";
/// PKCS#12 shrouded (encrypted) key bag.
pub(crate) const SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
/// PKCS#12 certificate bag.
pub(crate) const CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
/// PKCS#12 nested safe contents.
pub(crate) const SAFE_CONTENTS_BAG: &str = "1.2.840.113549.1.12.10.1.6";
/// Certificate type inside a cert bag: X.509.
pub(crate) const X509_CERTIFICATE: &str = "1.2.840.113549.1.9.22.1";
/// Attribute: friendly name (BMPString).
pub(crate) const FRIENDLY_NAME: &str = "1.2.840.113549.1.9.20";
/// Attribute: local key id.
pub(crate) const LOCAL_KEY_ID: &str = "1.2.840.113549.1.9.21";

/// PKCS#12 password-based encryption schemes (SHA-1 KDF).
pub(crate) const PBE_SHA1_RC4_128: &str = "1.2.840.113549.1.12.1.1";
/// pbeWithSHAAnd40BitRC4
pub(crate) const PBE_SHA1_RC4_40: &str = "1.2.840.113549.1.12.1.2";
/// pbeWithSHAAnd3-KeyTripleDES-CBC
pub(crate) const PBE_SHA1_3DES: &str = "1.2.840.113549.1.12.1.3";
/// pbeWithSHAAnd2-KeyTripleDES-CBC
pub(crate) const PBE_SHA1_2DES: &str = "1.2.840.113549.1.12.1.4";
/// pbeWithSHAAnd128BitRC2-CBC
pub(crate) const PBE_SHA1_RC2_128: &str = "1.2.840.113549.1.12.1.5";
/// pbeWithSHAAnd40BitRC2-CBC
pub(crate) const PBE_SHA1_RC2_40: &str = "1.2.840.113549.1.12.1.6";

/// PKCS#5 v1.5 schemes (PBKDF1).
pub(crate) const PBE_MD5_DES: &str = "1.2.840.113549.1.5.3";
/// pbeWithMD5AndRC2-CBC
pub(crate) const PBE_MD5_RC2: &str = "1.2.840.113549.1.5.6";
/// pbeWithSHA1AndDES-CBC
pub(crate) const PBE_SHA1_DES: &str = "1.2.840.113549.1.5.10";
/// pbeWithSHA1AndRC2-CBC
pub(crate) const PBE_SHA1_RC2: &str = "1.2.840.113549.1.5.11";
/// PBES2.
pub(crate) const PBES2: &str = "1.2.840.113549.1.5.13";
/// PBKDF2.
pub(crate) const PBKDF2: &str = "1.2.840.113549.1.5.12";
/// PBMAC1 (RFC 9579).
pub(crate) const PBMAC1: &str = "1.2.840.113549.1.5.14";

/// HMAC PRFs.
pub(crate) const HMAC_SHA1: &str = "1.2.840.113549.2.7";
/// hmacWithSHA224
pub(crate) const HMAC_SHA224: &str = "1.2.840.113549.2.8";
/// hmacWithSHA256
pub(crate) const HMAC_SHA256: &str = "1.2.840.113549.2.9";
/// hmacWithSHA384
pub(crate) const HMAC_SHA384: &str = "1.2.840.113549.2.10";
/// hmacWithSHA512
pub(crate) const HMAC_SHA512: &str = "1.2.840.113549.2.11";

/// Ciphers for PBES2.
pub(crate) const AES128_CBC: &str = "2.16.840.1.101.3.4.1.2";
/// aes192-CBC
pub(crate) const AES192_CBC: &str = "2.16.840.1.101.3.4.1.22";
/// aes256-CBC
pub(crate) const AES256_CBC: &str = "2.16.840.1.101.3.4.1.42";
/// camellia128-cbc
pub(crate) const CAMELLIA128_CBC: &str = "1.2.392.200011.61.1.1.1.2";
/// camellia192-cbc
pub(crate) const CAMELLIA192_CBC: &str = "1.2.392.200011.61.1.1.1.3";
/// camellia256-cbc
pub(crate) const CAMELLIA256_CBC: &str = "1.2.392.200011.61.1.1.1.4";
/// des-ede3-cbc
pub(crate) const DES_EDE3_CBC: &str = "1.2.840.113549.3.7";
/// desCBC
pub(crate) const DES_CBC: &str = "1.3.14.3.2.7";
/// rc2CBC
pub(crate) const RC2_CBC: &str = "1.2.840.113549.3.2";

/// Digests.
pub(crate) const MD5: &str = "1.2.840.113549.2.5";
/// sha1
pub(crate) const SHA1: &str = "1.3.14.3.2.26";
/// sha256
pub(crate) const SHA256: &str = "2.16.840.1.101.3.4.2.1";
/// sha384
pub(crate) const SHA384: &str = "2.16.840.1.101.3.4.2.2";
/// sha512
pub(crate) const SHA512: &str = "2.16.840.1.101.3.4.2.3";
/// sha224
pub(crate) const SHA224: &str = "2.16.840.1.101.3.4.2.4";

/// Key algorithms.
pub(crate) const RSA: &str = "1.2.840.113549.1.1.1";
/// RSASSA-PSS keys.
pub(crate) const RSA_PSS: &str = "1.2.840.113549.1.1.10";
/// id-ecPublicKey
pub(crate) const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
/// DSA
pub(crate) const DSA: &str = "1.2.840.10040.4.1";
/// Ed25519
pub(crate) const ED25519: &str = "1.3.101.112";
/// Ed448
pub(crate) const ED448: &str = "1.3.101.113";
/// X25519
pub(crate) const X25519: &str = "1.3.101.110";
/// X448
pub(crate) const X448: &str = "1.3.101.111";

/// Extended key usages.
pub(crate) const EKU_SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
/// clientAuth
pub(crate) const EKU_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
/// anyExtendedKeyUsage
pub(crate) const EKU_ANY: &str = "2.5.29.37.0";

/// A readable name for a known OID (OpenSSL's names), else the dotted form.
pub(crate) fn name(oid: &str) -> String {
    let n = match oid {
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption",
        "1.2.840.113549.1.1.3" => "md4WithRSAEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.3.14.3.2.29" => "sha1WithRSA",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.3" => "dsaWithSHA1",
        "2.16.840.1.101.3.4.3.2" => "dsa_with_SHA256",
        "1.3.101.112" => "ED25519",
        "1.3.101.113" => "ED448",
        EKU_SERVER_AUTH => "serverAuth",
        EKU_CLIENT_AUTH => "clientAuth",
        "1.3.6.1.5.5.7.3.3" => "codeSigning",
        "1.3.6.1.5.5.7.3.4" => "emailProtection",
        "1.3.6.1.5.5.7.3.8" => "timeStamping",
        "1.3.6.1.5.5.7.3.9" => "OCSPSigning",
        EKU_ANY => "anyExtendedKeyUsage",
        PBE_SHA1_RC4_128 => "pbeWithSHA1And128BitRC4",
        PBE_SHA1_RC4_40 => "pbeWithSHA1And40BitRC4",
        PBE_SHA1_3DES => "pbeWithSHA1And3-KeyTripleDES-CBC",
        PBE_SHA1_2DES => "pbeWithSHA1And2-KeyTripleDES-CBC",
        PBE_SHA1_RC2_128 => "pbeWithSHA1And128BitRC2-CBC",
        PBE_SHA1_RC2_40 => "pbeWithSHA1And40BitRC2-CBC",
        PBE_MD5_DES => "pbeWithMD5AndDES-CBC",
        PBE_MD5_RC2 => "pbeWithMD5AndRC2-CBC",
        PBE_SHA1_DES => "pbeWithSHA1AndDES-CBC",
        PBE_SHA1_RC2 => "pbeWithSHA1AndRC2-CBC",
        PBES2 => "PBES2",
        PBMAC1 => "PBMAC1",
        AES128_CBC => "AES-128-CBC",
        AES192_CBC => "AES-192-CBC",
        AES256_CBC => "AES-256-CBC",
        CAMELLIA128_CBC => "CAMELLIA-128-CBC",
        CAMELLIA192_CBC => "CAMELLIA-192-CBC",
        CAMELLIA256_CBC => "CAMELLIA-256-CBC",
        DES_EDE3_CBC => "DES-EDE3-CBC",
        DES_CBC => "DES-CBC",
        RC2_CBC => "RC2-CBC",
        MD5 => "md5",
        SHA1 => "sha1",
        SHA224 => "sha224",
        SHA256 => "sha256",
        SHA384 => "sha384",
        SHA512 => "sha512",
        HMAC_SHA1 => "hmacWithSHA1",
        HMAC_SHA224 => "hmacWithSHA224",
        HMAC_SHA256 => "hmacWithSHA256",
        HMAC_SHA384 => "hmacWithSHA384",
        HMAC_SHA512 => "hmacWithSHA512",
        _ => return oid.to_string(),
    };
    n.to_string()
}
