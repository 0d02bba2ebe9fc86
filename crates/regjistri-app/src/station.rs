//! This workstation as a station of the central server: enrolment (the private key into the
//! OS key store, the certificates into the database), synchronisation rounds (in the
//! background and on demand) over the store's replica, what the server did not apply, the
//! directorate's conflicts for supervisors, and another directorate's file fetched online.
//!
//! One round runs at a time. The status line is read without counting as activity.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use regjistri_domain::access::{Operation, Role};
use regjistri_domain::dates::local_date;
use regjistri_domain::diff::diff;
use regjistri_domain::file::FileData;
use regjistri_domain::records::{FileRecord, RuleNotice};
use regjistri_domain::rules::RuleBook;
use regjistri_domain::Text;
use regjistri_store::{Actor, AuditEvent, Secret, Store};
use regjistri_sync::client::{ClientError, Identity, Settings, SyncClient};
use regjistri_sync::document::FileDocument;
use regjistri_sync::protocol::{
    ApprovedCopy, AuditEventWire, ChosenValue, FetchedFile, Mutation, MutationResult, PullPage,
    MAX_PULL_LIMIT,
};
use regjistri_sync::worker::{sync_once, Progress, Replica, WorkerError};
use uuid::Uuid;

use serde::Deserialize;

use crate::obligations;
use crate::{
    AppError, ConflictDecision, ConflictField, ConflictItem, EnrolRequest, Registry,
    RemoteApproval, RemoteData, RemoteFileView, StationView, SyncIssue, SyncPhase, SyncProgress,
    SyncReport, SyncStatus,
};

/// The actor of what synchronisation writes here (not a user name: those have no ':').
pub const SYNC_ACTOR: &str = "system:sync";

const SERVER_URL: &str = "sync.server_url";
const CERTIFICATE: &str = "sync.certificate";
const SERVER_CA: &str = "sync.server_ca";
/// "true" at a station of the central administration (the server says so at enrolment).
const ADMINISTRATION: &str = "sync.administration";

/// What is known of synchronisation while the process runs.
#[derive(Default)]
pub(crate) struct SyncRuntime {
    running: bool,
    progress: Option<SyncProgress>,
    online: Option<bool>,
    last_attempt_at: Option<DateTime<Utc>>,
    last_error: Option<AppError>,
    open_conflicts: Option<u64>,
    /// Built once from the enrolment; dropped when a new one is made.
    client: Option<Arc<SyncClient>>,
}

/// The key store account of this database's station key.
fn station_key_account(db: &std::path::Path) -> Result<String, AppError> {
    Ok(format!("{}.station-key", regjistri_store::key_account(db)?))
}

fn not_enrolled() -> AppError {
    AppError::new(
        "not_enrolled",
        "Kjo punëstacion nuk është regjistruar ende si stacion i serverit qendror.",
        "This workstation is not enrolled as a station of the central server yet.",
    )
}

fn sync_running() -> AppError {
    AppError::new(
        "sync_running",
        "Një sinkronizim është duke u bërë.",
        "A synchronisation is under way.",
    )
}

fn station_key_missing() -> AppError {
    AppError::new(
        "station_key_missing",
        "Çelësi privat i stacionit nuk gjendet në ruajtësen e çelësave: regjistrojeni stacionin përsëri.",
        "The station's private key is not in the key store: enrol the station again.",
    )
}

fn own_work() -> AppError {
    AppError::new(
        "own_work",
        "Nuk mund të vendosni për një konflikt të ndryshimit tuaj.",
        "You cannot decide a conflict over your own change.",
    )
}

/// The client's failures in words an officer can act on.
pub(crate) fn client_error(e: &ClientError) -> AppError {
    match e {
        ClientError::Unreachable { .. } => AppError::new(
            "server_unreachable",
            "Serveri qendror nuk u arrit. Puna vazhdon jashtë linje; sinkronizimi do të provohet përsëri.",
            "The central server could not be reached. Work goes on offline; synchronisation will be tried again.",
        ),
        ClientError::Refused { error, .. } => AppError {
            code: error.code.clone(),
            message: error.message.clone(),
            fields: Vec::new(),
        },
        ClientError::Identity(_) | ClientError::Tls(_) => AppError::new(
            "station_identity_invalid",
            "Certifikata ose çelësi i stacionit nuk janë të vlefshëm.",
            "The station's certificate or key is not valid.",
        ),
        ClientError::Handshake { server: true, .. } => AppError::new(
            "server_certificate_invalid",
            "Certifikata e serverit nuk është e vlefshme (ka skaduar, është për një emër tjetër ose nuk është lëshuar nga CA-ja e regjistrimit). Njoftoni administratorin.",
            "The server's certificate is not valid (expired, issued for another name, or not by the enrolment's CA). Tell the administrator.",
        ),
        ClientError::Handshake { server: false, .. } => AppError::new(
            "station_certificate_refused",
            "Serveri nuk e pranoi certifikatën e këtij stacioni: regjistrojeni stacionin përsëri.",
            "The server refused this station's certificate: enrol the station again.",
        ),
        ClientError::ResnapshotRequired => AppError::new(
            "resnapshot_required",
            "Serveri kërkon një rimarrje të plotë të të dhënave.",
            "The server asks for a full snapshot.",
        ),
        ClientError::Decode(_) => AppError::new(
            "server_answer_invalid",
            "Serveri dha një përgjigje të papritur.",
            "The server gave an unexpected answer.",
        ),
    }
}

fn reached_server(e: &WorkerError<AppError>) -> bool {
    !matches!(
        e,
        WorkerError::Client(ClientError::Unreachable { .. })
            | WorkerError::Client(ClientError::Identity(_))
            | WorkerError::Client(ClientError::Tls(_))
            | WorkerError::Client(ClientError::Handshake { .. })
    )
}

fn worker_error(e: WorkerError<AppError>) -> AppError {
    match e {
        WorkerError::Client(c) => client_error(&c),
        WorkerError::Replica(a) => a,
        WorkerError::Stuck => AppError::new(
            "sync_stuck",
            "Sinkronizimi nuk përparoi: i njëjti ndryshim u kthye përsëri.",
            "Synchronisation made no progress: the same change came back.",
        ),
    }
}

/// The station's storage as the worker sees it: each call is one local transaction.
struct StationReplica<'a> {
    registry: &'a Registry,
    actor: Actor,
}

impl Replica for StationReplica<'_> {
    type Error = AppError;

    fn pending(&mut self, max: usize) -> Result<Vec<Mutation>, AppError> {
        Ok(self.registry.store()?.sync_pending(max)?)
    }

    fn record_results(&mut self, results: &[MutationResult]) -> Result<(), AppError> {
        let now = self.registry.clock.now();
        Ok(self
            .registry
            .store()?
            .sync_record_results(results, &self.actor, now)?)
    }

    fn cursor(&mut self) -> Result<i64, AppError> {
        Ok(self.registry.store()?.sync_cursor()?)
    }

    fn apply_page(&mut self, page: &PullPage) -> Result<(), AppError> {
        let now = self.registry.clock.now();
        self.registry
            .store()?
            .sync_apply_page(page, &self.actor, now)?;
        // A national rule version that came down brings notices for the files here (made
        // again, the same ones, by a later page or round if this stops in between).
        self.registry.notice_new_rule_versions()
    }

    fn begin_resnapshot(&mut self) -> Result<(), AppError> {
        log::warn!("the server asked for a full re-snapshot");
        Ok(self.registry.store()?.sync_begin_resnapshot()?)
    }

    fn finish_resnapshot(&mut self) -> Result<(), AppError> {
        let now = self.registry.clock.now();
        let dropped = self
            .registry
            .store()?
            .sync_finish_resnapshot(&self.actor, now)?;
        log::info!("re-snapshot complete; {dropped} record(s) the server no longer has dropped");
        Ok(())
    }

    fn audit_pending(&mut self, max: usize) -> Result<Vec<AuditEventWire>, AppError> {
        Ok(self.registry.store()?.sync_audit_pending(max)?)
    }

    fn audit_accepted(&mut self, head_seq: i64) -> Result<(), AppError> {
        Ok(self.registry.store()?.sync_audit_accepted(head_seq)?)
    }
}

fn valid_server_url(url: &str) -> Result<String, AppError> {
    let bad = || {
        AppError::invalid_input(
            "adresa e serverit duhet të jetë https://emri:porta",
            "the server address must be https://host:port",
        )
    };
    let trimmed = url.trim().trim_end_matches('/');
    let rest = trimmed.strip_prefix("https://").ok_or_else(bad)?;
    let host = rest.split(':').next().unwrap_or_default();
    let ok = !host.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' '])
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if ok {
        Ok(trimmed.to_string())
    } else {
        Err(bad())
    }
}

/// The client's settings for one kind of call.
fn settings(url: &str, quick: bool) -> Settings {
    let mut s = Settings::new(url);
    if quick {
        // An officer waits for these: fail fast rather than retry for minutes.
        s.retries = 1;
        s.overall_timeout = Duration::from_secs(30);
    }
    s
}

impl Registry {
    pub(crate) fn sync_actor(&self) -> Actor {
        Actor {
            user: SYNC_ACTOR.to_string(),
            station: self.station(),
        }
    }

    fn runtime(&self) -> std::sync::MutexGuard<'_, SyncRuntime> {
        self.sync.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether this workstation is enrolled as a station.
    pub(crate) fn is_enrolled(&self, store: &regjistri_store::Store) -> Result<bool, AppError> {
        Ok(store.setting(SERVER_URL)?.is_some())
    }

    /// What the server lets this station do to an account of the registry (see
    /// `regjistri-central`'s `account_change_allowed`), refused here before anything is
    /// written: a regional station manages only the clerks and supervisors of its own
    /// directorate; national accounts and other directorates are the central
    /// administration's. A workstation not enrolled manages its own accounts.
    pub(crate) fn check_account_scope(
        &self,
        store: &regjistri_store::Store,
        role: Role,
        directorate: &str,
    ) -> Result<(), AppError> {
        if !self.is_enrolled(store)? || store.setting(ADMINISTRATION)?.as_deref() == Some("true") {
            return Ok(());
        }
        if matches!(role, Role::Administrator | Role::Auditor) {
            return Err(AppError::new(
                "administration_only",
                "Llogaritë kombëtare (administrator, auditor), edhe fjalëkalimet e tyre, krijohen dhe ndryshohen vetëm në një stacion të administratës qendrore.",
                "National accounts (administrator, auditor), their passwords too, are made and changed only at a station of the central administration.",
            ));
        }
        if directorate != self.directorate() {
            return Err(AppError::new(
                "out_of_scope",
                "Llogaritë e një drejtorie tjetër i menaxhon ajo drejtori ose administrata qendrore.",
                "Accounts of another directorate are managed by that directorate or the central administration.",
            ));
        }
        Ok(())
    }

    /// The client of this station, built from the enrolment and the key store.
    fn client(&self, quick: bool) -> Result<Arc<SyncClient>, AppError> {
        if !quick {
            if let Some(c) = self.runtime().client.clone() {
                return Ok(c);
            }
        }
        let (url, certificate, ca) = {
            let store = self.store()?;
            (
                store.setting(SERVER_URL)?,
                store.setting(CERTIFICATE)?,
                store.setting(SERVER_CA)?,
            )
        };
        let (Some(url), Some(certificate), Some(ca)) = (url, certificate, ca) else {
            return Err(not_enrolled());
        };
        let key = self
            .keys
            .get_secret(&station_key_account(&self.database_path)?)
            .map_err(|e| AppError::from(regjistri_store::StoreError::KeyStore(e)))?
            .ok_or_else(station_key_missing)?;
        let identity = Identity {
            certificate_pem: certificate,
            private_key_pem: key.expose().to_string(),
            server_ca_pem: ca,
        };
        let client = Arc::new(
            SyncClient::new(&identity, settings(&url, quick)).map_err(|e| client_error(&e))?,
        );
        if !quick {
            self.runtime().client = Some(client.clone());
        }
        Ok(client)
    }

    /// Enrols this workstation as the station whose bundle this is: checks it against the
    /// server (online), keeps the private key in the OS key store and the certificates and
    /// address in the database, and takes the station's code and directorate.
    pub async fn enrol_station(&self, request: &EnrolRequest) -> Result<StationView, AppError> {
        let (actor, _) = self.authorize(Operation::EnrolStation, None)?;
        let url = valid_server_url(&request.server_url)?;
        let identity = Identity::from_bundle(&request.bundle).map_err(|_| {
            AppError::invalid_input(
                "paketa duhet të mbajë certifikatën e stacionit, çelësin e tij dhe CA-në e serverit",
                "the bundle must hold the station certificate, its key and the server CA",
            )
        })?;
        let client =
            SyncClient::new(&identity, settings(&url, true)).map_err(|e| client_error(&e))?;
        let info = client.station().await.map_err(|e| client_error(&e))?;
        if self
            .store()?
            .reference()
            .directorate(&info.directorate)
            .is_none()
        {
            return Err(AppError::invalid_input(
                "serveri e njeh stacionin në një drejtori që kjo punëstacion nuk e njeh",
                "the server knows the station in a directorate this workstation does not know",
            ));
        }
        let now = self.clock.now();
        // The key first, read back: if the key store refuses, nothing else changes.
        let account = station_key_account(&self.database_path)?;
        let store_error = |e| AppError::from(regjistri_store::StoreError::KeyStore(e));
        self.keys
            .set_secret(&account, &Secret::new(identity.private_key_pem.clone()))
            .map_err(store_error)?;
        let back = self.keys.get_secret(&account).map_err(store_error)?;
        if back.as_ref().map(Secret::expose) != Some(identity.private_key_pem.as_str()) {
            return Err(station_key_missing());
        }
        let previous = self.station();
        self.store()?.sync_enrol(
            &[
                (SERVER_URL, &url),
                (CERTIFICATE, &identity.certificate_pem),
                (SERVER_CA, &identity.server_ca_pem),
                ("directorate", &info.directorate),
                (
                    ADMINISTRATION,
                    if info.administration { "true" } else { "false" },
                ),
            ],
            &info.code,
            &Actor {
                user: actor.user.clone(),
                station: info.code.clone(),
            },
            now,
        )?;
        self.set_workstation(&info.code, &info.directorate);
        {
            let mut runtime = self.runtime();
            runtime.client = None;
            runtime.online = Some(true);
            runtime.last_error = None;
        }
        log::info!(
            "enrolled as station {} of {} (was {previous})",
            info.code,
            info.directorate
        );
        Ok(StationView {
            code: info.code,
            directorate: info.directorate,
            server_url: url,
            administration: info.administration,
        })
    }

    /// The status line. Passive: it does not count as activity for the idle lock.
    pub fn sync_status(&self) -> Result<SyncStatus, AppError> {
        self.authorize_passive(Operation::ViewSyncStatus)?;
        self.station_status()
    }

    /// The status, for the background worker (no session needed: it holds counts and times,
    /// no personal data). Officers read it through [`Registry::sync_status`].
    pub fn station_status(&self) -> Result<SyncStatus, AppError> {
        let (url, administration, counts, last_success, national) = {
            let store = self.store()?;
            (
                store.setting(SERVER_URL)?,
                store.setting(ADMINISTRATION)?.as_deref() == Some("true"),
                store.sync_counts()?,
                store.sync_last_success()?,
                store.national_count()?,
            )
        };
        let runtime = self.runtime();
        Ok(SyncStatus {
            enrolled: url.is_some(),
            station: self.station(),
            directorate: self.directorate(),
            administration,
            server_url: url,
            online: runtime.online,
            running: runtime.running,
            progress: runtime.progress,
            pending: counts.pending,
            rejected: counts.rejected,
            open_conflicts: runtime.open_conflicts,
            last_success_at: last_success,
            last_attempt_at: runtime.last_attempt_at,
            last_error: runtime.last_error.clone(),
            national_files: national,
        })
    }

    /// "Sync now".
    pub async fn sync_now(&self) -> Result<SyncReport, AppError> {
        self.authorize(Operation::Synchronise, None)?;
        self.background_round().await
    }

    /// One round on the station's behalf: push, pull, audit upload, then the count of the
    /// directorate's open conflicts. The background worker's entry, and so one of the few
    /// without a session (the station's certificate is what the server trusts; nothing is
    /// shown to anyone); officers go through [`Registry::sync_now`].
    pub async fn background_round(&self) -> Result<SyncReport, AppError> {
        let _one = self.sync_lock.try_lock().map_err(|_| sync_running())?;
        let client = self.client(false)?;
        let pending = self.store()?.sync_counts()?.pending;
        // However the round ends (an error returned early included), it is not running then.
        struct Running<'a>(&'a Registry);
        impl Drop for Running<'_> {
            fn drop(&mut self) {
                let mut r = self.0.runtime();
                r.running = false;
                r.progress = None;
            }
        }
        let _running = Running(self);
        {
            let mut r = self.runtime();
            r.running = true;
            r.last_attempt_at = Some(self.clock.now());
            r.progress = Some(SyncProgress {
                phase: SyncPhase::Push,
                done: 0,
                total: Some(pending),
            });
        }
        let mut replica = StationReplica {
            registry: self,
            actor: self.sync_actor(),
        };
        let mut progress = |p: Progress| {
            let progress = match p {
                Progress::Pushed { done } => SyncProgress {
                    phase: SyncPhase::Push,
                    done: done as u64,
                    total: Some(pending.max(done as u64)),
                },
                Progress::Pulled { done, remaining } => SyncProgress {
                    phase: SyncPhase::Pull,
                    done: done as u64,
                    total: Some(done as u64 + remaining),
                },
                Progress::Audited { done } => SyncProgress {
                    phase: SyncPhase::Audit,
                    done,
                    total: None,
                },
            };
            self.runtime().progress = Some(progress);
        };
        let result = sync_once(&client, &mut replica, MAX_PULL_LIMIT, &mut progress).await;
        let conflicts = match &result {
            Ok(_) => client
                .conflicts()
                .await
                .ok()
                .map(|c| c.conflicts.len() as u64),
            Err(_) => None,
        };
        let now = self.clock.now();
        let outcome = match result {
            Ok(report) => {
                self.store()?.sync_note_success(now)?;
                let mut r = self.runtime();
                r.online = Some(true);
                r.last_error = None;
                if conflicts.is_some() {
                    r.open_conflicts = conflicts;
                }
                Ok(SyncReport {
                    pushed: report.pushed as u64,
                    conflicts: report.conflicts as u64,
                    rejected: report.rejected as u64,
                    pulled: report.pulled as u64,
                    resnapshot: report.resnapshot,
                    audit_stored: report.audit_stored,
                    audit_refused: report.audit_refused,
                })
            }
            Err(e) => {
                let online = reached_server(&e);
                let error = worker_error(e);
                let mut r = self.runtime();
                r.online = Some(online);
                r.last_error = Some(error.clone());
                Err(error)
            }
        };
        match &outcome {
            Ok(r) => log::info!(
                "sync: pushed {} ({} conflicts, {} rejected), pulled {}, audit {}",
                r.pushed,
                r.conflicts,
                r.rejected,
                r.pulled,
                r.audit_stored
            ),
            Err(e) => log::warn!("sync failed: {}", e.code),
        }
        outcome
    }

    /// This station's changes the server did not simply apply, newest first.
    pub fn sync_issues(&self) -> Result<Vec<SyncIssue>, AppError> {
        self.authorize(Operation::Synchronise, None)?;
        let store = self.store()?;
        let outcomes = store.sync_outcomes(200)?;
        let mut out = Vec::with_capacity(outcomes.len());
        for o in outcomes {
            let file_label = file_label(&store, o.entity_id);
            out.push(SyncIssue {
                mutation_id: o.mutation_id,
                kind: if o.conflict { "conflict" } else { "rejected" }.to_string(),
                file_id: o.entity_id,
                file_label,
                paths: o.paths,
                conflict_id: o.conflict_id,
                error: match (o.code, o.message) {
                    (Some(code), Some(message)) => Some(AppError {
                        code,
                        message,
                        fields: Vec::new(),
                    }),
                    (Some(code), None) => Some(AppError {
                        code,
                        message: Text::new(
                            "Serveri nuk e pranoi këtë ndryshim.",
                            "The server did not accept this change.",
                        ),
                        fields: Vec::new(),
                    }),
                    _ => None,
                },
                actor: o.actor,
                made_at: o.made_at,
                answered_at: o.answered_at,
            });
        }
        Ok(out)
    }

    /// The directorate's open conflicts, from the server (online), for a supervisor.
    pub async fn conflicts(&self) -> Result<Vec<ConflictItem>, AppError> {
        let directorate = self.directorate();
        let (actor, user) = self.authorize(Operation::ResolveConflicts, Some(&directorate))?;
        let client = self.client(true)?;
        let list = client.conflicts().await.map_err(|e| client_error(&e))?;
        self.store()?.record(
            &actor,
            self.clock.now(),
            &AuditEvent {
                action: "conflict.list".into(),
                object_type: "directorate".into(),
                object_id: directorate,
                outcome: format!("{} open", list.conflicts.len()),
            },
        )?;
        self.runtime().open_conflicts = Some(list.conflicts.len() as u64);
        Ok(list
            .conflicts
            .into_iter()
            .map(|c| ConflictItem {
                id: c.id,
                kind: c.kind.as_str().to_string(),
                file_id: c.record_id,
                file_label: self.store().ok().and_then(|s| file_label(&s, c.record_id)),
                station: c.station,
                // Four eyes: not the officer whose change collided, nor one who changed
                // the file since its last approval or made, voided or confirmed the record
                // (the server's list, which it checks again; this station's own view of
                // a file's authors too, for a server that does not send them).
                may_resolve: c.actor != user.user_name
                    && !c.authors.contains(&user.user_name)
                    && !self
                        .store()
                        .and_then(|s| Ok(s.authors_since_approval(c.record_id)?))
                        .is_ok_and(|a| a.contains(&user.user_name)),
                actor: c.actor,
                created_at: c.created_at,
                fields: c
                    .fields
                    .into_iter()
                    .map(|f| ConflictField {
                        path: f.path,
                        base: f.base,
                        server: f.server,
                        station: f.station,
                    })
                    .collect(),
            })
            .collect())
    }

    /// A supervisor's decision on a conflict (online): four eyes, only the contested paths;
    /// the decided version then comes down with a synchronisation round.
    pub async fn resolve_conflict(&self, decision: &ConflictDecision) -> Result<(), AppError> {
        let directorate = self.directorate();
        let (actor, user) = self.authorize(Operation::ResolveConflicts, Some(&directorate))?;
        let client = self.client(true)?;
        let list = client.conflicts().await.map_err(|e| client_error(&e))?;
        let Some(conflict) = list.conflicts.iter().find(|c| c.id == decision.conflict_id) else {
            return Err(AppError::new(
                "conflict_not_found",
                "Konflikti nuk është më i hapur (mund të jetë vendosur ndërkohë).",
                "The conflict is no longer open (it may have been decided meanwhile).",
            ));
        };
        if conflict.actor == user.user_name {
            let event = AuditEvent {
                action: "access.denied".into(),
                object_type: "conflict".into(),
                object_id: conflict.id.to_string(),
                outcome: "own_work".into(),
            };
            self.store()?.record(&actor, self.clock.now(), &event)?;
            return Err(own_work());
        }
        if decision
            .choices
            .iter()
            .any(|c| !conflict.fields.iter().any(|f| f.path == c.path))
        {
            return Err(AppError::invalid_input(
                "një fushë që nuk është në konflikt",
                "a field that is not in the conflict",
            ));
        }
        let values = decision
            .choices
            .iter()
            .map(|c| ChosenValue {
                path: c.path.clone(),
                value: c.value.clone(),
            })
            .collect();
        let resolved = client
            .resolve_conflict(decision.conflict_id, &user.user_name, values)
            .await
            .map_err(|e| client_error(&e))?;
        self.store()?.record(
            &actor,
            self.clock.now(),
            &AuditEvent {
                action: "conflict.resolve".into(),
                object_type: "conflict".into(),
                object_id: decision.conflict_id.to_string(),
                outcome: match resolved.version {
                    Some(v) => format!("ok version={v}"),
                    None => "ok unchanged".into(),
                },
            },
        )?;
        // Bring the decided version here; a round already under way will.
        match self.background_round().await {
            Ok(_) => {}
            Err(e) if e.code == "sync_running" => {}
            Err(e) => log::warn!("after a conflict decision, sync failed: {}", e.code),
        }
        Ok(())
    }

    pub(crate) async fn propose_rules(
        &self,
        proposal: &regjistri_sync::protocol::RuleProposal,
    ) -> Result<regjistri_sync::protocol::RuleSetCreated, AppError> {
        let client = self.client(true)?;
        client
            .propose_rules(proposal)
            .await
            .map_err(|e| client_error(&e))
    }

    /// Another directorate's full file, fetched online for one look, with a reason that the
    /// server logs; audited here too. Nothing of it is kept.
    pub async fn fetch_remote_file(
        &self,
        id: Uuid,
        reason: &str,
    ) -> Result<RemoteFileView, AppError> {
        let (actor, user) = self.authorize(Operation::FetchRemoteFile, None)?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(AppError::new(
                "reason_required",
                "Shkruani arsyen (deri në 500 shkronja): ajo regjistrohet.",
                "Write the reason (up to 500 characters): it is logged.",
            ));
        }
        let client = self.client(true)?;
        let fetched = client
            .fetch_file(id, &user.user_name, reason)
            .await
            .map_err(|e| client_error(&e))?;
        let judged = judge_remote(&fetched, id).ok_or_else(|| {
            AppError::new(
                "server_answer_invalid",
                "Serveri dha një përgjigje të papritur.",
                "The server gave an unexpected answer.",
            )
        })?;
        let now = self.clock.now();
        let mut store = self.store()?;
        let rules = store.rule_book()?;
        store.record(
            &actor,
            now,
            &AuditEvent {
                action: "file.fetch_remote".into(),
                object_type: "offender_file".into(),
                object_id: id.to_string(),
                outcome: "ok".into(),
            },
        )?;
        drop(store);
        Ok(judged.view(&rules, now))
    }
}

/// Another directorate's file as the server sent it, read into the domain's types. Nothing
/// of it is stored here.
struct RemoteFile {
    id: Uuid,
    version: i64,
    current: FileDocument,
    /// The data that stands approved and its approval.
    approved: Option<(FileData, ApprovedCopy)>,
    records: Vec<FileRecord>,
    notices: Vec<RuleNotice>,
}

/// Reads the server's answer for file `id`: `None` when any part of it does not read, or a
/// record or notice names another file (the answer would not be the one asked for).
fn judge_remote(fetched: &FetchedFile, id: Uuid) -> Option<RemoteFile> {
    let unreadable = |what: &str| {
        log::warn!("fetched file {id}: the server's {what} does not read");
    };
    if fetched.id != id {
        unreadable("id");
        return None;
    }
    let current = FileDocument::parse(&fetched.document)
        .map_err(|_| unreadable("document"))
        .ok()?;
    let approved = match &fetched.approved {
        Some(copy) => Some((
            FileData::deserialize(&copy.data)
                .map_err(|_| unreadable("approved copy"))
                .ok()?,
            copy.clone(),
        )),
        None => None,
    };
    let mut records = fetched
        .records
        .iter()
        .map(FileRecord::deserialize)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| unreadable("records"))
        .ok()?;
    let mut notices = fetched
        .notices
        .iter()
        .map(RuleNotice::deserialize)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| unreadable("notices"))
        .ok()?;
    if records.iter().any(|r| r.file_id != id) || notices.iter().any(|n| n.file_id != id) {
        unreadable("records or notices (of another file)");
        return None;
    }
    // In the order the store gives a file's own.
    records.sort_by_key(|r| (r.data.date(), r.recorded_at));
    notices.sort_by_key(|n| n.rule_version);
    Some(RemoteFile {
        id,
        version: fetched.version,
        current,
        approved,
        records,
        notices,
    })
}

impl RemoteFile {
    /// The view, judged as this station judges its own files: compliance from the approved
    /// data (never a pending amendment), the records and notices, this station's rule book
    /// and today's date in Tirana.
    fn view(self, rules: &RuleBook, now: DateTime<Utc>) -> RemoteFileView {
        let today = local_date(now);
        let compliance = self.approved.as_ref().map(|(data, copy)| {
            obligations::compliance_from(
                data,
                &self.records,
                &self.notices,
                Some(copy.first_at),
                rules,
                today,
            )
        });
        let registered = obligations::is_registered(
            self.approved.is_some(),
            self.current.status,
            compliance.as_ref(),
        );
        let current = self.current;
        match self.approved {
            Some((data, copy)) => RemoteFileView {
                id: self.id,
                version: self.version,
                status: current.status,
                owning_directorate: current.owning_directorate,
                shows: RemoteData::Approved,
                pending_changes: diff(
                    &serde_json::to_value(&data).unwrap_or_default(),
                    &serde_json::to_value(&current.data).unwrap_or_default(),
                ),
                data,
                approved: Some(RemoteApproval {
                    approved_by: copy.by,
                    approved_at: copy.at,
                    first_approved_at: copy.first_at,
                }),
                registered,
                compliance,
                fetched_at: now,
            },
            None => RemoteFileView {
                id: self.id,
                version: self.version,
                status: current.status,
                owning_directorate: current.owning_directorate,
                shows: RemoteData::Unapproved,
                data: current.data,
                approved: None,
                pending_changes: Vec::new(),
                registered,
                compliance,
                fetched_at: now,
            },
        }
    }
}

/// The surname and given name of the person a change or conflict is about: `id` names the
/// file itself, or a record, notice or photo of it (those conflict too: a void, confirmation
/// or service set differently at two stations). `None` when this station does not hold it.
fn file_label(store: &Store, id: Uuid) -> Option<String> {
    let file_id = if store.file(id).is_ok() {
        id
    } else if let Ok(r) = store.file_record(id) {
        r.file_id
    } else if let Ok(n) = store.notice(id) {
        n.file_id
    } else {
        store.photo(id).ok()?.file_id
    };
    let f = store.file(file_id).ok()?;
    Some(format!(
        "{} {}",
        f.data.identity.surname, f.data.identity.given_name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    use regjistri_domain::compliance::ComplianceStatus;
    use regjistri_domain::records::{Confirmation, PersonState, RecordData, Void};
    use serde_json::{json, Value};

    fn file_id() -> Uuid {
        Uuid::from_u128(0x0196_0000_0000_7000_8000_0000_0000_0001)
    }

    /// A person with one conviction (final 01.12.2025, four years: registered for twenty).
    fn data(marks: &str) -> Value {
        json!({
            "identity": {
                "surname": "Hoxha", "given_name": "Arben", "father_name": "Gjergj",
                "mother_name": "Drita", "sex": "M", "date_of_birth": "1968-02-18",
                "place_of_birth": "Tiranë", "nid": "G80218157A", "nid_check_overridden": false,
                "citizenships": ["AL"], "aliases": []
            },
            "description": {"height_cm": 178, "eye_colour": "", "hair_colour": "", "marks": marks},
            "convictions": [{
                "id": Uuid::from_u128(7), "foreign": false, "country": "AL",
                "court_code": "gj-tirane", "court_name": "", "decision_number": "12/2025",
                "decision_date": "2025-10-01", "final_date": "2025-12-01", "articles": ["100"],
                "sentence_months": 48, "sentence_text": "", "custody_from": null,
                "release_date": null, "recognition": "", "victim_age": 12,
                "victim_relationship": ""
            }],
            "addresses": []
        })
    }

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, day, 9, 0, 0).unwrap()
    }

    fn death(file: Uuid, confirmed: bool, voided: bool) -> Value {
        serde_json::to_value(FileRecord {
            id: Uuid::now_v7(),
            file_id: file,
            data: RecordData::StatusChange {
                state: PersonState::Deceased,
                effective: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
                reason: "Certifikatë vdekjeje".into(),
            },
            recorded_at: at(20),
            recorded_by: "arta.kola".into(),
            void: voided.then(|| Void {
                reason: "Gabim".into(),
                by: "drita.supervisor".into(),
                at: at(21),
            }),
            confirmation: confirmed.then(|| Confirmation {
                by: "drita.supervisor".into(),
                at: at(21),
            }),
        })
        .unwrap()
    }

    /// A file of another directorate as the server sends it: `status`, the current data,
    /// the approved data (first approved on 10.01.2026) and records.
    fn fetched(
        status: &str,
        current: Value,
        approved: Option<Value>,
        records: Vec<Value>,
    ) -> FetchedFile {
        FetchedFile {
            id: file_id(),
            version: 9,
            document: json!({"status": status, "owning_directorate": "dvp-durres", "data": current}),
            approved: approved.map(|data| ApprovedCopy {
                data,
                by: "drita.supervisor".into(),
                at: at(10),
                first_at: at(10),
            }),
            records,
            notices: Vec::new(),
        }
    }

    #[test]
    fn another_directorates_file_is_judged_from_its_approved_data_records_and_today() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap();
        let rules = RuleBook::new(Vec::new());
        let id = file_id();
        // (case, answer, registered, compliance status, shows, amendment pending)
        let cases = [
            (
                "approved",
                fetched("approved", data(""), Some(data("")), vec![]),
                true,
                Some(ComplianceStatus::Compliant),
                RemoteData::Approved,
                false,
            ),
            (
                "death confirmed by a second supervisor",
                fetched(
                    "approved",
                    data(""),
                    Some(data("")),
                    vec![death(id, true, false)],
                ),
                false,
                Some(ComplianceStatus::Deceased),
                RemoteData::Approved,
                false,
            ),
            (
                "death not yet confirmed",
                fetched(
                    "approved",
                    data(""),
                    Some(data("")),
                    vec![death(id, false, false)],
                ),
                true,
                Some(ComplianceStatus::Compliant),
                RemoteData::Approved,
                false,
            ),
            (
                "death voided",
                fetched(
                    "approved",
                    data(""),
                    Some(data("")),
                    vec![death(id, true, true)],
                ),
                true,
                Some(ComplianceStatus::Compliant),
                RemoteData::Approved,
                false,
            ),
            (
                "amendment waiting",
                fetched("amended", data("Shenjë"), Some(data("")), vec![]),
                true,
                Some(ComplianceStatus::Compliant),
                RemoteData::Approved,
                true,
            ),
            (
                "never approved",
                fetched("pending", data("Shenjë"), None, vec![]),
                false,
                None,
                RemoteData::Unapproved,
                false,
            ),
            (
                "file removed",
                fetched("removed", data(""), Some(data("")), vec![]),
                false,
                Some(ComplianceStatus::Compliant),
                RemoteData::Approved,
                false,
            ),
        ];
        for (case, answer, registered, status, shows, pending) in cases {
            let view = judge_remote(&answer, id).expect(case).view(&rules, now);
            assert_eq!(view.registered, registered, "{case}");
            assert_eq!(view.compliance.as_ref().map(|c| c.status), status, "{case}");
            assert_eq!(view.shows, shows, "{case}");
            assert_eq!(!view.pending_changes.is_empty(), pending, "{case}");
            // What is shown is the approved data when there is one, never the amendment.
            let expected = answer
                .approved
                .as_ref()
                .map_or(answer.document["data"].clone(), |a| a.data.clone());
            assert_eq!(
                serde_json::to_value(&view.data).unwrap(),
                expected,
                "{case}"
            );
            assert_eq!(view.approved.is_some(), answer.approved.is_some(), "{case}");
            assert_eq!(view.fetched_at, now);
            // Reports are owed from the first approval's day in Tirana.
            if let Some(c) = &view.compliance {
                assert_eq!(c.owed_from, NaiveDate::from_ymd_opt(2026, 1, 10), "{case}");
                assert_eq!(Some(c.today), NaiveDate::from_ymd_opt(2026, 3, 1));
            }
        }
    }

    #[test]
    fn an_answer_for_another_file_or_that_does_not_read_is_refused() {
        let id = file_id();
        let other = Uuid::now_v7();
        let good = fetched("approved", data(""), Some(data("")), vec![]);
        assert!(judge_remote(&good, id).is_some());
        let mut wrong_record = good.clone();
        wrong_record.records.push(death(other, true, false));
        let mut wrong_notice = good.clone();
        wrong_notice.notices.push(
            serde_json::to_value(RuleNotice {
                id: Uuid::now_v7(),
                file_id: other,
                rule_version: 2,
                created_at: at(12),
                served_on: None,
                served_by: None,
            })
            .unwrap(),
        );
        let mut unreadable_record = good.clone();
        unreadable_record
            .records
            .push(json!({"id": Uuid::now_v7()}));
        let mut unreadable_approval = good.clone();
        unreadable_approval.approved.as_mut().unwrap().data = json!({"identity": 1});
        let mut unreadable_document = good.clone();
        unreadable_document.document["status"] = json!("lost");
        for (case, answer, asked) in [
            ("a record of another file", wrong_record, id),
            ("a notice of another file", wrong_notice, id),
            ("a record that does not read", unreadable_record, id),
            (
                "an approved copy that does not read",
                unreadable_approval,
                id,
            ),
            ("a document that does not read", unreadable_document, id),
            ("another file", good, other),
        ] {
            assert!(judge_remote(&answer, asked).is_none(), "{case}");
        }
    }

    #[test]
    fn server_addresses_are_https_host_and_port_only() {
        for ok in [
            "https://localhost:8443",
            "https://registry.asp.gov.al",
            " https://10.0.0.5:8443/ ",
        ] {
            assert!(valid_server_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://localhost:8443",
            "https://",
            "https://host/path",
            "https://user@host",
            "localhost:8443",
            "https://host:8443?x=1",
        ] {
            assert_eq!(
                valid_server_url(bad).map_err(|e| e.code),
                Err("invalid_input".to_string()),
                "{bad}"
            );
        }
    }
}
