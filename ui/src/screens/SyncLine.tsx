// The synchronisation status line of the signed-in header: whether the server was reached,
// how many changes wait to be sent, when the last synchronisation succeeded (Tirana time), the
// supervisor's open conflicts, "sync now" and, while a round runs, its progress. Every state is
// said in words (a symbol beside them is decoration only).
import { useId } from "react";
import type { SyncStatus } from "../generated/SyncStatus";
import { ErrorCode } from "../backend/errors";
import { timestampToDisplay } from "../dates";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { resolvesConflicts, synchronises, useSession } from "../session";
import { useSync } from "../sync";

export type Connection = "not_enrolled" | "online" | "offline" | "unknown";

export function connectionOf(status: SyncStatus): Connection {
  if (!status.enrolled) return "not_enrolled";
  if (status.online === null) return "unknown";
  return status.online ? "online" : "offline";
}

const CONNECTION_LABELS: Record<Connection, MessageKey> = {
  not_enrolled: "syncStateNotEnrolled",
  online: "syncStateOnline",
  offline: "syncStateOffline",
  unknown: "syncStateUnknown",
};

const CONNECTION_SYMBOLS: Record<Connection, string> = {
  not_enrolled: "○",
  online: "●",
  offline: "✕",
  unknown: "…",
};

export function ConnectionBadge({ status }: { status: SyncStatus }) {
  const { t } = useI18n();
  const c = connectionOf(status);
  return (
    <span className={`sync-state sync-state--${c}`} data-connection={c}>
      <span className="sync-state__symbol" aria-hidden="true">
        {CONNECTION_SYMBOLS[c]}
      </span>{" "}
      {t(CONNECTION_LABELS[c])}
    </span>
  );
}

/** The progress bar of a running round: the phase in words, done of total (indeterminate when the total is unknown). */
export function SyncProgressBar({ testId }: { testId?: string }) {
  const { t } = useI18n();
  const { status } = useSync();
  const ids = useId();
  const p = status?.running ? status.progress : null;
  const phase = p ? t(`syncPhase_${p.phase}` as MessageKey) : t("syncPhaseStarting");
  const known = p !== null && p.total !== null;
  const total = known ? Math.max(p.total!, p.done, 1) : undefined;
  const amount = p === null ? "" : known ? t("syncProgressOf", { done: p.done, total: p.total! }) : t("syncProgressDone", { done: p.done });
  return (
    <span className="sync-progress">
      <label htmlFor={`${ids}-bar`} className="sync-progress__label">
        {phase}
      </label>{" "}
      <progress
        id={`${ids}-bar`}
        className="sync-progress__bar"
        data-testid={testId}
        data-phase={p?.phase ?? "starting"}
        data-done={p?.done ?? 0}
        data-total={known ? p.total! : undefined}
        max={total}
        value={known ? p.done : undefined}
        aria-valuetext={amount ? `${phase}: ${amount}` : phase}
      />{" "}
      {amount && <span className="sync-progress__amount">{amount}</span>}
    </span>
  );
}

export function SyncLine({ onOpenConflicts }: { onOpenConflicts(): void }) {
  const { t, text } = useI18n();
  const session = useSession();
  const sync = useSync();
  const { status } = sync;
  const ids = useId();

  if (!status) {
    return (
      <div className="sync-line" data-testid="sync-status" role="group" aria-label={t("syncTitle")} aria-busy="true">
        <span className="sync-line__item">
          {t("syncTitle")}: {sync.statusError ? text(sync.statusError.message) : t("loading")}
        </span>
      </div>
    );
  }

  const mayStart = synchronises(session.role);
  const count = sync.conflictCount;
  const failure = sync.lastFailure;
  const lastSuccess = status.last_success_at ? timestampToDisplay(status.last_success_at) : t("syncNever");
  const why = !status.enrolled ? `${ids}-why` : undefined;
  return (
    <div
      className="sync-line"
      data-testid="sync-status"
      data-enrolled={status.enrolled ? "true" : "false"}
      data-online={status.online === null ? "unknown" : status.online ? "true" : "false"}
      data-pending={status.pending}
      data-running={sync.running ? "true" : "false"}
      role="group"
      aria-label={t("syncTitle")}
    >
      {/* the state in words, read out politely when it changes (online ⇄ offline, pending) */}
      <span className="sync-line__live" aria-live="polite" data-testid="sync-live">
        <span className="sync-line__item sync-line__connection">
          <span className="visually-hidden">{t("syncTitle")}: </span>
          <ConnectionBadge status={status} />
        </span>
        {status.enrolled && (
          <>
            <span className="sync-line__item" data-testid="sync-pending" data-count={status.pending}>
              {t("syncPending", { count: status.pending })}
            </span>
            {status.rejected > 0 && (
              <span className="sync-line__item sync-line__rejected" data-testid="sync-rejected" data-count={status.rejected}>
                {t("syncRejectedCount", { count: status.rejected })}
              </span>
            )}
            <span className="sync-line__item" data-testid="sync-last-success" data-at={status.last_success_at ?? undefined}>
              {t("syncLastSuccess")}: <span className="nowrap">{lastSuccess}</span>
            </span>
          </>
        )}
        {!status.enrolled && (
          <span className="sync-line__item note-inverse" id={why}>
            {t("syncNotEnrolledHint")}
          </span>
        )}
      </span>
      {resolvesConflicts(session.role) && count !== null && count > 0 && (
        <button type="button" className="link-button sync-line__conflicts" data-testid="sync-conflicts" data-count={count} onClick={onOpenConflicts}>
          {t("syncConflictsBadge", { count })}
        </button>
      )}
      {sync.running && (
        <span className="sync-line__item">
          <SyncProgressBar testId="sync-progress" />
        </span>
      )}
      {mayStart && (
        <button
          type="button"
          className="button button--small"
          data-testid="sync-now"
          disabled={!status.enrolled || sync.running}
          aria-describedby={why}
          onClick={() => void sync.syncNow()}
        >
          {sync.running ? t("syncRunning") : t("syncNow")}
        </button>
      )}
      {failure && failure.code !== ErrorCode.syncRunning && (
        <span className="sync-line__item sync-line__failure" data-testid="sync-error" data-code={failure.code}>
          <span aria-hidden="true">⚠ </span>
          {text(failure.message)}
        </span>
      )}
    </div>
  );
}
