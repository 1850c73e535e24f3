//! Text shaping for views and forms: site and file text made safe for the terminal, and
//! words wrapped to a width.

/// `text` as it may be drawn: control characters, escape sequences and BiDi overrides shown
/// as escapes (`\u{1b}`). Every value from the site or a file goes through this on its way
/// into a `Span`; the model and the fields keep the real value.
pub fn safe(text: &str) -> String {
    crate::display::terminal_safe(text).into_owned()
}

/// Words of `text` in lines of at most `width` characters (at least 10), made [`safe`] first
/// so a CR or LF in it shows rather than breaking the line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let text = crate::display::terminal_safe(text);
    let width = width.max(10);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let (ll, wl) = (line.chars().count(), word.chars().count());
        if ll > 0 && ll + 1 + wl > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// Runs of text, each with the role it is drawn in, broken into lines of at most `width`
/// display columns: at spaces where it can, inside a word where a word alone is wider than
/// the line (a thumbprint, a long id), so nothing is cut off. Spaces at a break are dropped.
/// The text must already be [`safe`].
pub fn wrap_runs<R: Copy + PartialEq>(runs: &[(String, R)], width: usize) -> Vec<Vec<(String, R)>> {
    use unicode_segmentation::UnicodeSegmentation;
    use unicode_width::UnicodeWidthStr;
    let width = width.max(1);
    let mut lines: Vec<Vec<(String, R)>> = vec![Vec::new()];
    let mut used = 0;
    let push = |line: &mut Vec<(String, R)>, text: &str, role: R| match line.last_mut() {
        Some((t, r)) if *r == role => t.push_str(text),
        _ => line.push((text.to_string(), role)),
    };
    for (text, role) in runs {
        // Words and the spaces between them, in order.
        for piece in pieces(text) {
            let w = piece.width();
            let space = piece.chars().all(char::is_whitespace);
            if space {
                if used > 0 && used + w <= width {
                    push(lines.last_mut().unwrap_or(&mut Vec::new()), piece, *role);
                    used += w;
                }
                continue;
            }
            if used > 0 && used + w > width {
                // Break before the word; the spaces that led to it go.
                if let Some(line) = lines.last_mut()
                    && let Some((t, _)) = line.last_mut()
                {
                    let kept = t.trim_end().len();
                    t.truncate(kept);
                }
                lines.push(Vec::new());
                used = 0;
            }
            if w <= width - used {
                if let Some(line) = lines.last_mut() {
                    push(line, piece, *role);
                }
                used += w;
                continue;
            }
            // A word wider than a line: cut it where the line ends.
            for g in piece.graphemes(true) {
                let gw = g.width();
                if used + gw > width && used > 0 {
                    lines.push(Vec::new());
                    used = 0;
                }
                if let Some(line) = lines.last_mut() {
                    push(line, g, *role);
                }
                used += gw;
            }
        }
    }
    for line in &mut lines {
        line.retain(|(t, _)| !t.is_empty());
    }
    lines
}

/// `text` in runs of spaces and runs of anything else.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut last: Option<bool> = None;
    for (i, c) in text.char_indices() {
        let space = c.is_whitespace();
        if last.is_some_and(|l| l != space) {
            out.push(&text[start..i]);
            start = i;
        }
        last = Some(space);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(lines: &[Vec<(String, u8)>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.iter().map(|(t, _)| t.as_str()).collect())
            .collect()
    }

    #[test]
    fn runs_wrap_at_spaces_keep_their_roles_and_long_words_are_cut() {
        let runs = vec![
            ("Ready ".to_string(), 1u8),
            ("since yesterday evening".to_string(), 2u8),
        ];
        let lines = wrap_runs(&runs, 12);
        assert_eq!(joined(&lines), ["Ready since", "yesterday", "evening"]);
        assert_eq!(lines[0][0], ("Ready ".to_string(), 1));
        assert_eq!(lines[0][1], ("since".to_string(), 2));
        let thumb = vec![(
            "9CEA69D045BED5A64921981958CAF0AE6CEF9786 (expires)".to_string(),
            0u8,
        )];
        assert_eq!(
            joined(&wrap_runs(&thumb, 16)),
            [
                "9CEA69D045BED5A6",
                "4921981958CAF0AE",
                "6CEF9786",
                "(expires)"
            ]
        );
        assert_eq!(joined(&wrap_runs(&[(String::new(), 0u8)], 10)), [""]);
    }
}
