//! A Server-Sent Events decoder, to the WHATWG HTML specification's "event stream
//! interpretation": lines end with CRLF, LF or CR (a CR at the end of one network chunk and
//! the LF at the start of the next are one line end); a line is decoded as UTF-8 only once it
//! is whole, so a character split across chunks is never corrupted; `data:` lines join with
//! `\n`; exactly one space after the colon is dropped; a line starting with `:` is a comment
//! (the site's keep-alives).

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SseMessage {
    /// The `event:` field (`message` when absent).
    pub(super) event: String,
    /// The joined `data:` lines.
    pub(super) data: String,
    /// The last `id:` seen, if any.
    pub(super) id: Option<String>,
}

/// Turns bytes into events, across chunk boundaries.
#[derive(Debug, Default)]
pub(super) struct SseDecoder {
    /// Bytes of the line being received.
    line: Vec<u8>,
    /// The previous byte was a CR: an LF now ends nothing more.
    after_cr: bool,
    data: String,
    has_data: bool,
    event: Option<String>,
    last_id: Option<String>,
}

impl SseDecoder {
    /// Feeds `bytes`; returns the events they completed, in order.
    pub(super) fn push(&mut self, bytes: &[u8]) -> Vec<SseMessage> {
        let mut out = Vec::new();
        for &b in bytes {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.line);
                    if let Some(m) = self.line_done(&String::from_utf8_lossy(&line)) {
                        out.push(m);
                    }
                }
                _ => {
                    self.after_cr = false;
                    self.line.push(b);
                }
            }
        }
        out
    }

    fn line_done(&mut self, line: &str) -> Option<SseMessage> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
                self.has_data = true;
            }
            "event" => self.event = Some(value.to_string()),
            "id" if !value.contains('\0') => self.last_id = Some(value.to_string()),
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseMessage> {
        let event = self.event.take();
        if !self.has_data {
            return None;
        }
        self.has_data = false;
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        Some(SseMessage {
            event: event.unwrap_or_else(|| "message".into()),
            data,
            id: self.last_id.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(chunks: &[&[u8]]) -> Vec<SseMessage> {
        let mut d = SseDecoder::default();
        chunks.iter().flat_map(|c| d.push(c)).collect()
    }

    #[test]
    fn a_character_split_across_chunks_one_byte_at_a_time_arrives_whole() {
        let text = "event: service\ndata: {\"name\":\"Zürich – 東京 🚀\"}\nid: 7\n\n";
        let bytes = text.as_bytes();
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        let got = all(&chunks);
        assert_eq!(
            got,
            [SseMessage {
                event: "service".into(),
                data: "{\"name\":\"Zürich – 東京 🚀\"}".into(),
                id: Some("7".into()),
            }]
        );
    }

    #[test]
    fn every_line_end_counts_and_a_split_crlf_is_one_line_end() {
        let got = all(&[
            b"data: a\r",
            b"\ndata: b\r\n\r",
            b"\n",
            b"data:c\rdata:  d\r\r",
        ]);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].data, "a\nb");
        // Only one space after the colon is dropped; the rest is the value.
        assert_eq!(got[1].data, "c\n d");
        assert_eq!(got[1].event, "message");
    }

    #[test]
    fn comments_and_empty_events_dispatch_nothing() {
        let got = all(&[b": keep-alive\n\n", b"event: x\n\n", b"id: 3\n\ndata\n\n"]);
        assert_eq!(
            got,
            [SseMessage {
                event: "message".into(),
                data: String::new(),
                id: Some("3".into()),
            }]
        );
    }
}
