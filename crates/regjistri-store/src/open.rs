//! Opening the encrypted database. The rules, in order:
//! 1. Ask the key store for this database's key. If the key store cannot be reached or is
//!    locked: refuse, having written nothing anywhere.
//! 2. Neither key nor database: create both (key first, read back, then the database under
//!    a temporary name, renamed into place only when complete; on failure both are removed).
//! 3. Key and database: apply the key before any other statement and check it with a query
//!    at once. A plain SQLite file, a wrong key, a database without its key and a key without
//!    its database are refused, and the file is left byte for byte as it was.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use ring::digest::{digest, SHA256};
use rusqlite::{Connection, OpenFlags};

use crate::error::StoreError;
use crate::key::{DbKey, KeyStore, KeyStoreError};

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The key store account that holds a database's key: derived from its absolute path, so
/// that each database (two app instances, tests) has its own key and no name is leaked.
pub fn key_account(path: &Path) -> Result<String, StoreError> {
    let absolute = std::path::absolute(path)?;
    let hash = digest(&SHA256, absolute.as_os_str().as_encoded_bytes());
    let hex: String = hash.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!("database-{hex}"))
}

/// Keying (SQLCipher's codec set-up with its crypto provider) is done one connection at a
/// time in the process: a full test run once saw `PRAGMA key` fail on a new connection while
/// many threads keyed theirs at once. It happens once per connection, so the cost is nil.
static KEYING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Applies the key as the connection's first statement and checks it at once.
fn key_connection(conn: &Connection, key: &DbKey) -> Result<(), StoreError> {
    let _one = KEYING.lock().unwrap_or_else(|p| p.into_inner());
    apply_key(conn, key)?;
    check_key(conn)
}

fn apply_key(conn: &Connection, key: &DbKey) -> Result<(), StoreError> {
    // The key must be the first statement on the connection.
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex()))?;
    Ok(())
}

fn check_key(conn: &Connection) -> Result<(), StoreError> {
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Err(StoreError::WrongKey)
        }
        Err(e) => Err(e.into()),
    }
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        log::warn!("journal mode is {mode}, not WAL");
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -131072;
         PRAGMA busy_timeout = 5000;",
    )?;
    Ok(())
}

/// What the file on disk is, judged from its first bytes without opening it as a database.
enum OnDisk {
    Missing,
    Plain,
    TooShort,
    Encrypted,
}

fn inspect(path: &Path) -> Result<OnDisk, StoreError> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(OnDisk::Missing),
        Err(e) => return Err(e.into()),
    };
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..])? {
            0 => return Ok(OnDisk::TooShort),
            n => read += n,
        }
    }
    Ok(if &header == SQLITE_HEADER {
        OnDisk::Plain
    } else {
        OnDisk::Encrypted
    })
}

/// Whether opening may create a new database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    /// Create key and database when neither exists (first run of the app, `regjistri init`).
    IfMissing,
    /// Refuse when there is no database (every other command-line command).
    Never,
}

/// The outcome of [`open_connection`].
pub struct Opened {
    pub conn: Connection,
    pub created: bool,
}

/// Opens (or, when neither key nor database exists, creates) the encrypted database.
/// `initialise` runs once, inside creation, on the new database (schema and first data).
pub fn open_connection(
    path: &Path,
    keys: &dyn KeyStore,
    create_mode: Create,
    initialise: &mut dyn FnMut(&mut Connection) -> Result<(), StoreError>,
) -> Result<Opened, StoreError> {
    let account = key_account(path)?;
    let on_disk = inspect(path)?;
    // A plain file is refused before the key store is even asked: no key could help.
    if matches!(on_disk, OnDisk::Plain) {
        return Err(StoreError::PlainDatabase);
    }
    let key = keys.get(&account)?;
    match (on_disk, key) {
        (OnDisk::Plain, _) => Err(StoreError::PlainDatabase),
        (OnDisk::TooShort, _) => Err(StoreError::Damaged),
        (OnDisk::Encrypted, None) => Err(StoreError::DatabaseWithoutKey),
        (OnDisk::Missing, Some(_)) => Err(StoreError::KeyWithoutDatabase),
        (OnDisk::Encrypted, Some(key)) => {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            key_connection(&conn, &key)?;
            configure(&conn)?;
            Ok(Opened {
                conn,
                created: false,
            })
        }
        (OnDisk::Missing, None) if create_mode == Create::Never => Err(StoreError::Missing),
        (OnDisk::Missing, None) => {
            create(path, keys, &account, initialise)?;
            let key = keys.get(&account)?.ok_or_else(|| {
                StoreError::KeyStore(KeyStoreError::Unavailable(
                    "the new key was not kept".into(),
                ))
            })?;
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            key_connection(&conn, &key)?;
            configure(&conn)?;
            Ok(Opened {
                conn,
                created: true,
            })
        }
    }
}

fn creating_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".creating");
    path.with_file_name(name)
}

fn remove_quietly(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

fn create(
    path: &Path,
    keys: &dyn KeyStore,
    account: &str,
    initialise: &mut dyn FnMut(&mut Connection) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let key = DbKey::generate()?;
    keys.set(account, &key)?;
    // Read the key back: a key store that accepts but does not keep would lose the database.
    match keys.get(account) {
        Ok(Some(back)) if back.to_hex() == key.to_hex() => {}
        Ok(_) => {
            let _ = keys.delete(account);
            return Err(KeyStoreError::Unavailable(
                "the key store did not keep the new key".into(),
            )
            .into());
        }
        Err(e) => {
            let _ = keys.delete(account);
            return Err(e.into());
        }
    }
    let temp = creating_path(path);
    let result = (|| -> Result<(), StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        remove_quietly(&temp);
        let mut conn = Connection::open(&temp)?;
        key_connection(&conn, &key)?;
        configure(&conn)?;
        initialise(&mut conn)?;
        conn.close().map_err(|(_, e)| StoreError::from(e))?;
        std::fs::rename(&temp, path)?;
        Ok(())
    })();
    if let Err(e) = result {
        remove_quietly(&temp);
        let _ = keys.delete(account);
        return Err(e);
    }
    log::info!("created a new encrypted database");
    Ok(())
}

/// An unencrypted database with the same schema and settings, only for the benchmark that
/// compares encrypted with plain SQLite. Compiled only with the `plain-benchmark` feature,
/// which no shipped binary enables.
#[cfg(feature = "plain-benchmark")]
pub fn open_plain_for_benchmark(
    path: &Path,
    initialise: &mut dyn FnMut(&mut Connection) -> Result<(), StoreError>,
) -> Result<Connection, StoreError> {
    let new = !path.exists();
    let mut conn = Connection::open(path)?;
    configure(&conn)?;
    if new {
        initialise(&mut conn)?;
    }
    Ok(conn)
}
