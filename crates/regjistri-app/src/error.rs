//! Mapping every failure to an [`AppError`] with a stable code and an Albanian and English
//! message. Internal details go to the log (ids only), never to the person.

use regjistri_domain::{FieldError, Text};
use regjistri_store::{KeyStoreError, StoreError};

use crate::api::AppError;

impl AppError {
    pub fn new(code: &str, sq: &str, en: &str) -> AppError {
        AppError {
            code: code.to_string(),
            message: Text::new(sq, en),
            fields: Vec::new(),
        }
    }

    pub fn validation(fields: Vec<FieldError>) -> AppError {
        let only_warnings = fields
            .iter()
            .all(|f| f.severity == regjistri_domain::Severity::Warning);
        let (sq, en) = if only_warnings {
            (
                "Disa vlera kërkojnë konfirmim para ruajtjes.",
                "Some values need confirmation before saving.",
            )
        } else {
            (
                "Disa fusha duhen korrigjuar.",
                "Some fields need correcting.",
            )
        };
        AppError {
            fields,
            ..AppError::new("validation", sq, en)
        }
    }

    /// A request that cannot be understood; `sq` and `en` say what is wrong.
    pub fn invalid_input(sq: &str, en: &str) -> AppError {
        AppError::new(
            "invalid_input",
            &format!("Kërkesë e pavlefshme: {sq}."),
            &format!("Invalid request: {en}."),
        )
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        let code = e.code();
        if let StoreError::AuditChainBroken { seq } = e {
            log::error!("audit chain broken at event {seq}");
            return AppError::new(
                code,
                &format!(
                    "Gjurma e auditimit është e cenuar: lidhja e parë e thyer është ngjarja {seq}."
                ),
                &format!(
                    "The audit trail has been tampered with: the first broken link is event {seq}."
                ),
            );
        }
        let (sq, en): (&str, &str) = match &e {
            StoreError::KeyStore(KeyStoreError::Locked) => (
                "Ruajtja e çelësave e sistemit është e kyçur. Zhbllokoni atë (hyni në sesionin tuaj) dhe provoni përsëri. Asgjë nuk u ndryshua.",
                "The system key store is locked. Unlock it (sign in to your session) and try again. Nothing was changed.",
            ),
            StoreError::KeyStore(KeyStoreError::Unavailable(_)) => (
                "Ruajtja e çelësave e sistemit nuk është e arritshme, prandaj baza e të dhënave nuk mund të hapet. Asgjë nuk u ndryshua.",
                "The system key store cannot be reached, so the database cannot be opened. Nothing was changed.",
            ),
            StoreError::KeyStore(KeyStoreError::Damaged) => (
                "Çelësi i bazës së të dhënave në ruajtjen e çelësave është i dëmtuar. Kontaktoni administratorin.",
                "The database key in the key store is damaged. Contact the administrator.",
            ),
            StoreError::WrongKey => (
                "Çelësi nuk e hap këtë bazë të dhënash. Skedari nuk u ndryshua. Kontaktoni administratorin.",
                "The key does not open this database. The file was not changed. Contact the administrator.",
            ),
            StoreError::PlainDatabase => (
                "Skedari është një bazë të dhënash e pakriptuar dhe refuzohet. Skedari nuk u ndryshua.",
                "The file is an unencrypted database and is refused. The file was not changed.",
            ),
            StoreError::DatabaseWithoutKey => (
                "Baza e të dhënave ekziston, por çelësi i saj mungon në ruajtjen e çelësave. Asgjë nuk u krijua. Kontaktoni administratorin.",
                "The database exists but its key is missing from the key store. Nothing was created. Contact the administrator.",
            ),
            StoreError::KeyWithoutDatabase => (
                "Çelësi ekziston, por skedari i bazës së të dhënave mungon (i zhvendosur apo i fshirë?). Asgjë nuk u krijua.",
                "The key exists but the database file is missing (moved or deleted?). Nothing was created.",
            ),
            StoreError::Missing => (
                "Nuk ka bazë të dhënash në këtë vend. Krijojeni me `regjistri init`.",
                "There is no database at this location. Create it with `regjistri init`.",
            ),
            StoreError::Damaged => (
                "Skedari i bazës së të dhënave është bosh ose i dëmtuar. Skedari nuk u ndryshua.",
                "The database file is empty or damaged. The file was not changed.",
            ),
            StoreError::NewerSchema { .. } => (
                "Baza e të dhënave është krijuar nga një version më i ri i Regjistrit. Përditësoni aplikacionin.",
                "The database was written by a newer version of Regjistri. Update the application.",
            ),
            StoreError::NotFound(_) => ("Nuk u gjet.", "Not found."),
            StoreError::Duplicate(_) => ("Ky emër është i zënë.", "This name is already taken."),
            StoreError::VersionConflict { .. } => (
                "Dosja u ndryshua ndërkohë nga dikush tjetër. Rihapeni dhe provoni përsëri; asgjë nuk humbi.",
                "The file was changed meanwhile by someone else. Reopen it and try again; nothing was lost.",
            ),
            StoreError::AuditChainBroken { .. } => (
                "Gjurma e auditimit është e cenuar.",
                "The audit trail has been tampered with.",
            ),
            StoreError::Corrupt(_) | StoreError::Sqlite(_) | StoreError::Io(_) => (
                "Ndodhi një gabim i brendshëm. Asgjë nuk u ruajt nga ky veprim.",
                "An internal error occurred. Nothing from this action was saved.",
            ),
        };
        match &e {
            StoreError::Corrupt(_) | StoreError::Sqlite(_) | StoreError::Io(_) => {
                log::error!("store error {code}: {e}")
            }
            _ => log::warn!("store refused: {code}"),
        }
        AppError::new(code, sq, en)
    }
}
