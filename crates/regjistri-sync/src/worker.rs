//! One synchronisation round of a station (feature `client`): push the change log in
//! batches, then pull the feed page by page, then upload the audit trail. The station's
//! storage is behind [`Replica`], which the desktop app implements over its store; each
//! method is one local transaction.
//!
//! Rules the worker keeps: push before pull (so the station's own changes are merged on the
//! server before its copy is replaced by the server's); a rejected mutation is quarantined by
//! the replica and never blocks the others or the pull, and that holds too when the server
//! refuses a whole batch for its content in its own words (`413 batch_too_large`,
//! `400 invalid_request`): the batch is split until the one mutation at fault is alone and
//! quarantined with the server's error; any other refusal (not the server's JSON, or a code
//! this build does not know) quarantines nothing and fails the round; the cursor is stored
//! with the page that advanced it; `resnapshot_required` starts a full pull from 0 that ends by dropping
//! records the server no longer sent; an audit refusal is reported, never blocks data.

use crate::client::{ClientError, SyncClient};
use crate::protocol::{
    batches, AuditEventWire, Mutation, MutationResult, Outcome, PullPage, MAX_AUDIT_EVENTS,
};

/// The station's storage, as synchronisation needs it.
pub trait Replica {
    type Error: std::fmt::Display;
    /// Change-log rows neither pushed nor quarantined, oldest first, at most `max`.
    fn pending(&mut self, max: usize) -> Result<Vec<Mutation>, Self::Error>;
    /// The server's answers to one pushed batch: applied and conflicting mutations are
    /// marked pushed, rejected ones quarantined (shown to the user, never sent again).
    fn record_results(&mut self, results: &[MutationResult]) -> Result<(), Self::Error>;
    /// The last feed number applied (0: nothing yet).
    fn cursor(&mut self) -> Result<i64, Self::Error>;
    /// Applies a page and stores `page.next_cursor`, in one local transaction.
    fn apply_page(&mut self, page: &PullPage) -> Result<(), Self::Error>;
    /// Starts a full re-snapshot: cursor to 0, every synchronised record marked unseen
    /// (unpushed mutations are kept).
    fn begin_resnapshot(&mut self) -> Result<(), Self::Error>;
    /// Ends it: drops the synchronised records the snapshot did not contain.
    fn finish_resnapshot(&mut self) -> Result<(), Self::Error>;
    /// Audit events after the last one the server accepted, oldest first, at most `max`.
    fn audit_pending(&mut self, max: usize) -> Result<Vec<AuditEventWire>, Self::Error>;
    /// The server holds the chain up to `head_seq`.
    fn audit_accepted(&mut self, head_seq: i64) -> Result<(), Self::Error>;
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError<E: std::fmt::Display> {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("local store: {0}")]
    Replica(E),
    #[error("the replica returned the same pending mutation again after it was answered")]
    Stuck,
}

/// What one round did, for the status line ("pending", "last sync", conflicts badge).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub pushed: usize,
    pub conflicts: usize,
    pub rejected: usize,
    pub pulled: usize,
    pub resnapshot: bool,
    pub audit_stored: u64,
    /// An audit upload refused by the server (its code), reported without failing the round.
    pub audit_refused: Option<String>,
}

/// How far a round is, for a progress bar on long syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Mutations answered so far.
    Pushed { done: usize },
    /// Feed items applied so far, and how many the server said were still to come.
    Pulled { done: usize, remaining: u64 },
    /// Audit events the server stored so far.
    Audited { done: u64 },
}

/// One round: push, pull, audit.
pub async fn sync_once<R: Replica>(
    client: &SyncClient,
    replica: &mut R,
    page_size: u32,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Report, WorkerError<R::Error>> {
    let mut report = Report::default();
    push(client, replica, &mut report, progress).await?;
    pull(client, replica, page_size, &mut report, progress).await?;
    audit(client, replica, &mut report, progress).await?;
    Ok(report)
}

async fn push<R: Replica>(
    client: &SyncClient,
    replica: &mut R,
    report: &mut Report,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(), WorkerError<R::Error>> {
    let mut last_first = None;
    loop {
        let pending = replica
            .pending(crate::protocol::MAX_PUSH_MUTATIONS * 10)
            .map_err(WorkerError::Replica)?;
        if pending.is_empty() {
            return Ok(());
        }
        if last_first == Some(pending[0].mutation_id) {
            return Err(WorkerError::Stuck);
        }
        last_first = Some(pending[0].mutation_id);
        for batch in batches(pending) {
            push_batch(client, replica, batch, report, progress).await?;
        }
    }
}

/// Whether the server itself refused a whole push for what it carried, in the JSON error its
/// push handler sends: `413 batch_too_large` (a mutation over the 1 MB a push may carry) or
/// `400 invalid_request` (a body it could not read). Only such a refusal can be narrowed down
/// to the mutation that caused it. Anything else is not a mutation's fault and fails the
/// round with every change still pending: a refusal of the station (`403 station_unknown`),
/// of the address or method (`404`, `405`), an answer that is not the server's (a reverse
/// proxy's HTML 413 page, which the client reads as `unexpected_status`) or a code this
/// build does not know (a newer server's); passing conditions (`408`, `429`, 5xx) the client
/// retries before it comes to this.
fn refuses_content(status: u16, code: &str) -> bool {
    matches!(
        (status, code),
        (413, "batch_too_large") | (400, "invalid_request")
    )
}

/// Pushes one batch. A batch refused as a whole for its content is split in halves, in
/// order, until the mutation the server will not take is alone; that one is quarantined as
/// `rejected` with the server's error, as if the server had answered it so, and the others go
/// on (one rejected mutation never blocks the rest, the pull or the next rounds).
async fn push_batch<R: Replica>(
    client: &SyncClient,
    replica: &mut R,
    batch: Vec<Mutation>,
    report: &mut Report,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(), WorkerError<R::Error>> {
    // Parts still to push, the next one last.
    let mut parts = vec![batch];
    while let Some(mut part) = parts.pop() {
        let results = match client.push(&part).await {
            Ok(response) => response.results,
            Err(ClientError::Refused { status, error }) if refuses_content(status, &error.code) => {
                if part.len() > 1 {
                    let second = part.split_off(part.len() / 2);
                    parts.push(second);
                    parts.push(part);
                    continue;
                }
                let m = &part[0];
                log::warn!(
                    "the server refused mutation {} on its own ({status} {}); quarantined",
                    m.mutation_id,
                    error.code
                );
                vec![MutationResult {
                    mutation_id: m.mutation_id,
                    outcome: Outcome::Rejected,
                    version: None,
                    conflict: None,
                    error: Some(error),
                }]
            }
            Err(e) => return Err(e.into()),
        };
        for r in &results {
            match r.outcome {
                Outcome::Applied => report.pushed += 1,
                Outcome::Conflict => {
                    report.pushed += 1;
                    report.conflicts += 1;
                }
                Outcome::Rejected => report.rejected += 1,
            }
        }
        replica
            .record_results(&results)
            .map_err(WorkerError::Replica)?;
        progress(Progress::Pushed {
            done: report.pushed + report.rejected,
        });
    }
    Ok(())
}

async fn pull<R: Replica>(
    client: &SyncClient,
    replica: &mut R,
    page_size: u32,
    report: &mut Report,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(), WorkerError<R::Error>> {
    let mut cursor = replica.cursor().map_err(WorkerError::Replica)?;
    // How much there is, asked once per round (and again after a re-snapshot restart).
    let mut total: Option<u64> = None;
    // The next page, asked for while this one is applied (a pull only reads on the server;
    // a page fetched and never applied changes nothing, and the cursor moves only with the
    // page applied).
    let mut ahead: Option<Ahead> = None;
    loop {
        let fetched = match ahead.take() {
            Some(next) => next.page().await,
            None => None,
        };
        let fetched = match fetched {
            Some(result) => result,
            None => client.pull(cursor, page_size, total.is_none()).await,
        };
        let page = match fetched {
            Ok(p) => p,
            Err(ClientError::ResnapshotRequired) if !report.resnapshot => {
                report.resnapshot = true;
                replica.begin_resnapshot().map_err(WorkerError::Replica)?;
                cursor = 0;
                total = None;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if page.more {
            ahead = Ahead::start(client, page.next_cursor, page_size);
        }
        replica.apply_page(&page).map_err(WorkerError::Replica)?;
        report.pulled += page.items.len();
        let all = *total
            .get_or_insert((report.pulled as u64).saturating_add(page.remaining.unwrap_or(0)));
        progress(Progress::Pulled {
            done: report.pulled,
            remaining: all.saturating_sub(report.pulled as u64),
        });
        cursor = page.next_cursor;
        if !page.more {
            break;
        }
    }
    if report.resnapshot {
        replica.finish_resnapshot().map_err(WorkerError::Replica)?;
    }
    Ok(())
}

/// A page being fetched in the background; dropped unused (an error while applying the one
/// before), its request is abandoned.
struct Ahead(tokio::task::JoinHandle<Result<PullPage, ClientError>>);

impl Ahead {
    /// None outside a tokio runtime's context: then pages are simply fetched one by one.
    fn start(client: &SyncClient, after: i64, limit: u32) -> Option<Ahead> {
        let handle = tokio::runtime::Handle::try_current().ok()?;
        let client = client.clone();
        Some(Ahead(handle.spawn(async move {
            client.pull(after, limit, false).await
        })))
    }

    /// The page's answer; None if the task did not finish (then it is asked for again).
    async fn page(mut self) -> Option<Result<PullPage, ClientError>> {
        (&mut self.0).await.ok()
    }
}

impl Drop for Ahead {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn audit<R: Replica>(
    client: &SyncClient,
    replica: &mut R,
    report: &mut Report,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(), WorkerError<R::Error>> {
    loop {
        let events = replica
            .audit_pending(MAX_AUDIT_EVENTS)
            .map_err(WorkerError::Replica)?;
        if events.is_empty() {
            return Ok(());
        }
        match client.push_audit(&events).await {
            Ok(accepted) => {
                report.audit_stored += accepted.stored;
                replica
                    .audit_accepted(accepted.head_seq)
                    .map_err(WorkerError::Replica)?;
                progress(Progress::Audited {
                    done: report.audit_stored,
                });
                if accepted.stored == 0 {
                    return Ok(());
                }
            }
            Err(ClientError::Refused { error, .. }) => {
                report.audit_refused = Some(error.code);
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
    }
}
