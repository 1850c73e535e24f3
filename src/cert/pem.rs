//! PEM: finds `-----BEGIN X-----` blocks anywhere in a text (text around them is ignored).

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

/// One PEM block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The label, e.g. `CERTIFICATE`.
    pub label: String,
    /// RFC 1421 headers (`Proc-Type`, `DEK-Info`) of legacy encrypted keys.
    pub headers: Vec<(String, String)>,
    /// The decoded body.
    pub der: Vec<u8>,
}

/// Base64 that accepts missing padding, as OpenSSL does.
pub const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// PEM armour for `der` under `label`, 64 columns, trailing newline.
pub fn encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// True if the bytes contain a PEM header.
pub fn looks_like_pem(data: &[u8]) -> bool {
    data.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Decodes base64 text, ignoring whitespace.
pub fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    LENIENT_BASE64.decode(&compact).ok()
}

/// Every block in `data`. A block with a broken body or no END line is an error.
pub fn blocks(data: &[u8]) -> Result<Vec<Block>, String> {
    let mut out = Vec::new();
    let mut lines = data.split(|b| *b == b'\n').map(|l| l.trim_ascii());
    while let Some(line) = lines.next() {
        let Some(label) = line
            .strip_prefix(b"-----BEGIN ")
            .and_then(|l| l.strip_suffix(b"-----"))
        else {
            continue;
        };
        let label = String::from_utf8_lossy(label).into_owned();
        let end = format!("-----END {label}-----");
        let mut headers = Vec::new();
        let mut body = Vec::new();
        let mut closed = false;
        let mut in_headers = true;
        for l in lines.by_ref() {
            if l == end.as_bytes() {
                closed = true;
                break;
            }
            if in_headers {
                if let Some(colon) = l.iter().position(|b| *b == b':') {
                    let k = String::from_utf8_lossy(&l[..colon]).trim().to_string();
                    let v = String::from_utf8_lossy(&l[colon + 1..]).trim().to_string();
                    headers.push((k, v));
                    continue;
                }
                in_headers = false;
                if l.is_empty() {
                    continue;
                }
            }
            body.extend_from_slice(l);
        }
        if !closed {
            return Err(format!("the PEM block '{label}' has no END line"));
        }
        let der = decode_base64(&body)
            .ok_or_else(|| format!("the PEM block '{label}' is not valid base64"))?;
        out.push(Block {
            label,
            headers,
            der,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_blocks_between_other_text() {
        let text = b"Bag Attributes\n  friendlyName: x\nsubject=CN=a\n-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\ntrailer\n-----BEGIN RSA PRIVATE KEY-----\r\nProc-Type: 4,ENCRYPTED\r\nDEK-Info: AES-256-CBC,00\r\n\r\nBAUG\r\n-----END RSA PRIVATE KEY-----\r\n";
        let b = blocks(text).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].label, "CERTIFICATE");
        assert_eq!(b[0].der, vec![1, 2, 3]);
        assert_eq!(
            b[1].headers[0],
            ("Proc-Type".to_string(), "4,ENCRYPTED".to_string())
        );
        assert_eq!(b[1].der, vec![4, 5, 6]);
    }

    #[test]
    fn encode_round_trips() {
        let der: Vec<u8> = (0..200u8).collect();
        let text = encode("CERTIFICATE", &der);
        assert!(text.lines().all(|l| l.len() <= 64));
        assert_eq!(blocks(text.as_bytes()).unwrap()[0].der, der);
    }

    #[test]
    fn broken_blocks_are_errors() {
        assert!(blocks(b"-----BEGIN CERTIFICATE-----\nAQID\n").is_err());
        assert!(blocks(b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n").is_err());
    }
}
