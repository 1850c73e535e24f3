//! Certificate files: read .pfx/.p12, .cer/.crt/.pem and .publishsettings, report facts and findings.
