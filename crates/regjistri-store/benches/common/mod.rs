//! What the benchmarks share: an in-memory key store (they measure SQLCipher, not the OS
//! key store) and median/p95 figures.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;

use regjistri_store::{DbKey, KeyStore, KeyStoreError};

pub struct MemoryKeys(pub RefCell<HashMap<String, DbKey>>);

impl KeyStore for MemoryKeys {
    fn get(&self, account: &str) -> Result<Option<DbKey>, KeyStoreError> {
        Ok(self.0.borrow().get(account).cloned())
    }
    fn set(&self, account: &str, key: &DbKey) -> Result<(), KeyStoreError> {
        self.0.borrow_mut().insert(account.to_string(), key.clone());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), KeyStoreError> {
        self.0.borrow_mut().remove(account);
        Ok(())
    }
}

pub struct Stats {
    pub median: Duration,
    pub p95: Duration,
}

pub fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        median: at(0.5),
        p95: at(0.95),
    }
}

pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

impl MemoryKeys {
    pub fn new() -> MemoryKeys {
        MemoryKeys(RefCell::new(HashMap::new()))
    }
}
