//! Small file helpers for the cloud's own storage.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` with mode 0600 through a temporary file and a rename, so a process
/// killed mid-write leaves either the old file or the new one, never half of one.
pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)
}

/// Checks a storage or deployment name used as a directory name: 1–63 lower-case letters,
/// digits and hyphens, not starting or ending with a hyphen. Returns the rule broken.
pub(super) fn name_problem(kind: &str, name: &str) -> Option<String> {
    let ok = (1..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    (!ok).then(|| {
        format!(
            "the {kind} name '{name}' is invalid: use 1-63 lower-case letters, digits and hyphens, not starting or ending with a hyphen"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_private_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a/b.json");
        write_atomic(&path, b"1").expect("write");
        write_atomic(&path, b"22").expect("rewrite");
        assert_eq!(std::fs::read(&path).expect("read"), b"22");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn names() {
        assert!(name_problem("x", "clouddp1").is_none());
        assert!(name_problem("x", "a-b").is_none());
        for bad in ["", "-a", "a-", "../a", "A", "a.b", &"a".repeat(64)] {
            assert!(name_problem("x", bad).is_some(), "{bad}");
        }
    }
}
