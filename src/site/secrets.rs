//! Secrets at rest: private keys and passwords are sealed with AES-256-GCM before they reach
//! the database, under a key kept in its own file (`secret.key`, mode 0600) in the data dir.
//!
//! Keeping the key out of the database means a copied database file (a backup, a bug report)
//! reveals no secret on its own. Each blob is bound to a label (usually its column name) as
//! associated data, so a blob copied into another column does not open there.
//!
//! Sealed layout: `version (1 byte) || nonce (12 bytes) || ciphertext || tag (16 bytes)`.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The key file's name inside the data dir.
pub const KEY_FILE: &str = "secret.key";
/// The layout version byte written first in every sealed blob.
const VERSION: u8 = 1;
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// What went wrong loading the key or opening a sealed blob.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The key file (or its directory) could not be read or written.
    #[error("secret key file {path}: {source}")]
    Io {
        /// The key file, the temporary file a new key is written to first, or the data dir.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Someone other than the owner may read the key file.
    #[error(
        "secret key file {path} is readable by group or others (mode {mode:o}); run `chmod 600 {path}` and start again"
    )]
    Permissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits (`mode & 0o777`; shown in octal).
        mode: u32,
    },
    /// The key file does not hold exactly 32 bytes.
    #[error(
        "secret key file {path} holds {len} bytes, not {KEY_LEN}; it is damaged (restore it from a backup: without it the stored secrets cannot be read)"
    )]
    BadKey {
        /// The key file.
        path: PathBuf,
        /// Its length in bytes.
        len: usize,
    },
    /// The operating system's random number generator failed.
    #[error("cannot generate random bytes: {0}")]
    Random(String),
    /// The blob is too short or has an unknown version byte.
    #[error("sealed secret '{label}' is malformed: {reason}")]
    Malformed {
        /// The label it was opened under.
        label: String,
        /// What is wrong.
        reason: String,
    },
    /// The blob was sealed with another key or label, or altered.
    #[error(
        "sealed secret '{label}' does not open: it was altered, sealed under another label, or sealed with another {KEY_FILE}"
    )]
    Decrypt {
        /// The label it was opened under.
        label: String,
    },
    /// The plaintext is too large to seal.
    #[error("secret '{label}' is too large to seal")]
    TooLarge {
        /// The label it was to be sealed under.
        label: String,
    },
    /// The opened secret is not UTF-8 text.
    #[error("secret is not UTF-8 text")]
    NotText,
}

/// Seals and opens secrets with the site's key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
    /// Root of [`SecretBox::derive_key`]: HMAC of the site key, so the site key itself is
    /// only ever used for sealing.
    derive_root: [u8; 32],
}

fn derive_root(key: &[u8]) -> [u8; 32] {
    hmac_sha256(key, b"cloudsite derived keys v1")
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, KeyInit, Mac};
    let mut m =
        <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m.finalize().into_bytes().into()
}

impl Drop for SecretBox {
    fn drop(&mut self) {
        // The cipher's key schedule zeroizes itself (aes-gcm's `zeroize` feature); the root
        // every derived key comes from is ours to wipe.
        wipe(&mut self.derive_root);
    }
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBox { key: [redacted] }")
    }
}

impl SecretBox {
    /// Loads `data_dir/secret.key`, creating it (32 random bytes, mode 0600) if missing.
    pub fn load_or_create(data_dir: &Path) -> Result<SecretBox, SecretError> {
        let path = data_dir.join(KEY_FILE);
        let io = |source| SecretError::Io {
            path: path.clone(),
            source,
        };
        if !path.exists() {
            create_key_file(data_dir, &path)?;
        }
        check_private(&path)?;
        let mut key = std::fs::read(&path).map_err(io)?;
        if key.len() != KEY_LEN {
            let len = key.len();
            wipe(&mut key);
            return Err(SecretError::BadKey { path, len });
        }
        let cipher = Aes256Gcm::new_from_slice(&key).map_err(|_| SecretError::BadKey {
            path: path.clone(),
            len: KEY_LEN,
        });
        let root = derive_root(&key);
        wipe(&mut key);
        Ok(SecretBox {
            cipher: cipher?,
            derive_root: root,
        })
    }

    /// A box with a caller-given key (tests, tools that rotate keys).
    pub fn from_key(key: &[u8; KEY_LEN]) -> SecretBox {
        SecretBox {
            cipher: Aes256Gcm::new(&(*key).into()),
            derive_root: derive_root(key),
        }
    }

    /// A 32-byte key for one purpose (e.g. a service's content access key), derived from the
    /// site key: stable across restarts, never stored, different for every purpose.
    pub fn derive_key(&self, purpose: &str) -> [u8; 32] {
        hmac_sha256(&self.derive_root, purpose.as_bytes())
    }

    /// Encrypts `plaintext` under a fresh random nonce, bound to `label`.
    pub fn seal(&self, label: &str, plaintext: &[u8]) -> Result<Vec<u8>, SecretError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| SecretError::Random(e.to_string()))?;
        let sealed = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: label.as_bytes(),
                },
            )
            .map_err(|_| SecretError::TooLarge {
                label: label.to_string(),
            })?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts a blob made by [`SecretBox::seal`] with the same `label`.
    pub fn open(&self, label: &str, blob: &[u8]) -> Result<SecretBytes, SecretError> {
        let malformed = |reason: String| SecretError::Malformed {
            label: label.to_string(),
            reason,
        };
        let (&version, rest) = blob
            .split_first()
            .ok_or_else(|| malformed("it is empty".into()))?;
        if version != VERSION {
            return Err(malformed(format!(
                "unknown version byte {version} (this cloudsite writes {VERSION})"
            )));
        }
        if rest.len() < NONCE_LEN + TAG_LEN {
            return Err(malformed(format!(
                "{} bytes is shorter than a nonce and a tag",
                blob.len()
            )));
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).map_err(|_| malformed("bad nonce length".into()))?;
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: label.as_bytes(),
                },
            )
            .map(SecretBytes)
            .map_err(|_| SecretError::Decrypt {
                label: label.to_string(),
            })
    }
}

/// Decrypted secret bytes: wiped when dropped, never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// The secret as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret as text (passwords).
    pub fn as_str(&self) -> Result<&str, SecretError> {
        std::str::from_utf8(&self.0).map_err(|_| SecretError::NotText)
    }
}

impl std::ops::Deref for SecretBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes([redacted; {} bytes])", self.0.len())
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// Overwrites a buffer with zeros; `black_box` keeps the optimiser from dropping the writes.
/// Overwrites `bytes` with zeros in a way the optimiser keeps (`zeroize`).
fn wipe(bytes: &mut [u8]) {
    zeroize::Zeroize::zeroize(bytes);
}

/// Refuses a key file that group or others may read: the key opens every stored secret.
fn check_private(path: &Path) -> Result<(), SecretError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|source| SecretError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(SecretError::Permissions {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Writes a new key to a temporary file and links it into place.
///
/// A hard link (not a rename) publishes it: linking fails if the name exists, so when two
/// processes race to create the key, exactly one key wins and both use it. A rename would let
/// the loser overwrite a key that the winner may already have sealed secrets with.
fn create_key_file(data_dir: &Path, path: &Path) -> Result<(), SecretError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| SecretError::Io { path: p, source }
    };
    let mut dir = std::fs::DirBuilder::new();
    dir.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut dir, 0o700);
    dir.create(data_dir).map_err(io(data_dir))?;

    let mut key = [0u8; KEY_LEN];
    getrandom::fill(&mut key).map_err(|e| SecretError::Random(e.to_string()))?;
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|e| SecretError::Random(e.to_string()))?;
    let tmp = data_dir.join(format!(".{KEY_FILE}.{}.tmp", hex::encode(suffix)));

    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&tmp).and_then(|mut file| {
        file.write_all(&key)?;
        file.sync_all()
    });
    wipe(&mut key);
    if let Err(source) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(SecretError::Io { path: tmp, source });
    }
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            // Make the new name durable before any secret is sealed with the key.
            if let Ok(d) = std::fs::File::open(data_dir) {
                let _ = d.sync_all();
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(SecretError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed() -> (tempfile::TempDir, SecretBox) {
        let dir = tempfile::tempdir().expect("temp dir");
        let sb = SecretBox::load_or_create(dir.path()).expect("key");
        (dir, sb)
    }

    #[test]
    fn round_trip_and_fresh_nonces() {
        let (_dir, sb) = boxed();
        let a = sb.seal("service_key", b"private key bytes").expect("seal");
        let b = sb.seal("service_key", b"private key bytes").expect("seal");
        assert_ne!(a, b, "each seal uses a fresh nonce");
        assert_eq!(a.len(), 1 + NONCE_LEN + 17 + TAG_LEN);
        let opened = sb.open("service_key", &a).expect("open");
        assert_eq!(opened.as_bytes(), b"private key bytes");
        assert_eq!(format!("{opened:?}"), "SecretBytes([redacted; 17 bytes])");
        assert_eq!(
            sb.open("x", &sb.seal("x", b"").expect("seal"))
                .expect("open")
                .len(),
            0
        );
    }

    #[test]
    fn tampering_labels_and_keys_are_refused() {
        let (_dir, sb) = boxed();
        let blob = sb.seal("proxy_password", b"hunter2").expect("seal");
        for i in 1..blob.len() {
            let mut bad = blob.clone();
            bad[i] ^= 0x01;
            assert!(matches!(
                sb.open("proxy_password", &bad),
                Err(SecretError::Decrypt { .. })
            ));
        }
        let e = sb.open("service_key", &blob).expect_err("wrong label");
        assert!(e.to_string().contains("service_key"), "{e}");
        let other = SecretBox::from_key(&[7u8; 32]);
        assert!(other.open("proxy_password", &blob).is_err());
        for bad in [&[][..], &[1u8, 2, 3][..], &blob[..20]] {
            assert!(matches!(
                sb.open("proxy_password", bad),
                Err(SecretError::Malformed { .. })
            ));
        }
        let mut v2 = blob.clone();
        v2[0] = 2;
        assert!(sb.open("proxy_password", &v2).is_err());
    }

    #[test]
    fn debug_hides_the_key() {
        let sb = SecretBox::from_key(&[0xAB; 32]);
        let shown = format!("{sb:?}");
        assert!(!shown.to_lowercase().contains("ab, ") && !shown.contains("171"));
        assert!(shown.contains("redacted"));
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_private_stable_and_checked() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("nested").join("data");
        let first = SecretBox::load_or_create(&data).expect("create");
        let key_path = data.join(KEY_FILE);
        let mode = std::fs::metadata(&key_path)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read(&key_path).expect("read").len(), 32);
        let leftovers: Vec<_> = std::fs::read_dir(&data)
            .expect("list")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name() != KEY_FILE)
            .collect();
        assert!(leftovers.is_empty(), "temporary files are removed");

        let blob = first.seal("l", b"same key").expect("seal");
        let second = SecretBox::load_or_create(&data).expect("reload");
        assert_eq!(
            second.open("l", &blob).expect("open").as_bytes(),
            b"same key"
        );

        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let e = SecretBox::load_or_create(&data).expect_err("world-readable key");
        let msg = e.to_string();
        assert!(msg.contains("chmod 600") && msg.contains(KEY_FILE), "{msg}");

        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        std::fs::write(&key_path, b"short").expect("damage");
        assert!(matches!(
            SecretBox::load_or_create(&data),
            Err(SecretError::BadKey { len: 5, .. })
        ));
    }
}
