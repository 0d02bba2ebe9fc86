//! The application layer: every operation of Regjistri, once. The Tauri commands and the
//! `regjistri` command line are thin shells that parse input, call one method here and
//! print or return its result.
//!
//! Invariants: no Tauri, no HTTP; every method returns `Result<_, AppError>` and never
//! panics on input; time comes from the injected clock.

pub mod api;
mod error;
mod obligations;
mod photos;
mod session;
mod station;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use regjistri_domain::access::Operation;
use regjistri_domain::clock::Clock;
use regjistri_domain::dates::{self, local_date};
use regjistri_domain::diff::diff;
use regjistri_domain::file::{FileDraft, FileStatus};
use regjistri_domain::names::query_tokens;
use regjistri_domain::nid;
use regjistri_domain::reference::ReferenceSet;
use regjistri_domain::validate::{self, Context};
use regjistri_domain::FieldError;
use regjistri_store::{Actor, AuditEvent, AuditFilter, FileWrite, Hit, KeyStore, Level, Store};
use uuid::Uuid;

pub use api::*;
pub use regjistri_store::{Create, KeyStore as SecretStore, OsKeyStore};
pub use station::SYNC_ACTOR;

/// The key store a registry keeps its database key and station key in.
pub type Keys = Arc<dyn KeyStore + Send + Sync>;

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

/// Which station this workstation is, and of which directorate (both change at enrolment).
struct Workstation {
    /// This workstation's name in audit events (the station code once enrolled).
    station: String,
    directorate: String,
}

pub struct Registry {
    store: Mutex<Store>,
    clock: Arc<dyn Clock>,
    keys: Keys,
    workstation: RwLock<Workstation>,
    database_path: PathBuf,
    session: Mutex<Option<session::Session>>,
    idle_minutes: u32,
    sync: Mutex<station::SyncRuntime>,
    /// One synchronisation round at a time.
    sync_lock: tokio::sync::Mutex<()>,
}

impl Registry {
    /// Opens the workstation's database (creating it only if `create` allows and neither the
    /// database nor its key exists).
    pub fn open(
        path: &Path,
        keys: Keys,
        clock: Arc<dyn Clock>,
        create: Create,
        user: String,
    ) -> Result<Registry, AppError> {
        let now = clock.now();
        let mut store = match create {
            Create::IfMissing => Store::open(path, keys.as_ref(), now)?,
            Create::Never => Store::open_existing(path, keys.as_ref(), now)?,
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
        let idle_minutes = store
            .setting("idle_minutes")?
            .and_then(|m| m.parse::<u32>().ok())
            .filter(|m| (1..=session::MAX_IDLE_MINUTES).contains(m))
            .unwrap_or(session::DEFAULT_IDLE_MINUTES);
        Ok(Registry {
            store: Mutex::new(store),
            clock,
            keys,
            workstation: RwLock::new(Workstation {
                station,
                directorate,
            }),
            database_path: path.to_path_buf(),
            session: Mutex::new(None),
            idle_minutes,
            sync: Mutex::new(station::SyncRuntime::default()),
            sync_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// This workstation's name in audit events.
    pub fn station(&self) -> String {
        self.workstation
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .station
            .clone()
    }

    /// This workstation's directorate.
    pub fn directorate(&self) -> String {
        self.workstation
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .directorate
            .clone()
    }

    fn set_workstation(&self, station: &str, directorate: &str) {
        let mut w = self.workstation.write().unwrap_or_else(|p| p.into_inner());
        w.station = station.to_string();
        w.directorate = directorate.to_string();
    }

    fn store(&self) -> Result<MutexGuard<'_, Store>, AppError> {
        // A panic while holding the lock cannot leave a half-written transaction (SQLite rolls
        // back), so a poisoned lock is safe to take over.
        Ok(self.store.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Sets the directorate this workstation belongs to, at `regjistri init` before any
    /// user exists (the operating-system account is recorded), or by an administrator.
    pub fn set_directorate(&mut self, code: &str, os_user: &str) -> Result<(), AppError> {
        let no_users = self.store()?.user_count()? == 0;
        let actor = if no_users {
            Actor {
                user: os_user.to_string(),
                station: self.station(),
            }
        } else {
            self.authorize(Operation::ChangeSettings, None)?.0
        };
        let mut store = self.store()?;
        if store.reference().directorate(code).is_none() {
            return Err(AppError::invalid_input(
                "Drejtoria nuk njihet",
                "unknown directorate",
            ));
        }
        store.set_setting("directorate", code, &actor, self.clock.now())?;
        drop(store);
        let station = self.station();
        self.set_workstation(&station, code);
        Ok(())
    }

    /// What the window shows before sign-in; the file count only with a live session.
    pub fn app_info(&self) -> Result<AppInfo, AppError> {
        let signed_in = self
            .session()
            .is_ok_and(|s| !s.locked && !s.must_change_password);
        let store = self.store()?;
        Ok(AppInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            database_path: self.database_path.display().to_string(),
            station: self.station(),
            directorate_code: self.directorate(),
            reference_version: store.reference().version.clone(),
            file_count: if signed_in {
                Some(u32::try_from(store.file_count()?).unwrap_or(u32::MAX))
            } else {
                None
            },
        })
    }

    pub fn reference_data(&self) -> Result<ReferenceSet, AppError> {
        self.authorize(Operation::ReadReferenceData, None)?;
        Ok(self.store()?.reference().clone())
    }

    /// Finds files by name (any order, any case, with or without diacritics, variants),
    /// personal number, or date of birth; optionally within one municipality. Ranked with
    /// exact matches first; one page at a time.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchPage, AppError> {
        let text = q.text.trim();
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::invalid_input(
                "kërkimi është shumë i gjatë",
                "query too long",
            ));
        }
        let page_size = match q.page_size {
            0 => DEFAULT_PAGE_SIZE,
            n => n.min(MAX_PAGE_SIZE),
        };
        let offset =
            usize::try_from(u64::from(q.page) * u64::from(page_size)).unwrap_or(usize::MAX);
        let limit = usize::try_from(page_size).unwrap_or(25);
        let municipality = q.municipality_code.as_deref().filter(|m| !m.is_empty());

        let (actor, _) = self.authorize(Operation::SearchFiles, None)?;
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
        // Persons of other directorates, known here by their index entry only.
        let national = if q.page > 0 || text.is_empty() {
            Vec::new()
        } else {
            let level_kind = |l: Level| match l {
                Level::Exact => MatchKind::Exact,
                Level::Variant => MatchKind::Variant,
                Level::Prefix => MatchKind::Prefix,
                Level::Listed => MatchKind::Listed,
            };
            let found: Vec<(regjistri_store::NationalEntry, MatchKind)> = match interpreted_as {
                "nid" => store
                    .search_national_where(Some(&normalised_nid), None, limit)?
                    .into_iter()
                    .map(|e| (e, MatchKind::Exact))
                    .collect(),
                "date_of_birth" => store
                    .search_national_where(None, dates::parse_input(text).ok(), limit)?
                    .into_iter()
                    .map(|e| (e, MatchKind::Exact))
                    .collect(),
                _ => store
                    .search_national_names(&query_tokens(text), limit)?
                    .into_iter()
                    .map(|(e, l)| (e, level_kind(l)))
                    .collect(),
            };
            found
                .into_iter()
                .map(|(e, matched)| NationalHit {
                    id: e.id,
                    owning_directorate: e.owning_directorate,
                    status: e.status,
                    nid: e.nid,
                    date_of_birth: e.date_of_birth,
                    matched,
                })
                .collect()
        };
        let rowids: Vec<i64> = hits.iter().map(|h| h.rowid).collect();
        let summaries = store.summaries(&rowids)?;
        let statuses = obligations::statuses_of(
            &store,
            summaries.iter().map(|s| s.id),
            local_date(self.clock.now()),
        )?;
        let items = summaries
            .into_iter()
            .zip(hits.iter())
            .map(|(s, hit): (_, &Hit)| {
                let matched = match hit.level {
                    Level::Exact => MatchKind::Exact,
                    Level::Variant => MatchKind::Variant,
                    Level::Prefix => MatchKind::Prefix,
                    Level::Listed => MatchKind::Listed,
                };
                let status = statuses.get(&s.id).copied();
                to_summary(store.reference(), s, matched, status)
            })
            .collect();
        // The access log keeps what was asked (the law requires it), never what was found.
        let asked = format!(
            "{interpreted_as}:{}",
            if text.is_empty() { "-" } else { text }
        );
        store.record(
            &actor,
            self.clock.now(),
            &AuditEvent {
                action: "file.search".into(),
                object_type: "query".into(),
                object_id: asked,
                outcome: if national.is_empty() {
                    format!("{total} found")
                } else {
                    format!("{total} found, {} national", national.len())
                },
            },
        )?;
        Ok(SearchPage {
            total: u32::try_from(total).unwrap_or(u32::MAX),
            page: q.page,
            page_size,
            items,
            interpreted_as: interpreted_as.to_string(),
            national,
        })
    }

    pub fn get_file(&self, id: Uuid) -> Result<FileView, AppError> {
        let (actor, _) = self.authorize(Operation::ViewFile, None)?;
        let mut store = self.store()?;
        let file = store.file(id)?;
        let history = store
            .history(id)?
            .into_iter()
            .map(|c| HistoryEntry {
                version: c.version,
                at: c.at,
                actor: c.actor,
                action: c.action.as_str().to_string(),
                reason: c.reason,
                changes: c.changes,
            })
            .collect();
        let approved = store.approved_version(id)?;
        // A pending amendment, or a returned one, is shown against the version that stands.
        let pending_changes = match (&approved, file.status) {
            (Some(a), FileStatus::Amended | FileStatus::Returned) => diff(
                &serde_json::to_value(&a.data).unwrap_or_default(),
                &serde_json::to_value(&file.data).unwrap_or_default(),
            ),
            _ => Vec::new(),
        };
        let rules = store.rule_book()?;
        let compliance =
            obligations::compliance_of(&store, id, &rules, local_date(self.clock.now()))?;
        let registered =
            obligations::is_registered(approved.is_some(), file.status, compliance.as_ref());
        // Who took the latest photo, when, and its digest are the photos' business too:
        // only for those who may see them.
        let may_view_photos = self.may(Operation::ViewPhoto, &file.owning_directorate);
        let latest_photo = if may_view_photos {
            store.latest_photo(id)?
        } else {
            None
        };
        store.record(&actor, self.clock.now(), &audit("file.view", id))?;
        Ok(FileView {
            file,
            history,
            approved: approved.map(|a| ApprovedInfo {
                version: a.version,
                approved_by: a.approved_by,
                approved_at: a.approved_at,
            }),
            pending_changes,
            registered,
            compliance,
            latest_photo,
            may_view_photos,
        })
    }

    pub fn edit_file(&self, id: Uuid) -> Result<EditForm, AppError> {
        let (actor, _) = self.authorize_on(Operation::OpenEditForm, || {
            Ok(self.store()?.file(id)?.owning_directorate)
        })?;
        let mut store = self.store()?;
        let file = store.file(id)?;
        store.record(&actor, self.clock.now(), &audit("file.edit_open", id))?;
        Ok(EditForm {
            id,
            base_version: file.version,
            draft: FileDraft::from_data(&file.data),
        })
    }

    /// All problems of a draft, for inline errors while the form is filled in.
    pub fn check_draft(&self, draft: &FileDraft) -> Result<Vec<FieldError>, AppError> {
        self.authorize(Operation::CheckDraft, None)?;
        let store = self.store()?;
        Ok(validate::check(
            draft,
            store.reference(),
            local_date(self.clock.now()),
        ))
    }

    /// A new file, pending until a supervisor of its directorate approves it.
    pub fn create_file(&self, draft: &FileDraft) -> Result<Saved, AppError> {
        let now = self.clock.now();
        let (_, user) = self.authorize(Operation::CreateFile, None)?;
        let store = self.store()?;
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
        drop(store);
        // The file's directorate decides who may write it: a clerk cannot create a file for
        // another directorate.
        let (actor, _) = self
            .authorize(Operation::CreateFile, Some(&owning))
            .inspect_err(|_| {
                log::info!("create refused for user {} in another directorate", user.id)
            })?;
        let written = self.store()?.write_file(
            FileWrite {
                id: regjistri_store::new_id(now),
                base_version: 0,
                status: FileStatus::Pending,
                owning_directorate: owning,
                data,
                reason: None,
            },
            &actor,
            now,
        )?;
        log::info!("file {} created", written.id);
        Ok(Saved {
            id: written.id,
            version: written.version,
        })
    }

    /// A change: a pending file stays pending; an approved file gets a pending amendment
    /// while its approved version stands; a returned file goes back to the queue.
    pub fn update_file(
        &self,
        id: Uuid,
        base_version: i64,
        draft: &FileDraft,
    ) -> Result<Saved, AppError> {
        let now = self.clock.now();
        let (actor, _) = self.authorize_on(Operation::UpdateFile, || {
            Ok(self.store()?.file(id)?.owning_directorate)
        })?;
        let current = self.store()?.file(id)?;
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
        let was_approved = store.approved_version(id)?.is_some();
        let status = match current.status {
            FileStatus::Removed => {
                return Err(AppError::new(
                    "file_removed",
                    "Dosja është hequr dhe nuk ndryshohet.",
                    "The file was removed and cannot be changed.",
                ))
            }
            _ if was_approved => FileStatus::Amended,
            _ => FileStatus::Pending,
        };
        let written = store.write_file(
            FileWrite {
                id,
                base_version,
                status,
                owning_directorate: current.owning_directorate,
                data,
                reason: None,
            },
            &actor,
            now,
        )?;
        log::info!("file {id} saved at version {}", written.version);
        Ok(Saved {
            id,
            version: written.version,
        })
    }

    /// Files of the supervisor's directorate waiting for approval.
    pub fn approval_queue(&self) -> Result<Vec<FileSummary>, AppError> {
        let (_, user) = self.authorize(Operation::ViewApprovalQueue, None)?;
        let store = self.store()?;
        let rowids = store.awaiting_approval(&user.directorate)?;
        let summaries = store.summaries(&rowids)?;
        let statuses = obligations::statuses_of(
            &store,
            summaries.iter().map(|s| s.id),
            local_date(self.clock.now()),
        )?;
        Ok(summaries
            .into_iter()
            .map(|s| {
                let status = statuses.get(&s.id).copied();
                to_summary(store.reference(), s, MatchKind::Listed, status)
            })
            .collect())
    }

    /// Four eyes: a supervisor of the file's directorate who did not create or change this
    /// version approves it; each conviction must carry a court decision reference.
    pub fn approve_file(&self, id: Uuid, version: i64) -> Result<Saved, AppError> {
        self.decide(id, version, FileStatus::Approved, None)
    }

    /// Returns a version to its author; a reason is required.
    pub fn return_file(&self, id: Uuid, version: i64, reason: &str) -> Result<Saved, AppError> {
        let reason = required_reason(
            reason,
            "Kthimi kërkon një arsye.",
            "Returning needs a reason.",
        )?;
        self.decide(id, version, FileStatus::Returned, Some(reason.to_string()))
    }

    fn decide(
        &self,
        id: Uuid,
        version: i64,
        decision: FileStatus,
        reason: Option<String>,
    ) -> Result<Saved, AppError> {
        let now = self.clock.now();
        let op = if decision == FileStatus::Approved {
            Operation::ApproveFile
        } else {
            Operation::ReturnFile
        };
        let (actor, user) =
            self.authorize_on(op, || Ok(self.store()?.file(id)?.owning_directorate))?;
        let current = self.store()?.file(id)?;
        let mut store = self.store()?;
        if !matches!(current.status, FileStatus::Pending | FileStatus::Amended) {
            return Err(AppError::new(
                "not_awaiting_approval",
                "Kjo dosje nuk pret miratim.",
                "This file is not awaiting approval.",
            ));
        }
        if current.version != version {
            return Err(regjistri_store::StoreError::VersionConflict {
                id: id.to_string(),
                expected: version,
                found: current.version,
            }
            .into());
        }
        if store
            .authors_since_approval(id)?
            .iter()
            .any(|a| a == &user.user_name)
        {
            store.record(
                &actor,
                now,
                &AuditEvent {
                    outcome: "refused_own_work".into(),
                    ..audit(
                        if decision == FileStatus::Approved {
                            "file.approve"
                        } else {
                            "file.return"
                        },
                        id,
                    )
                },
            )?;
            return Err(AppError::new(
                "own_work",
                "Nuk mund të miratoni ose ktheni një version që e keni krijuar apo ndryshuar vetë.",
                "You cannot approve or return a version you created or changed yourself.",
            ));
        }
        if decision == FileStatus::Approved {
            let missing: Vec<FieldError> = current
                .data
                .convictions
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    c.decision_number.trim().is_empty()
                        || (c.court_code.is_none() && c.court_name.trim().is_empty())
                })
                .map(|(i, _)| {
                    FieldError::error(format!("convictions.{i}.decision_number"), "required")
                })
                .collect();
            if !missing.is_empty() || current.data.convictions.is_empty() {
                return Err(AppError {
                    fields: missing,
                    ..AppError::new(
                        "decision_reference_required",
                        "Çdo dënim duhet të ketë gjykatën dhe numrin e vendimit para miratimit.",
                        "Every conviction needs the court and decision number before approval.",
                    )
                });
            }
        }
        let status = match (decision, store.approved_version(id)?.is_some()) {
            (FileStatus::Approved, _) => FileStatus::Approved,
            (_, true) => FileStatus::Amended,
            _ => FileStatus::Returned,
        };
        // A returned amendment keeps the approved version standing; mark it returned anyway
        // so the author sees it (the approved version stays registered).
        let status = if decision == FileStatus::Returned {
            FileStatus::Returned
        } else {
            status
        };
        let written = store.write_file(
            FileWrite {
                id,
                base_version: version,
                status,
                owning_directorate: current.owning_directorate,
                data: current.data,
                reason,
            },
            &actor,
            now,
        )?;
        Ok(Saved {
            id,
            version: written.version,
        })
    }

    /// The audit trail for auditors, newest first, filtered.
    pub fn audit_events(&self, q: &AuditQuery) -> Result<AuditPage, AppError> {
        self.authorize(Operation::ReadAudit, None)?;
        let bound = |s: &Option<String>, next_day: bool| -> Result<Option<String>, AppError> {
            let Some(text) = s.as_deref().filter(|t| !t.trim().is_empty()) else {
                return Ok(None);
            };
            let day = dates::parse_input(text).map_err(|_| {
                AppError::invalid_input("data duhet të jetë dd.mm.vvvv", "date must be dd.mm.yyyy")
            })?;
            let day = if next_day {
                day.succ_opt().unwrap_or(day)
            } else {
                day
            };
            // The day's first instant in Tirana (after a DST gap, the first that exists).
            let utc = dates::tirane_day_start(day).ok_or_else(|| {
                AppError::invalid_input("data është jashtë kalendarit", "date out of range")
            })?;
            Ok(Some(regjistri_store::format_time(utc)))
        };
        let filter = AuditFilter {
            actor: q.user.clone().filter(|v| !v.is_empty()),
            action: q.action.clone().filter(|v| !v.is_empty()),
            object_id: q.object_id.clone().filter(|v| !v.is_empty()),
            from: bound(&q.from, false)?,
            to: bound(&q.to, true)?,
        };
        let page_size = match q.page_size {
            0 => 50,
            n => n.min(MAX_PAGE_SIZE),
        };
        let offset =
            usize::try_from(u64::from(q.page) * u64::from(page_size)).unwrap_or(usize::MAX);
        let (total, events) = self
            .store()?
            .search_audit(&filter, offset, page_size as usize)?;
        Ok(AuditPage {
            total: u32::try_from(total).unwrap_or(u32::MAX),
            items: events
                .into_iter()
                .map(|e| AuditEntry {
                    seq: e.seq,
                    at: e.at,
                    actor: e.actor,
                    station: e.station,
                    action: e.action,
                    object_type: e.object_type,
                    object_id: e.object_id,
                    outcome: e.outcome,
                })
                .collect(),
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
            .unwrap_or_else(|| self.directorate())
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
        let (actor, _) = self.authorize(Operation::SeedDemoData, None)?;
        let today = local_date(now);
        let mut store = self.store()?;
        let reference = store.reference().clone();
        // A station holds its own directorate's files only: once enrolled, the invented
        // persons live there (a file of another directorate could not be synchronised).
        let generated_from = if self.is_enrolled(&store)? {
            let directorate = self.directorate();
            let mut own = reference.clone();
            let of_own: Vec<String> = reference
                .municipalities
                .iter()
                .filter(|m| {
                    reference
                        .directorate_for(&m.code, today)
                        .is_some_and(|d| d.code == directorate)
                })
                .map(|m| m.code.clone())
                .collect();
            own.municipalities.retain(|m| of_own.contains(&m.code));
            own
        } else {
            reference.clone()
        };
        let mut generator = regjistri_demo::Generator::new(seed, &generated_from, today);
        let mut record_generator = regjistri_demo::records::RecordGenerator::new(seed, today);
        let mut avatars = regjistri_demo::photos::Avatars::new();
        let rules = store.rule_book()?;
        // Demo files are entered by a demo clerk and, for most, approved by a demo supervisor,
        // so that the registry looks as it will in use. Both are marked as demo accounts.
        let clerk = Actor {
            user: "demo.clerk".into(),
            station: actor.station.clone(),
        };
        let supervisor = Actor {
            user: "demo.supervisor".into(),
            station: actor.station.clone(),
        };
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
            let written = store.write_files(writes.clone(), &clerk, now, &mut |k| {
                progress(base + k, count)
            })?;
            // Nine in ten approved; the rest wait in the directorates' queues.
            let approvals: Vec<FileWrite> = writes
                .into_iter()
                .zip(written)
                .enumerate()
                .filter(|(k, _)| (base + k) % 10 != 9)
                .map(|(_, (w, saved))| FileWrite {
                    base_version: saved.version,
                    status: FileStatus::Approved,
                    ..w
                })
                .collect();
            // Registered persons have a history: check-ins, trips, address changes.
            let records: Vec<_> = approvals
                .iter()
                .flat_map(|w| {
                    record_generator
                        .records_for(&w.data, &rules)
                        .into_iter()
                        .map(move |r| (w.id, r))
                        .collect::<Vec<_>>()
                })
                .collect();
            store.write_files(approvals, &supervisor, now, &mut |_| {})?;
            // Each check-in has its photo: an invented avatar, the same for a person.
            let check_ins: Vec<(usize, regjistri_store::NewPhoto)> = records
                .iter()
                .enumerate()
                .filter_map(|(i, (file_id, r))| match r {
                    regjistri_domain::records::RecordData::CheckIn { date, .. } => {
                        Some((i, *file_id, *date))
                    }
                    _ => None,
                })
                .map(|(i, file_id, date)| {
                    let bytes = avatars.for_seed(seed ^ file_id.as_u128() as u64).to_vec();
                    (
                        i,
                        regjistri_store::NewPhoto {
                            file_id,
                            taken_on: date,
                            media_type: regjistri_domain::photo::MediaType::Png,
                            width: regjistri_demo::photos::WIDTH,
                            height: regjistri_demo::photos::HEIGHT,
                            bytes,
                        },
                    )
                })
                .collect();
            let (at, photos): (Vec<usize>, Vec<_>) = check_ins.into_iter().unzip();
            let mut records = records;
            for (i, photo) in at.into_iter().zip(store.add_photos(photos, &clerk, now)?) {
                if let regjistri_domain::records::RecordData::CheckIn { photo_id, .. } =
                    &mut records[i].1
                {
                    *photo_id = Some(photo.id);
                }
            }
            // Deaths and removals take effect once a second supervisor confirms them.
            let added = store.add_records(records, &clerk, now)?;
            for record in &added {
                if record.data.needs_confirmation() {
                    store.confirm_record(record.id, &supervisor, now)?;
                }
            }
            // Some of the declared trips were changed afterwards.
            store.add_records(record_generator.trip_changes(&added, now), &clerk, now)?;
            done += n;
        }
        Ok(done)
    }

    /// Checks the audit trail's hash chain; returns the number of events.
    pub fn verify_audit(&self) -> Result<u64, AppError> {
        self.authorize(Operation::VerifyAudit, None)?;
        Ok(self.store()?.verify_audit()?)
    }

    /// Parses an id typed by a person.
    pub fn parse_id(text: &str) -> Result<Uuid, AppError> {
        Uuid::parse_str(text.trim()).map_err(|_| {
            AppError::invalid_input("ky nuk është identifikues dosjeje", "not a file id")
        })
    }
}

pub(crate) fn to_summary(
    reference: &ReferenceSet,
    s: regjistri_store::Summary,
    matched: MatchKind,
    compliance: Option<regjistri_domain::compliance::ComplianceStatus>,
) -> FileSummary {
    FileSummary {
        id: s.id,
        version: s.version,
        registered: matches!(s.status, FileStatus::Approved | FileStatus::Amended)
            && compliance.is_none_or(|c| c.counts_as_registered()),
        compliance,
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
        matched,
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

/// A reason an officer must give (returning a file, voiding a record or photo), trimmed:
/// required and at most 1,000 characters, else `reason_required` at the field `reason` with
/// the message given.
pub(crate) fn required_reason<'a>(
    reason: &'a str,
    sq: &'static str,
    en: &'static str,
) -> Result<&'a str, AppError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(AppError {
            fields: vec![FieldError::error("reason", "required")],
            ..AppError::new("reason_required", sq, en)
        });
    }
    Ok(reason)
}
