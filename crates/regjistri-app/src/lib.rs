//! The application layer: every operation of Regjistri, once. The Tauri commands and the
//! `regjistri` command line are thin shells that parse input, call one method here and
//! print or return its result.
//!
//! Invariants: no Tauri, no HTTP; every method returns `Result<_, AppError>` and never
//! panics on input; time comes from the injected clock.

pub mod api;
mod error;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use regjistri_domain::clock::Clock;
use regjistri_domain::dates::{self, local_date};
use regjistri_domain::file::{FileDraft, FileStatus};
use regjistri_domain::names::query_tokens;
use regjistri_domain::nid;
use regjistri_domain::reference::ReferenceSet;
use regjistri_domain::validate::{self, Context};
use regjistri_domain::FieldError;
use regjistri_store::{Actor, AuditEvent, FileWrite, Hit, KeyStore, Level, Store};
use uuid::Uuid;

pub use api::*;
pub use regjistri_store::{Create, OsKeyStore};

pub const MAX_QUERY_CHARS: usize = 200;
/// Files are written in transactions of this many when seeding.
const SEED_BATCH: usize = 2_000;
pub const DEFAULT_DIRECTORATE: &str = "dvp-tirane";

/// The per-user data directory's database (e.g. ~/.local/share/regjistri/regjistri.db).
pub fn default_database_path() -> Result<PathBuf, AppError> {
    directories::ProjectDirs::from("al", "ASP", "Regjistri")
        .map(|d| d.data_dir().join("regjistri.db"))
        .ok_or_else(|| {
            AppError::new(
                "no_data_directory",
                "Nuk u gjet dosja e të dhënave të përdoruesit.",
                "The user's data directory could not be found.",
            )
        })
}

/// The person working at this workstation. Until sign-in exists this is the operating
/// system account; every change and audit event carries it.
pub fn workstation_user() -> String {
    let name = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default();
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(64)
        .collect();
    format!("os:{}", if clean.is_empty() { "unknown" } else { &clean })
}

pub struct Registry {
    store: Mutex<Store>,
    clock: Arc<dyn Clock>,
    actor: Actor,
    directorate: String,
    database_path: PathBuf,
}

impl Registry {
    /// Opens the workstation's database (creating it only if `create` allows and neither the
    /// database nor its key exists).
    pub fn open(
        path: &Path,
        keys: &dyn KeyStore,
        clock: Arc<dyn Clock>,
        create: Create,
        user: String,
    ) -> Result<Registry, AppError> {
        let now = clock.now();
        let mut store = match create {
            Create::IfMissing => Store::open(path, keys, now)?,
            Create::Never => Store::open_existing(path, keys, now)?,
        };
        let station = match store.setting("station")? {
            Some(s) => s,
            None => {
                let s = format!(
                    "station-{}",
                    &regjistri_store::new_id(now).simple().to_string()[20..]
                );
                let actor = Actor {
                    user: user.clone(),
                    station: s.clone(),
                };
                store.set_setting("station", &s, &actor, now)?;
                s
            }
        };
        let directorate = match store.setting("directorate")? {
            Some(d) => d,
            None => {
                let actor = Actor {
                    user: user.clone(),
                    station: station.clone(),
                };
                store.set_setting("directorate", DEFAULT_DIRECTORATE, &actor, now)?;
                DEFAULT_DIRECTORATE.to_string()
            }
        };
        Ok(Registry {
            store: Mutex::new(store),
            clock,
            actor: Actor { user, station },
            directorate,
            database_path: path.to_path_buf(),
        })
    }

    fn store(&self) -> Result<MutexGuard<'_, Store>, AppError> {
        // A panic while holding the lock cannot leave a half-written transaction (SQLite rolls
        // back), so a poisoned lock is safe to take over.
        Ok(self.store.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Sets the directorate this workstation belongs to (administrators, `regjistri init`).
    pub fn set_directorate(&mut self, code: &str) -> Result<(), AppError> {
        let mut store = self.store()?;
        if store.reference().directorate(code).is_none() {
            return Err(AppError::invalid_input("unknown directorate"));
        }
        store.set_setting("directorate", code, &self.actor, self.clock.now())?;
        drop(store);
        self.directorate = code.to_string();
        Ok(())
    }

    pub fn app_info(&self) -> Result<AppInfo, AppError> {
        let store = self.store()?;
        Ok(AppInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            database_path: self.database_path.display().to_string(),
            station: self.actor.station.clone(),
            directorate_code: self.directorate.clone(),
            reference_version: store.reference().version.clone(),
            file_count: u32::try_from(store.file_count()?).unwrap_or(u32::MAX),
        })
    }

    pub fn reference_data(&self) -> Result<ReferenceSet, AppError> {
        Ok(self.store()?.reference().clone())
    }

    /// Finds files by name (any order, any case, with or without diacritics, variants),
    /// personal number, or date of birth; optionally within one municipality. Ranked with
    /// exact matches first; one page at a time.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchPage, AppError> {
        let text = q.text.trim();
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::invalid_input("query too long"));
        }
        let page_size = match q.page_size {
            0 => DEFAULT_PAGE_SIZE,
            n => n.min(MAX_PAGE_SIZE),
        };
        let offset =
            usize::try_from(u64::from(q.page) * u64::from(page_size)).unwrap_or(usize::MAX);
        let limit = usize::try_from(page_size).unwrap_or(25);
        let municipality = q.municipality_code.as_deref().filter(|m| !m.is_empty());

        let mut store = self.store()?;
        let normalised_nid = nid::normalise(text);
        let looks_like_nid = normalised_nid.len() == 10
            && normalised_nid.as_bytes()[0].is_ascii_uppercase()
            && normalised_nid.as_bytes()[1..9]
                .iter()
                .all(u8::is_ascii_digit);
        let (interpreted_as, (total, hits)) = if text.is_empty() {
            (
                "none",
                store.search_names(&[], municipality, offset, limit)?,
            )
        } else if looks_like_nid {
            (
                "nid",
                store.search_nid(&normalised_nid, municipality, offset, limit)?,
            )
        } else if let Ok(date) = dates::parse_input(text) {
            (
                "date_of_birth",
                store.search_birth_date(date, municipality, offset, limit)?,
            )
        } else {
            (
                "name",
                store.search_names(&query_tokens(text), municipality, offset, limit)?,
            )
        };
        let rowids: Vec<i64> = hits.iter().map(|h| h.rowid).collect();
        let summaries = store.summaries(&rowids)?;
        let reference = store.reference();
        let items = summaries
            .into_iter()
            .zip(hits.iter())
            .map(|(s, hit): (_, &Hit)| FileSummary {
                id: s.id,
                version: s.version,
                status: s.status,
                municipality_name: s
                    .municipality_code
                    .as_deref()
                    .and_then(|c| reference.municipality(c))
                    .map(|m| m.name.clone()),
                surname: s.surname,
                given_name: s.given_name,
                father_name: s.father_name,
                date_of_birth: s.date_of_birth,
                nid: s.nid,
                municipality_code: s.municipality_code,
                owning_directorate: s.owning_directorate,
                matched: match hit.level {
                    Level::Exact => MatchKind::Exact,
                    Level::Variant => MatchKind::Variant,
                    Level::Prefix => MatchKind::Prefix,
                    Level::Listed => MatchKind::Listed,
                },
            })
            .collect();
        Ok(SearchPage {
            total: u32::try_from(total).unwrap_or(u32::MAX),
            page: q.page,
            page_size,
            items,
            interpreted_as: interpreted_as.to_string(),
        })
    }

    pub fn get_file(&self, id: Uuid) -> Result<FileView, AppError> {
        let mut store = self.store()?;
        let file = store.file(id)?;
        let history = store
            .history(id)?
            .into_iter()
            .map(|c| HistoryEntry {
                version: c.version,
                at: c.at,
                actor: c.actor,
                action: if c.base_version == 0 {
                    "create"
                } else {
                    "update"
                }
                .to_string(),
                changes: c.changes,
            })
            .collect();
        store.record(&self.actor, self.clock.now(), &audit("file.view", id))?;
        Ok(FileView { file, history })
    }

    pub fn edit_file(&self, id: Uuid) -> Result<EditForm, AppError> {
        let mut store = self.store()?;
        let file = store.file(id)?;
        store.record(&self.actor, self.clock.now(), &audit("file.edit_open", id))?;
        Ok(EditForm {
            id,
            base_version: file.version,
            draft: FileDraft::from_data(&file.data),
        })
    }

    /// All problems of a draft, for inline errors while the form is filled in.
    pub fn check_draft(&self, draft: &FileDraft) -> Result<Vec<FieldError>, AppError> {
        let store = self.store()?;
        Ok(validate::check(
            draft,
            store.reference(),
            local_date(self.clock.now()),
        ))
    }

    pub fn create_file(&self, draft: &FileDraft) -> Result<Saved, AppError> {
        let now = self.clock.now();
        let mut store = self.store()?;
        let mut new_id = || regjistri_store::new_id(now);
        let data = validate::validate(
            draft,
            &mut Context {
                reference: store.reference(),
                today: local_date(now),
                new_id: &mut new_id,
            },
        )
        .map_err(AppError::validation)?;
        let owning = self.owning_directorate(&store, &data, now);
        let written = store.write_file(
            FileWrite {
                id: regjistri_store::new_id(now),
                base_version: 0,
                status: FileStatus::Pending,
                owning_directorate: owning,
                data,
                reason: None,
            },
            &self.actor,
            now,
        )?;
        log::info!("file {} created", written.id);
        Ok(Saved {
            id: written.id,
            version: written.version,
        })
    }

    pub fn update_file(
        &self,
        id: Uuid,
        base_version: i64,
        draft: &FileDraft,
    ) -> Result<Saved, AppError> {
        let now = self.clock.now();
        let mut store = self.store()?;
        let current = store.file(id)?;
        let mut new_id = || regjistri_store::new_id(now);
        let data = validate::validate(
            draft,
            &mut Context {
                reference: store.reference(),
                today: local_date(now),
                new_id: &mut new_id,
            },
        )
        .map_err(AppError::validation)?;
        let written = store.write_file(
            FileWrite {
                id,
                base_version,
                status: current.status,
                owning_directorate: current.owning_directorate,
                data,
                reason: None,
            },
            &self.actor,
            now,
        )?;
        log::info!("file {id} saved at version {}", written.version);
        Ok(Saved {
            id,
            version: written.version,
        })
    }

    /// The directorate of the person's current residence, or this workstation's.
    fn owning_directorate(
        &self,
        store: &Store,
        data: &regjistri_domain::file::FileData,
        now: chrono::DateTime<chrono::Utc>,
    ) -> String {
        let today = local_date(now);
        data.residence_on(today)
            .and_then(|a| {
                store
                    .reference()
                    .directorate_for(&a.municipality_code, today)
            })
            .map(|d| d.code.clone())
            .unwrap_or_else(|| self.directorate.clone())
    }

    /// Fills the database with `count` invented files (deterministic for `seed`), through the
    /// same validation and write path as the form. `progress(done, total)`.
    pub fn seed(
        &self,
        count: usize,
        seed: u64,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<usize, AppError> {
        let now = self.clock.now();
        let today = local_date(now);
        let mut store = self.store()?;
        let reference = store.reference().clone();
        let mut generator = regjistri_demo::Generator::new(seed, &reference, today);
        let mut done = 0;
        while done < count {
            let n = SEED_BATCH.min(count - done);
            let mut writes = Vec::with_capacity(n);
            for _ in 0..n {
                let draft = generator.next_draft();
                let mut new_id = || regjistri_store::new_id(now);
                let data = validate::validate(
                    &draft,
                    &mut Context {
                        reference: &reference,
                        today,
                        new_id: &mut new_id,
                    },
                )
                .map_err(|fields| {
                    log::error!(
                        "generated demo file failed validation: {:?}",
                        fields
                            .iter()
                            .map(|f| (&f.field, &f.code))
                            .collect::<Vec<_>>()
                    );
                    AppError::validation(fields)
                })?;
                let owning = self.owning_directorate(&store, &data, now);
                writes.push(FileWrite {
                    id: regjistri_store::new_id(now),
                    base_version: 0,
                    status: FileStatus::Pending,
                    owning_directorate: owning,
                    data,
                    reason: None,
                });
            }
            let base = done;
            store.write_files(writes, &self.actor, now, &mut |k| progress(base + k, count))?;
            done += n;
        }
        Ok(done)
    }

    /// Checks the audit trail's hash chain; returns the number of events.
    pub fn verify_audit(&self) -> Result<u64, AppError> {
        Ok(self.store()?.verify_audit()?)
    }

    /// Parses an id typed by a person.
    pub fn parse_id(text: &str) -> Result<Uuid, AppError> {
        Uuid::parse_str(text.trim()).map_err(|_| AppError::invalid_input("not a file id"))
    }
}

fn audit(action: &str, id: Uuid) -> AuditEvent {
    AuditEvent {
        action: action.into(),
        object_type: "offender_file".into(),
        object_id: id.to_string(),
        outcome: "ok".into(),
    }
}
