//! Where the database is and opening it.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::sync::Arc;

use regjistri_app::{AppError, Create, OsKeyStore, Registry};
use regjistri_domain::clock::SystemClock;

/// Where the database path came from (logged, so a wrong database is easy to spot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseArg {
    Argument,
    Environment,
    Default,
}

/// `--db PATH` (or `--db=PATH`), else `REGJISTRI_DB`, else the per-user default.
pub fn database_path(
    args: impl IntoIterator<Item = OsString>,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<(PathBuf, DatabaseArg), AppError> {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == OsStr::new("--db") {
            return match args.next() {
                Some(p) if !p.is_empty() => Ok((PathBuf::from(p), DatabaseArg::Argument)),
                _ => Err(AppError::invalid_input(
                    "--db kërkon një shteg",
                    "--db needs a path",
                )),
            };
        }
        if let Some(p) = arg.to_str().and_then(|a| a.strip_prefix("--db=")) {
            if p.is_empty() {
                return Err(AppError::invalid_input(
                    "--db kërkon një shteg",
                    "--db needs a path",
                ));
            }
            return Ok((PathBuf::from(p), DatabaseArg::Argument));
        }
    }
    if let Some(p) = env("REGJISTRI_DB").filter(|p| !p.is_empty()) {
        return Ok((PathBuf::from(p), DatabaseArg::Environment));
    }
    Ok((
        regjistri_app::default_database_path()?,
        DatabaseArg::Default,
    ))
}

pub fn open_registry(
    args: impl IntoIterator<Item = OsString>,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<Registry, AppError> {
    let (path, from) =
        database_path(args, env).inspect_err(|e| log::error!("no database path: {}", e.code))?;
    log::info!("opening database {} (from {from:?})", path.display());
    // The store creates the directory itself, and only when it creates a new database: a
    // refused open must write nothing anywhere.
    let registry = Registry::open(
        &path,
        Arc::new(OsKeyStore::new()),
        Arc::new(SystemClock),
        Create::IfMissing,
        regjistri_app::workstation_user(),
    );
    match &registry {
        Ok(_) => log::info!("database open"),
        Err(e) => log::error!("database not opened: {}", e.code),
    }
    registry
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn argument_wins_over_environment() {
        let env = |_: &str| Some(OsString::from("/env.db"));
        assert_eq!(
            database_path(args(&["--db", "/arg.db"]), env).ok(),
            Some((PathBuf::from("/arg.db"), DatabaseArg::Argument))
        );
        assert_eq!(
            database_path(args(&["--db=/eq.db"]), env).ok(),
            Some((PathBuf::from("/eq.db"), DatabaseArg::Argument))
        );
        assert_eq!(
            database_path(args(&[]), env).ok(),
            Some((PathBuf::from("/env.db"), DatabaseArg::Environment))
        );
    }

    #[test]
    fn missing_value_is_an_error_not_the_default() {
        let env = |_: &str| None;
        assert_eq!(
            database_path(args(&["--db"]), env).map_err(|e| e.code),
            Err("invalid_input".to_string())
        );
        assert_eq!(
            database_path(args(&["--db="]), env).map_err(|e| e.code),
            Err("invalid_input".to_string())
        );
    }

    #[test]
    fn empty_environment_falls_back_to_the_default() {
        let env = |_: &str| Some(OsString::new());
        let got = database_path(args(&[]), env);
        assert!(matches!(got, Ok((_, DatabaseArg::Default))), "{got:?}");
    }
}
