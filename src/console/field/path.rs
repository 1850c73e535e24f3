//! Tab completion of file paths, for file fields.
//!
//! The rule (shown under a focused file field): Tab completes the file name from the
//! directory listing when a completion exists and differs from the text; when several names
//! share no longer prefix, the first Tab lists them and the next Tab moves on; with nothing to
//! complete, Tab moves to the next field as everywhere else.

use std::path::PathBuf;

/// What Tab did in a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TabResult {
    /// The path was completed (focus stays).
    Completed,
    /// Several names match: they are listed (focus stays).
    Listed,
    /// Nothing to complete: move to the next field.
    MoveOn,
}

/// Tab in a file path `segment` (see the module doc): what it did, the completed path (when
/// completed) and the names to list. `listed`: the names are already listed.
pub(crate) fn tab_path(segment: &str, listed: bool) -> (TabResult, Option<String>, Option<String>) {
    if segment.is_empty() {
        return (TabResult::MoveOn, None, None);
    }
    match complete(segment) {
        Some((done, names)) if done != segment => {
            let names = (names.len() > 1).then(|| names.join("  "));
            (TabResult::Completed, Some(done), names)
        }
        Some((_, names)) if names.len() > 1 && !listed => {
            (TabResult::Listed, None, Some(names.join("  ")))
        }
        _ => (TabResult::MoveOn, None, None),
    }
}

/// Expands a leading `~/` to the home directory.
pub(crate) fn expand_home(path: &str) -> PathBuf {
    if let Some(rest) = path.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    PathBuf::from(path)
}

/// Completes a path: the longest common prefix of the directory entries starting with the
/// typed name (a lone directory gets its `/`), and the matching names. `None` when nothing
/// matches or the directory cannot be read. Hidden entries match only a prefix starting with `.`.
pub(crate) fn complete(input: &str) -> Option<(String, Vec<String>)> {
    let (dir_typed, prefix) = match input.rfind('/') {
        Some(i) => (&input[..=i], &input[i + 1..]),
        None => ("", input),
    };
    let dir = if dir_typed.is_empty() {
        PathBuf::from(".")
    } else {
        expand_home(dir_typed)
    };
    let mut names: Vec<(String, bool)> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let is_dir = e.path().is_dir();
            Some((name, is_dir))
        })
        .filter(|(n, _)| n.starts_with(prefix) && (prefix.starts_with('.') || !n.starts_with('.')))
        .collect();
    if names.is_empty() {
        return None;
    }
    names.sort();
    let mut common: String = names[0].0.clone();
    for (n, _) in &names[1..] {
        let keep = common
            .chars()
            .zip(n.chars())
            .take_while(|(a, b)| a == b)
            .count();
        common = common.chars().take(keep).collect();
    }
    if names.len() == 1 && names[0].1 {
        common.push('/');
    }
    let shown = names
        .into_iter()
        .map(|(n, d)| if d { format!("{n}/") } else { n })
        .collect();
    Some((format!("{dir_typed}{common}"), shown))
}
