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
