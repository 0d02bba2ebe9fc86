// "Sinkronizimi": the station's synchronisation in full (station, server, last attempt, the
// last error), "sync now", what the last round did, and this station's changes the server did
// not simply apply: conflicts waiting for a supervisor, and rejected changes kept here and never
// sent again. Clerks, supervisors and administrators.
import { useCallback, useEffect, useRef, useState } from "react";
import type { AppError } from "../generated/AppError";
import type { ReferenceSet } from "../generated/ReferenceSet";
import type { SyncIssue } from "../generated/SyncIssue";
import { useBackend } from "../backend/context";
import { ErrorCode, toAppError } from "../backend/errors";
import { changeLabel } from "../changes";
import { timestampToDisplay } from "../dates";
import { groupDigits } from "../format";
import { useI18n } from "../i18n";
import { directorateName } from "../reference";
import { resolvesConflicts, useSession } from "../session";
import { useSync } from "../sync";
import { Row } from "./FileFacts";
import { ConnectionBadge, SyncProgressBar } from "./SyncLine";

export function SyncView({
  reference,
  onOpenFile,
  onOpenConflicts,
}: {
  reference: ReferenceSet;
  onOpenFile(id: string): void;
  onOpenConflicts(): void;
}) {
  const backend = useBackend();
  const session = useSession();
  const { t, text } = useI18n();
  const sync = useSync();
  const { status } = sync;
  const [issues, setIssues] = useState<SyncIssue[] | null>(null);
  const [issuesError, setIssuesError] = useState<AppError | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const live = useRef(true);

  const loadIssues = useCallback(() => {
    backend.syncIssues().then(
      (list) => {
        if (!live.current) return;
        setIssues(list);
        setIssuesError(null);
      },
      (e) => {
        if (!live.current) return;
        const error = toAppError(e);
        // a station that is not enrolled has sent nothing yet
        if (error.code === ErrorCode.notEnrolled) {
          setIssues([]);
          setIssuesError(null);
        } else setIssuesError(error);
      },
    );
  }, [backend]);

  useEffect(() => {
    live.current = true;
    heading.current?.focus();
    return () => {
      live.current = false;
    };
  }, []);

  // again after each round: what the server answered may have changed
  useEffect(() => {
    loadIssues();
  }, [loadIssues, sync.rounds]);

  const dash = t("none");
  const when = (ts: string | null) => (ts ? timestampToDisplay(ts) : dash);
  const report = sync.lastReport;

  return (
    <main className="sync" id="main" data-testid="sync-view" aria-busy={!status}>
      <div className="dashboard__head">
        <h2 tabIndex={-1} ref={heading}>
          {t("syncTitle")}
        </h2>
        {status && (
          <div className="toolbar">
            <button
              type="button"
              className="button button--primary"
              data-testid="sync-view-now"
              disabled={!status.enrolled || sync.running}
              onClick={() => void sync.syncNow()}
            >
              {sync.running ? t("syncRunning") : t("syncNow")}
            </button>
            <button type="button" className="button" onClick={() => sync.refresh()}>
              {t("refresh")}
            </button>
          </div>
        )}
      </div>

      {!status && !sync.statusError && <p>{t("loading")}</p>}
      {sync.statusError && (
        <p className="message message--error" role="alert">
          {text(sync.statusError.message)} <code>{sync.statusError.code}</code>
        </p>
      )}

      {status && (
        <section className="panel" aria-labelledby="sync-state-title" data-testid="sync-state">
          <h3 id="sync-state-title">{t("syncStateTitle")}</h3>
          {!status.enrolled && (
            <p className="message message--warning" data-testid="sync-not-enrolled">
              {t("syncNotEnrolledLong")}
            </p>
          )}
          <dl className="facts">
            <Row label={t("syncConnection")}>
              <ConnectionBadge status={status} />
            </Row>
            <Row label={t("station")}>
              <span className="mono">{status.station || dash}</span>
            </Row>
            <Row label={t("directorate")}>{status.directorate ? directorateName(reference, status.directorate) : dash}</Row>
            <Row label={t("syncServer")}>
              <span className="mono">{status.server_url ?? dash}</span>
            </Row>
            <Row label={t("syncPendingLabel")}>{groupDigits(status.pending)}</Row>
            <Row label={t("syncRejectedLabel")}>{groupDigits(status.rejected)}</Row>
            <Row label={t("syncOpenConflicts")}>{status.open_conflicts === null ? dash : groupDigits(status.open_conflicts)}</Row>
            <Row label={t("syncLastSuccess")}>{when(status.last_success_at)}</Row>
            <Row label={t("syncLastAttempt")}>{when(status.last_attempt_at)}</Row>
            <Row label={t("syncLastError")}>
              {status.last_error ? (
                <span data-testid="sync-last-error" data-code={status.last_error.code}>
                  {text(status.last_error.message)} <code>{status.last_error.code}</code>
                </span>
              ) : (
                dash
              )}
            </Row>
            <Row label={t("syncNationalFiles")}>{groupDigits(status.national_files)}</Row>
          </dl>
          {sync.running && (
            <p>
              <SyncProgressBar />
            </p>
          )}
          {sync.lastFailure && (
            <p className="message message--error" data-testid="sync-view-error" data-code={sync.lastFailure.code}>
              {text(sync.lastFailure.message)} <code>{sync.lastFailure.code}</code>
            </p>
          )}
          {report && !sync.running && (
            <div className="message message--ok" data-testid="sync-report">
              <p>{t("syncReport", { pushed: report.pushed, pulled: report.pulled, conflicts: report.conflicts, rejected: report.rejected })}</p>
              {report.resnapshot && <p>{t("syncResnapshot")}</p>}
              {report.audit_refused && (
                <p data-testid="sync-audit-refused" data-code={report.audit_refused}>
                  {t("syncAuditRefused", { code: report.audit_refused })}
                </p>
              )}
            </div>
          )}
        </section>
      )}

      <section className="panel" aria-labelledby="sync-issues-title">
        <h3 id="sync-issues-title">
          {t("syncIssuesTitle")} {issues && <span className="count-badge">{issues.length}</span>}
        </h3>
        <p className="note">{t("syncIssuesIntro")}</p>
        {issuesError && (
          <p className="message message--error" role="alert">
            {text(issuesError.message)} <code>{issuesError.code}</code>
          </p>
        )}
        {!issues && !issuesError && <p>{t("loading")}</p>}
        {issues && issues.length === 0 && <p data-testid="sync-issues-empty">{t("syncIssuesEmpty")}</p>}
        {issues && issues.length > 0 && (
          <table className="data-table">
            <caption className="visually-hidden">{t("syncIssuesTitle")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("colFile")}</th>
                <th scope="col">{t("colWhatHappened")}</th>
                <th scope="col">{t("colFields")}</th>
                <th scope="col">{t("colOfficer")}</th>
                <th scope="col">{t("colAnswered")}</th>
              </tr>
            </thead>
            <tbody>
              {issues.map((i) => (
                <tr key={i.mutation_id} data-testid="sync-issue" data-kind={i.kind} data-id={i.mutation_id}>
                  <td>
                    {i.file_label ? (
                      <button type="button" className="link-button name" data-testid="sync-issue-open" onClick={() => onOpenFile(i.file_id)}>
                        {i.file_label}
                      </button>
                    ) : (
                      <span className="note">{t("syncIssueNoLocalCopy")}</span>
                    )}
                  </td>
                  <td>
                    <span className={i.kind === "rejected" ? "badge badge--danger" : "badge badge--warning"}>
                      {i.kind === "rejected" ? t("syncIssueRejected") : i.kind === "conflict" ? t("syncIssueConflict") : i.kind}
                    </span>
                    <p className="note">{i.kind === "rejected" ? t("syncIssueRejectedNote") : t("syncIssueConflictNote")}</p>
                    {i.error && (
                      <p className="text-danger" data-testid="sync-issue-error" data-code={i.error.code}>
                        {text(i.error.message)} <code>{i.error.code}</code>
                      </p>
                    )}
                    {i.kind === "conflict" && i.conflict_id && resolvesConflicts(session.role) && (
                      <button type="button" className="link-button" onClick={onOpenConflicts}>
                        {t("syncIssueToConflicts")}
                      </button>
                    )}
                  </td>
                  <td>
                    <ul className="plain-list">
                      {i.paths.map((p) => (
                        <li key={p} data-path={p}>
                          {changeLabel(p, null, t)}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>{i.actor}</td>
                  <td className="nowrap">
                    {timestampToDisplay(i.answered_at)}
                    <span className="note">
                      <br />
                      {t("syncIssueMadeAt", { at: timestampToDisplay(i.made_at) })}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
