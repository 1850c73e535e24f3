//! A small, defensive BER/DER reader: enough ASN.1 for PKCS#12, PKCS#8 and PKCS#7.
//!
//! Real PFX files are often BER, not DER (indefinite lengths, constructed OCTET STRINGs from
//! Java and older Windows), so strict DER parsers reject files OpenSSL opens. Every read is
//! bounds-checked and nesting is capped, so no input can panic or exhaust the stack.

use std::borrow::Cow;

/// A structural problem in the encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ASN.1: {0}")]
pub struct BerError(pub String);

/// Result of a BER read.
pub type BerResult<T> = Result<T, BerError>;

fn err<T>(msg: impl Into<String>) -> BerResult<T> {
    Err(BerError(msg.into()))
}

/// Deepest nesting accepted; real files stay far below it.
const MAX_DEPTH: usize = 48;

/// ASN.1 tag class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Universal (built-in types).
    Universal,
    /// Application-specific.
    Application,
    /// Context-specific (`[n]`).
    Context,
    /// Private.
    Private,
}

/// Universal tag numbers used here.
pub mod tag {
    /// BOOLEAN
    pub const BOOLEAN: u32 = 1;
    /// INTEGER
    pub const INTEGER: u32 = 2;
    /// BIT STRING
    pub const BIT_STRING: u32 = 3;
    /// OCTET STRING
    pub const OCTET_STRING: u32 = 4;
    /// NULL
    pub const NULL: u32 = 5;
    /// OBJECT IDENTIFIER
    pub const OID: u32 = 6;
    /// UTF8String
    pub const UTF8_STRING: u32 = 12;
    /// SEQUENCE
    pub const SEQUENCE: u32 = 16;
    /// SET
    pub const SET: u32 = 17;
    /// BMPString
    pub const BMP_STRING: u32 = 30;
}

/// One element: its tag, its content octets and its whole encoding.
#[derive(Debug, Clone, Copy)]
pub struct Element<'a> {
    /// Tag class.
    pub class: Class,
    /// Constructed (holds elements) or primitive (holds octets).
    pub constructed: bool,
    /// Tag number.
    pub tag: u32,
    /// Content octets (for indefinite length: up to, not including, the end-of-contents).
    pub content: &'a [u8],
    /// The whole encoding: header, content and any end-of-contents.
    pub raw: &'a [u8],
    depth: usize,
}

/// A cursor over consecutive elements (the content of a SEQUENCE, SET, or a whole file).
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    depth: usize,
}

impl<'a> Reader<'a> {
    /// A reader over top-level elements in `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, depth: 0 }
    }

    /// True when every element has been read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.data
    }

    /// Reads the next element.
    pub fn next_element(&mut self) -> BerResult<Element<'a>> {
        let (el, used) = parse_element(self.data, self.depth)?;
        self.data = &self.data[used..];
        Ok(el)
    }

    /// Reads the next element if it has the given class and tag number.
    pub fn next_if(&mut self, class: Class, tag: u32) -> BerResult<Option<Element<'a>>> {
        if self.data.is_empty() {
            return Ok(None);
        }
        let (el, used) = parse_element(self.data, self.depth)?;
        if el.class == class && el.tag == tag {
            self.data = &self.data[used..];
            Ok(Some(el))
        } else {
            Ok(None)
        }
    }

    /// Reads the next element, which must be a universal `tag` (`what` names it in errors).
    pub fn expect(&mut self, tag: u32, what: &str) -> BerResult<Element<'a>> {
        if self.data.is_empty() {
            return err(format!("{what} is missing"));
        }
        let el = self.next_element()?;
        el.expect(tag, what)?;
        Ok(el)
    }
}

impl<'a> Element<'a> {
    /// Fails unless this is a universal element with tag number `tag`.
    pub fn expect(&self, tag: u32, what: &str) -> BerResult<()> {
        if self.class == Class::Universal && self.tag == tag {
            Ok(())
        } else {
            err(format!(
                "{what}: unexpected tag {:?} {}",
                self.class, self.tag
            ))
        }
    }

    /// A reader over the elements inside this constructed element.
    pub fn children(&self) -> BerResult<Reader<'a>> {
        if !self.constructed {
            return err("expected a constructed element");
        }
        if self.depth + 1 > MAX_DEPTH {
            return err("nesting too deep");
        }
        Ok(Reader {
            data: self.content,
            depth: self.depth + 1,
        })
    }

    /// The only element inside an explicit tag (`[n] EXPLICIT X`).
    pub fn explicit_inner(&self) -> BerResult<Element<'a>> {
        let mut r = self.children()?;
        let inner = r.next_element()?;
        Ok(inner)
    }

    /// The octets of an OCTET STRING (or implicitly tagged one), joining BER segments.
    pub fn octets(&self) -> BerResult<Cow<'a, [u8]>> {
        if !self.constructed {
            return Ok(Cow::Borrowed(self.content));
        }
        let mut out = Vec::new();
        self.collect_segments(&mut out)?;
        Ok(Cow::Owned(out))
    }

    fn collect_segments(&self, out: &mut Vec<u8>) -> BerResult<()> {
        let mut r = self.children()?;
        while !r.is_empty() {
            let seg = r.next_element()?;
            if seg.constructed {
                seg.collect_segments(out)?;
            } else {
                out.extend_from_slice(seg.content);
            }
        }
        Ok(())
    }

    /// The dotted form of an OBJECT IDENTIFIER.
    pub fn oid(&self) -> BerResult<String> {
        self.expect(tag::OID, "object identifier")?;
        decode_oid(self.content)
    }

    /// A non-negative INTEGER that fits in a u64.
    pub fn uint(&self) -> BerResult<u64> {
        self.expect(tag::INTEGER, "integer")?;
        let bytes = self.content;
        if bytes.is_empty() {
            return err("empty integer");
        }
        if bytes[0] & 0x80 != 0 {
            return err("negative integer where a count was expected");
        }
        let trimmed = strip_leading_zeros(bytes);
        if trimmed.len() > 8 {
            return err("integer too large");
        }
        Ok(trimmed
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// The magnitude bytes of an INTEGER, without leading zero octets.
    pub fn uint_bytes(&self) -> BerResult<&'a [u8]> {
        self.expect(tag::INTEGER, "integer")?;
        Ok(strip_leading_zeros(self.content))
    }
}

/// Drops leading zero octets, keeping at least one octet.
pub fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    &bytes[first..]
}

/// Parses one element at the start of `data`; returns it and the number of bytes it spans.
fn parse_element(data: &[u8], depth: usize) -> BerResult<(Element<'_>, usize)> {
    if depth > MAX_DEPTH {
        return err("nesting too deep");
    }
    let first = *data
        .first()
        .ok_or_else(|| BerError("unexpected end of data".into()))?;
    let class = match first >> 6 {
        0 => Class::Universal,
        1 => Class::Application,
        2 => Class::Context,
        _ => Class::Private,
    };
    let constructed = first & 0x20 != 0;
    let mut pos = 1;
    let mut tag = u32::from(first & 0x1f);
    if tag == 0x1f {
        tag = 0;
        loop {
            let b = *data
                .get(pos)
                .ok_or_else(|| BerError("truncated tag".into()))?;
            pos += 1;
            if tag > (u32::MAX >> 7) {
                return err("tag number too large");
            }
            tag = (tag << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let len_byte = *data
        .get(pos)
        .ok_or_else(|| BerError("truncated length".into()))?;
    pos += 1;
    if len_byte == 0x80 {
        if !constructed {
            return err("indefinite length on a primitive element");
        }
        // Walk the children to find the end-of-contents octets.
        let start = pos;
        loop {
            let rest = &data[pos..];
            if rest.len() >= 2 && rest[0] == 0 && rest[1] == 0 {
                let el = Element {
                    class,
                    constructed,
                    tag,
                    content: &data[start..pos],
                    raw: &data[..pos + 2],
                    depth,
                };
                return Ok((el, pos + 2));
            }
            if rest.is_empty() {
                return err("missing end-of-contents");
            }
            let (_, used) = parse_element(rest, depth + 1)?;
            pos += used;
        }
    }
    let len = if len_byte & 0x80 == 0 {
        usize::from(len_byte)
    } else {
        let n = usize::from(len_byte & 0x7f);
        if n > 4 {
            return err("length too large");
        }
        let bytes = data
            .get(pos..pos + n)
            .ok_or_else(|| BerError("truncated length".into()))?;
        pos += n;
        bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    let end = pos
        .checked_add(len)
        .filter(|e| *e <= data.len())
        .ok_or_else(|| {
            BerError(format!(
                "element of {len} bytes runs past the end of the data"
            ))
        })?;
    let el = Element {
        class,
        constructed,
        tag,
        content: &data[pos..end],
        raw: &data[..end],
        depth,
    };
    Ok((el, end))
}

/// Decodes OBJECT IDENTIFIER content octets to dotted form.
pub fn decode_oid(content: &[u8]) -> BerResult<String> {
    if content.is_empty() || content.len() > 128 {
        return err("bad object identifier length");
    }
    let mut arcs: Vec<u128> = Vec::new();
    let mut value: u128 = 0;
    for (i, b) in content.iter().enumerate() {
        if value > (u128::MAX >> 7) {
            return err("object identifier arc too large");
        }
        value = (value << 7) | u128::from(b & 0x7f);
        if b & 0x80 == 0 {
            arcs.push(value);
            value = 0;
        } else if i + 1 == content.len() {
            return err("truncated object identifier");
        }
    }
    let first = arcs[0];
    let (a, b) = match first {
        0..=39 => (0, first),
        40..=79 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut s = format!("{a}.{b}");
    for arc in &arcs[1..] {
        s.push('.');
        s.push_str(&arc.to_string());
    }
    Ok(s)
}

/// DER writing, for the PKCS#12 writer and tests.
pub mod write {
    /// Encodes a TLV with a single-byte tag octet.
    pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes
                .iter()
                .position(|b| *b != 0)
                .unwrap_or(bytes.len() - 1);
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
        out.extend_from_slice(content);
        out
    }
    /// SEQUENCE of the concatenated parts.
    pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
        tlv(0x30, &parts.concat())
    }
    /// SET of the concatenated parts (caller orders them).
    pub fn set(parts: &[&[u8]]) -> Vec<u8> {
        tlv(0x31, &parts.concat())
    }
    /// OCTET STRING.
    pub fn octets(data: &[u8]) -> Vec<u8> {
        tlv(0x04, data)
    }
    /// A non-negative INTEGER from a u64.
    pub fn uint(v: u64) -> Vec<u8> {
        let bytes = v.to_be_bytes();
        let skip = bytes
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(bytes.len() - 1);
        let mut content = bytes[skip..].to_vec();
        if content[0] & 0x80 != 0 {
            content.insert(0, 0);
        }
        tlv(0x02, &content)
    }
    /// NULL.
    pub fn null() -> Vec<u8> {
        vec![0x05, 0x00]
    }
    /// `[n] EXPLICIT` (constructed context tag).
    pub fn explicit(n: u8, inner: &[u8]) -> Vec<u8> {
        tlv(0xa0 | n, inner)
    }
    /// OBJECT IDENTIFIER from dotted form; panics only on a malformed constant (programmer error).
    pub fn oid(dotted: &str) -> Vec<u8> {
        let arcs: Vec<u64> = dotted
            .split('.')
            .map(|a| a.parse().expect("OID constants are well-formed"))
            .collect();
        let mut content = Vec::new();
        let mut push_arc = |mut v: u64| {
            let mut tmp = vec![(v & 0x7f) as u8];
            v >>= 7;
            while v > 0 {
                tmp.push(0x80 | (v & 0x7f) as u8);
                v >>= 7;
            }
            tmp.reverse();
            content.extend(tmp);
        };
        push_arc(arcs[0] * 40 + arcs[1]);
        for a in &arcs[2..] {
            push_arc(*a);
        }
        tlv(0x06, &content)
    }
    /// BMPString (UTF-16BE).
    pub fn bmp(s: &str) -> Vec<u8> {
        let content: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        tlv(0x1e, &content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_definite_and_indefinite_lengths() {
        // SEQUENCE (indefinite) { OCTET STRING (constructed, indefinite) { "ab", "c" }, INTEGER 5 }
        let data = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x02,
            0x01, 0x05, 0x00, 0x00,
        ];
        let mut r = Reader::new(&data);
        let seq = r.expect(tag::SEQUENCE, "seq").unwrap();
        assert!(r.is_empty());
        let mut kids = seq.children().unwrap();
        let os = kids.next_element().unwrap();
        assert_eq!(&*os.octets().unwrap(), b"abc");
        assert_eq!(kids.expect(tag::INTEGER, "n").unwrap().uint().unwrap(), 5);
    }

    #[test]
    fn oid_round_trip() {
        for dotted in [
            "1.2.840.113549.1.12.10.1.2",
            "2.16.840.1.101.3.4.1.42",
            "1.3.14.3.2.26",
        ] {
            let enc = write::oid(dotted);
            let el = Reader::new(&enc).next_element().unwrap();
            assert_eq!(el.oid().unwrap(), dotted);
        }
    }

    #[test]
    fn hostile_inputs_fail_cleanly() {
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 10_000)
            .flatten()
            .collect();
        assert!(Reader::new(&deep).next_element().is_err());
        for bad in [
            &[0x30, 0x85, 1, 2, 3, 4, 5][..],
            &[0x04, 0x80, 0, 0],
            &[0x1f, 0xff, 0xff],
            &[0x30, 0x05, 0x01],
        ] {
            assert!(Reader::new(bad).next_element().is_err(), "{bad:?}");
        }
    }
}
