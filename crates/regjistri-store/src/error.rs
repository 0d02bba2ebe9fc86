use crate::key::KeyStoreError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the key store is unavailable or locked: {0}")]
    KeyStore(#[from] KeyStoreError),
    #[error("the database key does not open this database")]
    WrongKey,
    #[error("the file is a plain, unencrypted SQLite database")]
    PlainDatabase,
    #[error("a database exists but its key is not in the key store")]
    DatabaseWithoutKey,
    #[error("a key exists in the key store but the database file is missing")]
    KeyWithoutDatabase,
    #[error("there is no database at this path")]
    Missing,
    #[error("the database file is empty or damaged")]
    Damaged,
    #[error("the database was written by a newer version of Regjistri (schema {found}, this build knows {known})")]
    NewerSchema { found: i64, known: i64 },
    #[error("{0} is already taken")]
    Duplicate(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("file {id} changed meanwhile: expected version {expected}, found {found}")]
    VersionConflict {
        id: String,
        expected: i64,
        found: i64,
    },
    #[error("the audit trail is broken at event {seq}")]
    AuditChainBroken { seq: i64 },
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::KeyStore(KeyStoreError::Locked) => "key_store_locked",
            StoreError::KeyStore(KeyStoreError::Damaged) => "key_store_damaged",
            StoreError::KeyStore(KeyStoreError::Unavailable(_)) => "key_store_unavailable",
            StoreError::WrongKey => "wrong_key",
            StoreError::PlainDatabase => "plain_database",
            StoreError::DatabaseWithoutKey => "database_without_key",
            StoreError::KeyWithoutDatabase => "key_without_database",
            StoreError::Missing => "database_missing",
            StoreError::Damaged => "database_damaged",
            StoreError::NewerSchema { .. } => "newer_schema",
            StoreError::Duplicate(_) => "duplicate",
            StoreError::NotFound(_) => "not_found",
            StoreError::VersionConflict { .. } => "version_conflict",
            StoreError::AuditChainBroken { .. } => "audit_chain_broken",
            StoreError::Corrupt(_) => "corrupt_data",
            StoreError::Sqlite(_) => "database_error",
            StoreError::Io(_) => "io_error",
        }
    }
}
