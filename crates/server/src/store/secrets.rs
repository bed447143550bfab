//! Secrets at rest (DESIGN.md 17): webhook secrets are sealed with AES-256-GCM before they
//! reach the database, so a backup alone signs nothing. The key is 32 random bytes written as
//! base64 in a file (`--secrets-key-file`); every replica of one database uses the same file.

use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use anyhow::Context;
use base64::Engine;

/// What a sealed value starts with; a stored secret without it was written in clear, before.
const SEALED: &str = "enc:v1:";
const NONCE_LEN: usize = 12;

/// The name of the key created beside a SQLite file when no key file is given.
pub const DEFAULT_KEY_FILE: &str = "secrets.key";

#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// Reads the key file: 32 bytes as base64 (`openssl rand -base64 32`).
    pub fn from_key_file(path: &Path) -> anyhow::Result<SecretBox> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the secrets key file {}", path.display()))?;
        let key = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()
            .filter(|k| k.len() == 32)
            .with_context(|| {
                format!(
                    "the secrets key file {} must hold 32 random bytes written as base64 (openssl rand -base64 32)",
                    path.display()
                )
            })?;
        Ok(SecretBox {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key)),
        })
    }

    /// The key beside a SQLite database, created (mode 0600) when there is none yet.
    pub fn beside(database_file: &Path) -> anyhow::Result<SecretBox> {
        let path = database_file.parent().map_or_else(
            || PathBuf::from(DEFAULT_KEY_FILE),
            |d| d.join(DEFAULT_KEY_FILE),
        );
        if !path.exists() {
            create_key_file(&path)?;
        }
        SecretBox::from_key_file(&path)
    }

    /// `enc:v1:` and the base64 of a fresh nonce and the ciphertext with its tag.
    pub fn seal(&self, plain: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, plain.as_bytes())
            .expect("AES-GCM seals any length we store");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!(
            "{SEALED}{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    /// The secret of a sealed value; an error for a value sealed with another key, or damaged.
    pub fn open(&self, stored: &str) -> anyhow::Result<String> {
        let bytes = stored
            .strip_prefix(SEALED)
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .context("a stored secret is not sealed")?;
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), sealed)
            .ok()
            .context(
                "a stored secret does not open with this server's secrets key (another key file?)",
            )?;
        String::from_utf8(plain).context("a stored secret is not text")
    }
}

/// Whether a stored value is sealed (or was written in clear before).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED)
}

fn create_key_file(path: &Path) -> anyhow::Result<()> {
    use rand::RngCore;
    use std::io::Write;
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            writeln!(
                file,
                "{}",
                base64::engine::general_purpose::STANDARD.encode(key)
            )
            .with_context(|| format!("writing the secrets key file {}", path.display()))?;
            tracing::info!(path = %path.display(), "created a secrets key for the stored webhook secrets; back it up with the database");
            Ok(())
        }
        // Another process (a replica, an operator command) created it meanwhile: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => {
            Err(e).with_context(|| format!("creating the secrets key file {}", path.display()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let a = SecretBox::beside(&dir.path().join("console.db")).unwrap();
        let sealed = a.seal("whsec_abc");
        assert!(is_sealed(&sealed) && !sealed.contains("whsec_abc"));
        assert_ne!(sealed, a.seal("whsec_abc"), "a fresh nonce each time");
        assert_eq!(a.open(&sealed).unwrap(), "whsec_abc");
        let other = tempfile::tempdir().unwrap();
        let b = SecretBox::beside(&other.path().join("console.db")).unwrap();
        assert!(b.open(&sealed).is_err());
        assert!(a.open("whsec_abc").is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(DEFAULT_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let bad = dir.path().join("bad.key");
        std::fs::write(&bad, "c2hvcnQ=\n").unwrap();
        let err = SecretBox::from_key_file(&bad).unwrap_err().to_string();
        assert!(err.contains("32 random bytes"), "{err}");
    }
}
