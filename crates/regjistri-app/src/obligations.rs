//! Obligations and compliance: the dashboard, a person's timeline, records, notices and the
//! rule-set editor. Compliance is computed on every read from the approved version, the
//! records, the notices, the rule book and today's date (Europe/Tirane); it is never stored.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use regjistri_domain::access::Operation;
use regjistri_domain::compliance::{self, Compliance, ComplianceStatus, Inputs};
use regjistri_domain::dates::{self, local_date};
use regjistri_domain::file::{FileData, FileStatus};
use regjistri_domain::records::{
    self, itineraries, FileRecord, Itinerary, RecordContext, RecordData, RecordDraft, RuleNotice,
};
use regjistri_domain::rules::{self, RuleBook, RuleSet};
use regjistri_domain::FieldError;
use regjistri_store::{AuditEvent, Store};
use uuid::Uuid;

use crate::api::*;
use crate::{to_summary, AppError, Registry};

/// How many touched files a rule preview lists.
const PREVIEW_LIST: usize = 100;

/// Compliance of one file from its approved version; `None` if never approved.
pub(crate) fn compliance_of(
    store: &Store,
    id: Uuid,
    rules: &RuleBook,
    today: NaiveDate,
) -> Result<Option<Compliance>, AppError> {
    let Some(approved) = store.approved_version(id)? else {
        return Ok(None);
    };
    let records = store.records(id)?;
    let notices = store.notices(id)?;
    Ok(Some(compliance_from(
        &approved.data,
        &records,
        &notices,
        store.first_approved_at(id)?,
        rules,
        today,
    )))
}

/// Compliance of a file from the data that stands approved, its records and notices and its
/// first approval (reports are owed from that day in Tirana unless a registration notice
/// says otherwise): one computation for a file of this station, read from the store, and for
/// another directorate's file fetched from the server.
pub(crate) fn compliance_from(
    approved: &FileData,
    records: &[FileRecord],
    notices: &[RuleNotice],
    first_approved_at: Option<DateTime<Utc>>,
    rules: &RuleBook,
    today: NaiveDate,
) -> Compliance {
    compliance::compute(&Inputs {
        data: approved,
        records,
        notices,
        rules,
        today,
        registered_on: first_approved_at.map(local_date),
    })
}

/// Whether a file's person is registered: an approved version stands, the file is not
/// removed, and the person is not removed, deceased or past the registration period.
pub(crate) fn is_registered(
    approved: bool,
    status: FileStatus,
    compliance: Option<&Compliance>,
) -> bool {
    approved && status != FileStatus::Removed && compliance.is_none_or(|c| c.counts_as_registered())
}

/// Compliance statuses of several files (for result lists).
pub(crate) fn statuses_of(
    store: &Store,
    ids: impl IntoIterator<Item = Uuid>,
    today: NaiveDate,
) -> Result<HashMap<Uuid, ComplianceStatus>, AppError> {
    let rules = store.rule_book()?;
    let mut out = HashMap::new();
    for id in ids {
        if let Some(c) = compliance_of(store, id, &rules, today)? {
            out.insert(id, c.status);
        }
    }
    Ok(out)
}

fn event(action: &str, object_type: &str, object_id: impl Into<String>) -> AuditEvent {
    AuditEvent {
        action: action.into(),
        object_type: object_type.into(),
        object_id: object_id.into(),
        outcome: "ok".into(),
    }
}

/// The trips `ids` names, as they stand.
fn trips(itineraries: &[Itinerary], ids: &[Uuid]) -> Vec<TripUnderWay> {
    let mut out: Vec<TripUnderWay> = itineraries
        .iter()
        .filter(|t| ids.contains(&t.trip_id))
        .map(|t| TripUnderWay {
            record_id: t.trip_id,
            foreign: t.foreign,
            country: t.country.clone(),
            destination: t.destination.clone(),
            departure: t.departure,
            return_date: t.return_date,
            changed: t.changed_by.is_some(),
        })
        .collect();
    out.sort_by_key(|t| (t.departure, t.record_id));
    out
}

impl Registry {
    fn today(&self) -> NaiveDate {
        local_date(self.clock.now())
    }

    fn record_owner(&self, record_id: Uuid) -> Result<(FileRecord, String), AppError> {
        let store = self.store()?;
        let record = store.file_record(record_id)?;
        let owner = store.file(record.file_id)?.owning_directorate;
        Ok((record, owner))
    }

    /// The signed-in officer's directorate today: who is overdue, who is due soon, who is
    /// travelling, who has absconded.
    pub fn dashboard(&self) -> Result<Dashboard, AppError> {
        let (actor, user) = self.authorize(Operation::ViewCompliance, None)?;
        let today = self.today();
        let mut store = self.store()?;
        let rules = store.rule_book()?;
        let due_soon_days = rules.in_effect(today).values.due_soon_days;
        let files = store.registered_files(Some(&user.directorate))?;
        let mut counts: HashMap<ComplianceStatus, u32> = HashMap::new();
        let mut rows: Vec<(i64, Compliance, Vec<Itinerary>)> = Vec::new();
        for (file, records, notices) in files {
            let c = compliance_from(
                &file.data,
                &records,
                &notices,
                Some(file.registered_at),
                &rules,
                today,
            );
            *counts.entry(c.status).or_default() += 1;
            let listed = matches!(
                c.status,
                ComplianceStatus::Overdue | ComplianceStatus::DueSoon | ComplianceStatus::Absconded
            ) || !c.trips_under_way.is_empty()
                || !c.departures_ahead.is_empty()
                || (c.awaiting_notice > 0 && c.counts_as_registered());
            if listed {
                rows.push((file.rowid, c, itineraries(&records)));
            }
        }
        let rowids: Vec<i64> = rows.iter().map(|(r, ..)| *r).collect();
        let summaries: HashMap<i64, regjistri_store::Summary> = store
            .summaries(&rowids)?
            .into_iter()
            .map(|s| (s.rowid, s))
            .collect();
        let mut dashboard = Dashboard {
            directorate: user.directorate.clone(),
            today,
            due_soon_days,
            counts: Vec::new(),
            overdue: Vec::new(),
            due_soon: Vec::new(),
            travelling: Vec::new(),
            departing: Vec::new(),
            awaiting_notice: Vec::new(),
            absconded: Vec::new(),
        };
        for (rowid, c, trips_of) in rows {
            let Some(summary) = summaries.get(&rowid) else {
                continue;
            };
            let row = DashboardRow {
                file: to_summary(
                    store.reference(),
                    summary.clone(),
                    MatchKind::Listed,
                    Some(c.status),
                ),
                status: c.status,
                overdue_since: c.overdue_since,
                days_overdue: c
                    .overdue_since
                    .map(|d| u32::try_from((today - d).num_days()).unwrap_or(0)),
                next_due: c.next_due,
                trips: trips(&trips_of, &c.trips_under_way),
                departures: trips(&trips_of, &c.departures_ahead),
                awaiting_since: c.awaiting_since,
                unserved_notices: c.unserved_notices,
            };
            if !row.trips.is_empty() {
                dashboard.travelling.push(row.clone());
            }
            if !row.departures.is_empty() {
                dashboard.departing.push(row.clone());
            }
            if row.awaiting_since.is_some() && c.counts_as_registered() {
                dashboard.awaiting_notice.push(row.clone());
            }
            match c.status {
                ComplianceStatus::Overdue => dashboard.overdue.push(row),
                ComplianceStatus::DueSoon => dashboard.due_soon.push(row),
                ComplianceStatus::Absconded => dashboard.absconded.push(row),
                _ => {}
            }
        }
        dashboard
            .overdue
            .sort_by_key(|r| (r.overdue_since, r.file.surname.clone()));
        dashboard
            .due_soon
            .sort_by_key(|r| (r.next_due, r.file.surname.clone()));
        dashboard.travelling.sort_by_key(|r| {
            (
                r.trips.first().map(|t| t.return_date),
                r.file.surname.clone(),
            )
        });
        dashboard.departing.sort_by_key(|r| {
            (
                r.departures.first().map(|t| t.departure),
                r.file.surname.clone(),
            )
        });
        dashboard
            .awaiting_notice
            .sort_by_key(|r| (r.awaiting_since, r.file.surname.clone()));
        let mut counts: Vec<StatusCount> = counts
            .into_iter()
            .map(|(status, count)| StatusCount { status, count })
            .collect();
        counts.sort_by_key(|c| c.status.as_str());
        dashboard.counts = counts;
        store.record(
            &actor,
            self.clock.now(),
            &event("dashboard.view", "directorate", user.directorate),
        )?;
        Ok(dashboard)
    }

    /// A person's registration, obligations, records and notices.
    pub fn timeline(&self, file_id: Uuid) -> Result<Timeline, AppError> {
        let (actor, user) = self.authorize(Operation::ViewCompliance, None)?;
        let today = self.today();
        let mut store = self.store()?;
        let owner = store.file(file_id)?.owning_directorate;
        let rules = store.rule_book()?;
        let compliance = compliance_of(&store, file_id, &rules, today)?;
        let records = store.records(file_id)?;
        let timeline = Timeline {
            file_id,
            compliance,
            trips: itineraries(&records),
            records,
            notices: store.notices(file_id)?,
            may_add: regjistri_domain::access::permitted(
                user.role,
                &user.directorate,
                Operation::AddRecord,
                Some(&owner),
            ),
            may_confirm: regjistri_domain::access::permitted(
                user.role,
                &user.directorate,
                Operation::ConfirmRecord,
                Some(&owner),
            ),
            may_serve: regjistri_domain::access::permitted(
                user.role,
                &user.directorate,
                Operation::ServeNotice,
                Some(&owner),
            ),
        };
        store.record(
            &actor,
            self.clock.now(),
            &event("file.timeline", "offender_file", file_id.to_string()),
        )?;
        Ok(timeline)
    }

    /// Adds a record to a file of the officer's directorate. Death and removal take effect
    /// only once a second supervisor confirms them.
    pub fn add_record(&self, file_id: Uuid, draft: &RecordDraft) -> Result<FileRecord, AppError> {
        let owner = || Ok(self.store()?.file(file_id)?.owning_directorate);
        let (actor, _) = self.authorize_on(Operation::AddRecord, owner)?;
        if self.store()?.file(file_id)?.status == regjistri_domain::file::FileStatus::Removed {
            return Err(AppError::new(
                "file_removed",
                "Dosja është hequr nga regjistri; nuk shtohen të dhëna të reja.",
                "The file was removed from the registry; nothing new can be added.",
            ));
        }
        let data = {
            let store = self.store()?;
            let records = store.records(file_id)?;
            let ctx = RecordContext {
                reference: store.reference(),
                now: self.clock.now(),
                records: &records,
            };
            records::validate_record(draft, &ctx).map_err(AppError::validation)?
        };
        if let RecordData::CheckIn {
            photo_id: Some(photo_id),
            ..
        } = &data
        {
            self.check_photo_of(file_id, *photo_id)?;
        }
        let record = self
            .store()?
            .add_record(file_id, data, &actor, self.clock.now())?;
        log::info!("record {} added to file {file_id}", record.id);
        Ok(record)
    }

    /// A supervisor other than the one who recorded it confirms a death or removal.
    pub fn confirm_record(&self, record_id: Uuid) -> Result<FileRecord, AppError> {
        let (actor, _) = self.authorize_on(Operation::ConfirmRecord, || {
            Ok(self.record_owner(record_id)?.1)
        })?;
        let record = self.store()?.file_record(record_id)?;
        if !record.data.needs_confirmation() {
            return Err(AppError::new(
                "nothing_to_confirm",
                "Ky regjistrim nuk ka nevojë për konfirmim.",
                "This record needs no confirmation.",
            ));
        }
        if record.recorded_by == actor.user {
            return Err(own_record());
        }
        Ok(self
            .store()?
            .confirm_record(record_id, &actor, self.clock.now())?)
    }

    /// Voids a record (a supervisor other than its author, with a reason); it stays
    /// visible, marked.
    pub fn void_record(&self, record_id: Uuid, reason: &str) -> Result<FileRecord, AppError> {
        let (actor, _) = self.authorize_on(Operation::ConfirmRecord, || {
            Ok(self.record_owner(record_id)?.1)
        })?;
        let reason = void_reason(reason)?;
        if self.store()?.file_record(record_id)?.recorded_by == actor.user {
            return Err(own_record());
        }
        Ok(self
            .store()?
            .void_record(record_id, reason, &actor, self.clock.now())?)
    }

    /// Records that the person was handed the notice of a rule change on `served_on`.
    pub fn serve_notice(&self, notice_id: Uuid, served_on: &str) -> Result<RuleNotice, AppError> {
        let owner = || {
            let store = self.store()?;
            let file = store.notice(notice_id)?.file_id;
            Ok(store.file(file)?.owning_directorate)
        };
        let (actor, _) = self.authorize_on(Operation::ServeNotice, owner)?;
        let today = self.today();
        let created = local_date(self.store()?.notice(notice_id)?.created_at);
        let date = match dates::parse_input(served_on) {
            Ok(d) if d > today => Err(FieldError::error("served_on", "date_in_future")),
            Ok(d) if d < created => Err(FieldError::error("served_on", "served_before_notice")),
            Ok(d) => Ok(d),
            Err(e) => Err(FieldError::error("served_on", e.code())),
        }
        .map_err(|e| AppError::validation(vec![e]))?;
        Ok(self
            .store()?
            .serve_notice(notice_id, date, &actor, self.clock.now())?)
    }

    /// Every rule version, for everyone who works with deadlines.
    pub fn rule_book(&self) -> Result<RuleBookView, AppError> {
        self.authorize(Operation::ReadReferenceData, None)?;
        let book = self.store()?.rule_book()?;
        Ok(RuleBookView {
            in_effect_today: book.in_effect(self.today()).version,
            versions: book.versions().to_vec(),
        })
    }

    fn check_rule_draft(
        &self,
        draft: &RuleDraft,
        book: &RuleBook,
    ) -> Result<RuleSet, Vec<FieldError>> {
        let mut problems = draft.values.check();
        let effective = match rules::parse_effective_date(&draft.effective_from) {
            Ok(d) => {
                problems.extend(rules::check_effective_date(d, self.today()));
                let latest = book.versions().iter().map(|v| v.effective_from).max();
                if latest.is_some_and(|l| d < l) {
                    problems.push(FieldError::error(
                        "effective_from",
                        "rule_effective_before_latest",
                    ));
                }
                Some(d)
            }
            Err(e) => {
                problems.push(e);
                None
            }
        };
        if draft.note.chars().count() > 2000 {
            problems.push(FieldError::error("note", "too_long"));
        }
        match effective {
            Some(effective_from) if problems.is_empty() => Ok(RuleSet {
                version: book.latest_version() + 1,
                effective_from,
                values: draft.values.clone(),
                provisional: false,
                note: draft.note.trim().to_string(),
            }),
            _ => Err(problems),
        }
    }

    /// The registered files whose dates from the effective date on would move.
    fn touched(
        store: &Store,
        book: &RuleBook,
        set: &RuleSet,
    ) -> Result<(u32, Vec<(i64, Uuid)>), AppError> {
        let after = book.with(set.clone());
        let files = store.registered_files(None)?;
        let total = u32::try_from(files.len()).unwrap_or(u32::MAX);
        let touched = files
            .into_iter()
            .filter(|(f, records, _)| {
                compliance::touched_by(&f.data, records, book, &after, set.effective_from)
            })
            .map(|(f, _, _)| (f.rowid, f.id))
            .collect();
        Ok((total, touched))
    }

    /// What a rule draft would change, before saving it.
    pub fn preview_rules(&self, draft: &RuleDraft) -> Result<RulePreview, AppError> {
        let (actor, _) = self.authorize(Operation::ManageRules, None)?;
        let mut store = self.store()?;
        let book = store.rule_book()?;
        let set = match self.check_rule_draft(draft, &book) {
            Ok(set) => set,
            Err(problems) => {
                return Ok(RulePreview {
                    registered_total: 0,
                    touched_total: 0,
                    touched: Vec::new(),
                    problems,
                })
            }
        };
        let (registered_total, touched) = Self::touched(&store, &book, &set)?;
        let rowids: Vec<i64> = touched.iter().take(PREVIEW_LIST).map(|(r, _)| *r).collect();
        let today = self.today();
        let statuses = statuses_of(
            &store,
            touched.iter().take(PREVIEW_LIST).map(|t| t.1),
            today,
        )?;
        let list = store
            .summaries(&rowids)?
            .into_iter()
            .map(|s| {
                let status = statuses.get(&s.id).copied();
                to_summary(store.reference(), s, MatchKind::Listed, status)
            })
            .collect();
        // The preview lists persons: a disclosure, logged with the draft's date and counts.
        store.record(
            &actor,
            self.clock.now(),
            &AuditEvent {
                action: "rules.preview".into(),
                object_type: "rule_draft".into(),
                object_id: format!("{}:{}", set.effective_from, touched.len()),
                outcome: "ok".into(),
            },
        )?;
        Ok(RulePreview {
            registered_total,
            touched_total: u32::try_from(touched.len()).unwrap_or(u32::MAX),
            touched: list,
            problems: Vec::new(),
        })
    }

    /// Saves a new rule version; every touched file gets a notice to serve. An enrolled
    /// station's rule versions are national: made on the server, online
    /// ([`Registry::publish_rules`]), never here alone.
    pub fn save_rules(&self, draft: &RuleDraft) -> Result<RuleSaved, AppError> {
        let (actor, _) = self.authorize(Operation::ManageRules, None)?;
        let mut store = self.store()?;
        if self.is_enrolled(&store)? {
            return Err(AppError::new(
                "rules_are_national",
                "Rregullat janë kombëtare: një version i ri bëhet në server, me lidhje.",
                "The rules are national: a new version is made on the server, online.",
            ));
        }
        let book = store.rule_book()?;
        let set = self
            .check_rule_draft(draft, &book)
            .map_err(AppError::validation)?;
        let (_, touched) = Self::touched(&store, &book, &set)?;
        let ids: Vec<Uuid> = touched.iter().map(|(_, id)| *id).collect();
        let saved = store.add_rule_set(
            set.effective_from,
            &set.values,
            &set.note,
            &ids,
            &actor,
            self.clock.now(),
        )?;
        log::info!(
            "rule version {} saved; {} files touched",
            saved.version,
            ids.len()
        );
        Ok(RuleSaved {
            version: saved.version,
            notices: u32::try_from(ids.len()).unwrap_or(u32::MAX),
        })
    }
}

impl Registry {
    /// What "save" does in the rule editor: on an enrolled station, the version goes to the
    /// server (online), which numbers it for the whole country; it then comes down here, as
    /// to every station, with its notices. On a workstation of its own, [`Registry::save_rules`].
    pub async fn publish_rules(&self, draft: &RuleDraft) -> Result<RuleSaved, AppError> {
        let (actor, _) = self.authorize(Operation::ManageRules, None)?;
        let enrolled = {
            let store = self.store()?;
            self.is_enrolled(&store)?
        };
        if !enrolled {
            return self.save_rules(draft);
        }
        let set = {
            let store = self.store()?;
            let book = store.rule_book()?;
            self.check_rule_draft(draft, &book)
                .map_err(AppError::validation)?
        };
        let proposal = regjistri_sync::protocol::RuleProposal {
            id: regjistri_store::new_id(self.clock.now()),
            effective_from: set.effective_from,
            values: serde_json::to_value(&set.values)
                .map_err(|_| AppError::new("internal", "Gabim i brendshëm.", "Internal error."))?,
            note: set.note.clone(),
            created_by: actor.user.clone(),
        };
        let made = self.propose_rules(&proposal).await?;
        // Bring it here, with its notices (a round already under way will).
        match self.background_round().await {
            Ok(_) => {}
            Err(e) if e.code == "sync_running" => {}
            Err(e) => log::warn!("after a new rule version, sync failed: {}", e.code),
        }
        let notices = self.store()?.notices_of_version(made.version)?;
        Ok(RuleSaved {
            version: made.version,
            notices,
        })
    }

    /// Notices for the rule versions that came from the server since the last ones made
    /// here: each registered file here whose future dates a version moves gets one.
    pub(crate) fn notice_new_rule_versions(&self) -> Result<(), AppError> {
        let mut store = self.store()?;
        let since = store.rules_noticed_up_to()?;
        for (version, created_at) in store.server_rule_versions_after(since)? {
            let book = store.rule_book()?;
            let Some(set) = book
                .versions()
                .iter()
                .find(|s| s.version == version)
                .cloned()
            else {
                continue;
            };
            let before = RuleBook::new(
                book.versions()
                    .iter()
                    .filter(|s| s.version != version)
                    .cloned()
                    .collect(),
            );
            let (_, touched) = Self::touched(&store, &before, &set)?;
            let files: Vec<Uuid> = touched.into_iter().map(|(_, id)| id).collect();
            let added = store.add_rule_notices(
                version,
                created_at,
                &files,
                &self.sync_actor(),
                self.clock.now(),
            )?;
            log::info!("rule version {version} from the server: {added} notice(s) here");
        }
        Ok(())
    }
}

fn own_record() -> AppError {
    AppError::new(
        "own_work",
        "Nuk mund të konfirmoni ose shfuqizoni një regjistrim që e keni bërë vetë.",
        "You cannot confirm or void a record you made yourself.",
    )
}

/// A reason for a void (of a record or a photo), trimmed: required, at most 1,000 characters.
pub(crate) fn void_reason(reason: &str) -> Result<&str, AppError> {
    crate::required_reason(
        reason,
        "Shfuqizimi kërkon një arsye.",
        "Voiding needs a reason.",
    )
}
