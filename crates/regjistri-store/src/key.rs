//! The database key and where it lives: the operating system's key store (Secret Service on
//! Linux, Credential Manager on Windows, Keychain on macOS) through the keyring crate.
//! There is no fallback: if the key store cannot be reached, the store refuses to open.

use std::fmt;

use ring::rand::{SecureRandom, SystemRandom};

/// Service name under which database keys are kept in the OS key store.
pub const KEY_SERVICE: &str = "al.gov.asp.regjistri";

/// A 256-bit SQLCipher key. Never printed, never written to a file. Each copy is wiped
/// when dropped.
#[derive(Clone)]
pub struct DbKey([u8; 32]);

impl DbKey {
    pub fn generate() -> Result<DbKey, KeyStoreError> {
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| KeyStoreError::Unavailable("no system random source".into()))?;
        Ok(DbKey(bytes))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> DbKey {
        DbKey(bytes)
    }

    fn from_hex(hex: &str) -> Option<DbKey> {
        if hex.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(DbKey(bytes))
    }

    pub(crate) fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl Drop for DbKey {
    fn drop(&mut self) {
        // Best effort: overwrite the key before the memory is released.
        for b in self.0.iter_mut() {
            // SAFETY: `b` is a valid, aligned, exclusive reference to a byte we own.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

impl fmt::Debug for DbKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DbKey(…)")
    }
}

/// A secret other than a database key, kept in the same key store: the station's private
/// key. Never printed; wiped when dropped.
pub struct Secret(String);

impl Secret {
    pub fn new(text: String) -> Secret {
        Secret(text)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // SAFETY: zero bytes keep the String valid UTF-8; each is a valid, exclusive byte.
        for b in unsafe { self.0.as_bytes_mut() } {
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    /// No key store to talk to (no session bus, no Secret Service), or it refused access.
    #[error("the key store is unavailable: {0}")]
    Unavailable(String),
    /// The key store exists but is locked.
    #[error("the key store is locked")]
    Locked,
    /// The entry exists but does not hold a key of ours.
    #[error("the key store entry is damaged")]
    Damaged,
}

/// Where database keys are kept. The production implementation is [`OsKeyStore`];
/// tests may use keyring's mock through the same type (see its tests).
pub trait KeyStore {
    fn get(&self, account: &str) -> Result<Option<DbKey>, KeyStoreError>;
    fn set(&self, account: &str, key: &DbKey) -> Result<(), KeyStoreError>;
    fn delete(&self, account: &str) -> Result<(), KeyStoreError>;

    /// Another secret of this workstation (the station's private key). A key store that
    /// keeps database keys only refuses; there is no fallback.
    fn get_secret(&self, _account: &str) -> Result<Option<Secret>, KeyStoreError> {
        Err(KeyStoreError::Unavailable(
            "this key store keeps database keys only".into(),
        ))
    }

    fn set_secret(&self, _account: &str, _secret: &Secret) -> Result<(), KeyStoreError> {
        Err(KeyStoreError::Unavailable(
            "this key store keeps database keys only".into(),
        ))
    }
}

/// The operating system's key store.
pub struct OsKeyStore {
    service: String,
}

impl OsKeyStore {
    pub fn new() -> OsKeyStore {
        OsKeyStore {
            service: KEY_SERVICE.to_string(),
        }
    }

    /// Runs `op` on this account's entry; when the key-store service went away in the middle
    /// (its daemon exited: the session bus then starts it again), tries again, twice at most.
    /// A locked or refusing key store is not retried: that is an answer.
    fn with_entry<T>(
        &self,
        account: &str,
        op: impl Fn(&keyring::Entry) -> Result<T, keyring::Error>,
    ) -> Result<T, keyring::Error> {
        let mut attempt = 0;
        loop {
            let entry = keyring::Entry::new(&self.service, account)?;
            match op(&entry) {
                Err(e) if attempt < 2 && service_went_away(&e) => {
                    log::warn!("key store service went away ({e}); trying again");
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(300));
                }
                other => return other,
            }
        }
    }
}

/// The key store's service disconnected or is being restarted, as opposed to answering.
fn service_went_away(e: &keyring::Error) -> bool {
    let text = match e {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            inner.to_string()
        }
        _ => return false,
    };
    [
        "disconnected",
        "NoReply",
        "ServiceUnknown",
        "did not receive a reply",
    ]
    .iter()
    .any(|m| text.contains(m))
}

impl Default for OsKeyStore {
    fn default() -> Self {
        OsKeyStore::new()
    }
}

fn map_keyring(e: keyring::Error) -> KeyStoreError {
    // Key store errors name the service and the account (a hash of the path), never a key.
    log::warn!("key store: {e:?}");
    match e {
        keyring::Error::NoStorageAccess(inner) => {
            let text = inner.to_string();
            if text.to_lowercase().contains("lock") {
                KeyStoreError::Locked
            } else {
                KeyStoreError::Unavailable(text)
            }
        }
        keyring::Error::PlatformFailure(inner) => {
            let text = inner.to_string();
            if text.contains("IsLocked") || text.to_lowercase().contains("locked") {
                KeyStoreError::Locked
            } else {
                KeyStoreError::Unavailable(text)
            }
        }
        keyring::Error::BadEncoding(_) | keyring::Error::Ambiguous(_) => KeyStoreError::Damaged,
        other => KeyStoreError::Unavailable(other.to_string()),
    }
}

impl KeyStore for OsKeyStore {
    fn get(&self, account: &str) -> Result<Option<DbKey>, KeyStoreError> {
        match self.with_entry(account, |e| e.get_password()) {
            Ok(hex) => DbKey::from_hex(&hex)
                .map(Some)
                .ok_or(KeyStoreError::Damaged),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring(e)),
        }
    }

    fn set(&self, account: &str, key: &DbKey) -> Result<(), KeyStoreError> {
        self.with_entry(account, |e| e.set_password(&key.to_hex()))
            .map_err(map_keyring)
    }

    fn delete(&self, account: &str) -> Result<(), KeyStoreError> {
        match self.with_entry(account, |e| e.delete_credential()) {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring(e)),
        }
    }

    fn get_secret(&self, account: &str) -> Result<Option<Secret>, KeyStoreError> {
        match self.with_entry(account, |e| e.get_password()) {
            Ok(text) => Ok(Some(Secret(text))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring(e)),
        }
    }

    fn set_secret(&self, account: &str, secret: &Secret) -> Result<(), KeyStoreError> {
        self.with_entry(account, |e| e.set_password(secret.expose()))
            .map_err(map_keyring)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_hex_and_never_print() {
        let key = DbKey::generate().unwrap();
        let again = DbKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(key.0, again.0);
        assert_eq!(format!("{key:?}"), "DbKey(…)");
        assert!(DbKey::from_hex("zz").is_none());
        assert!(DbKey::from_hex(&"g".repeat(64)).is_none());
    }

    /// Unit test with keyring's in-memory mock (explicitly chosen here, never a fallback):
    /// checks only our mapping of keyring's answers.
    #[test]
    fn os_key_store_maps_missing_entry_to_none_with_mock() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let store = OsKeyStore::new();
        // The mock keeps nothing between entries, so a fresh entry is always empty.
        assert!(store.get("db:test").unwrap().is_none());
    }
}
