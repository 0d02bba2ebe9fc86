// Below the search results: persons with files in other directorates, as the national index
// shows them (no names: directorate, date of birth, NID, the file's status — never whether the
// person is registered, which only the full file tells). A clerk or supervisor may ask
// the server for the full file, for one look, with a reason that is logged there and here.
import { useEffect, useId, useRef, useState } from "react";
import type { FormEvent } from "react";
import type { AppError } from "../generated/AppError";
import type { NationalHit } from "../generated/NationalHit";
import type { ReferenceSet } from "../generated/ReferenceSet";
import type { RemoteFileView } from "../generated/RemoteFileView";
import { useBackend } from "../backend/context";
import { ErrorCode, toAppError } from "../backend/errors";
import { isoToDisplay } from "../dates";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { directorateName } from "../reference";
import { fetchesRemoteFiles, useSession } from "../session";

/** The longest reason the server takes. */
export const FETCH_REASON_MAX = 500;

const FILE_STATUSES = new Set(["pending", "approved", "amended", "returned", "removed"]);

function FetchForm({ hit, onFetched, onCancel }: { hit: NationalHit; onFetched(view: RemoteFileView): void; onCancel(): void }) {
  const backend = useBackend();
  const { t, text } = useI18n();
  const ids = useId();
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const errorRef = useRef<HTMLParagraphElement>(null);
  // A refusal other than a missing reason takes the focus once it is rendered.
  useEffect(() => {
    if (error && error.code !== ErrorCode.reasonRequired) errorRef.current?.focus();
  }, [error]);

  const submit = async (e: Pick<FormEvent, "preventDefault">) => {
    e.preventDefault();
    if (busy) return;
    const why = reason.trim();
    if (!why) {
      setMissing(true);
      reasonRef.current?.focus();
      return;
    }
    setMissing(false);
    setBusy(true);
    setError(null);
    try {
      const view = await backend.fetchRemoteFile(hit.id, why);
      onFetched(view);
    } catch (err) {
      const appError = toAppError(err);
      setError(appError);
      setBusy(false);
      if (appError.code === ErrorCode.reasonRequired) {
        setMissing(true);
        reasonRef.current?.focus();
      }
    }
  };

  return (
    <form className="fetch-form" onSubmit={(e) => void submit(e)} noValidate data-testid="fetch-form" data-id={hit.id}>
      <div className="field">
        <label htmlFor={`${ids}-reason`}>
          {t("fetchReason")}
          <span className="required" aria-hidden="true">
            {" "}
            *
          </span>
        </label>
        <textarea
          id={`${ids}-reason`}
          ref={reasonRef}
          data-testid="fetch-reason"
          rows={2}
          autoFocus
          maxLength={FETCH_REASON_MAX}
          value={reason}
          aria-required="true"
          aria-invalid={missing || undefined}
          aria-describedby={missing ? `${ids}-problem` : `${ids}-hint`}
          onChange={(e) => setReason(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void submit(e);
            if (e.key === "Escape") {
              e.preventDefault();
              e.stopPropagation();
              onCancel();
            }
          }}
        />
        {missing ? (
          <span id={`${ids}-problem`} className="problem problem--error" data-testid="fetch-reason-problem">
            {t("fetchReasonRequired")}
          </span>
        ) : (
          <span id={`${ids}-hint`} className="hint">
            {t("fetchReasonHint", { max: FETCH_REASON_MAX })}
          </span>
        )}
      </div>
      <div className="toolbar">
        <button type="submit" className="button button--primary" data-testid="fetch-submit" disabled={busy}>
          {busy ? t("fetching") : t("fetchSubmit")}
        </button>
        <button type="button" className="button" onClick={onCancel} disabled={busy}>
          {t("cancel")}
        </button>
      </div>
      {error && error.code !== ErrorCode.reasonRequired && (
        <p className="message message--error" role="alert" tabIndex={-1} ref={errorRef} data-testid="fetch-error" data-code={error.code}>
          {text(error.message)} <code>{error.code}</code>
        </p>
      )}
    </form>
  );
}

export function NationalHits({ hits, reference, onFetched }: { hits: NationalHit[]; reference: ReferenceSet; onFetched(view: RemoteFileView): void }) {
  const { t } = useI18n();
  const session = useSession();
  const [asking, setAsking] = useState<string | null>(null);
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const mayFetch = fetchesRemoteFiles(session.role);
  if (hits.length === 0) return null;

  const cancel = (id: string) => {
    setAsking(null);
    setTimeout(() => buttons.current.get(id)?.focus(), 0);
  };

  return (
    <section className="panel national" aria-labelledby="national-title" data-testid="national-hits" data-count={hits.length}>
      <h3 id="national-title">
        {t("nationalTitle")} <span className="count-badge">{hits.length}</span>
      </h3>
      <p className="note">{t("nationalIntro")}</p>
      <table className="data-table">
        <caption className="visually-hidden">{t("nationalTitle")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("directorate")}</th>
            <th scope="col">{t("colDateOfBirth")}</th>
            <th scope="col">{t("colNid")}</th>
            <th scope="col">{t("fileStatus")}</th>
            <th scope="col">{t("colMatch")}</th>
            {mayFetch && <th scope="col">{t("colAction")}</th>}
          </tr>
        </thead>
        <tbody>
          {hits.flatMap((h) => {
            const row = (
              <tr key={h.id} data-testid="national-row" data-id={h.id} data-directorate={h.owning_directorate}>
                <td>{directorateName(reference, h.owning_directorate)}</td>
                <td className="nowrap">{isoToDisplay(h.date_of_birth)}</td>
                <td className="mono">{h.nid ?? t("none")}</td>
                <td>
                  {FILE_STATUSES.has(h.status) ? (
                    <span className={`badge badge--status-${h.status}`}>{t(`status_${h.status}` as MessageKey)}</span>
                  ) : (
                    h.status
                  )}
                </td>
                <td>
                  <span className={`badge badge--match-${h.matched}`}>{t(`match_${h.matched}` as MessageKey)}</span>
                </td>
                {mayFetch && (
                  <td>
                    <button
                      type="button"
                      className="button button--small"
                      data-testid="fetch-remote"
                      ref={(el) => {
                        if (el) buttons.current.set(h.id, el);
                        else buttons.current.delete(h.id);
                      }}
                      aria-expanded={asking === h.id}
                      disabled={asking !== null && asking !== h.id}
                      onClick={() => setAsking(asking === h.id ? null : h.id)}
                    >
                      {t("fetchRemote")}
                    </button>
                  </td>
                )}
              </tr>
            );
            if (asking !== h.id) return [row];
            return [
              row,
              <tr key={`${h.id}-ask`} className="national__ask">
                <td colSpan={mayFetch ? 6 : 5}>
                  <FetchForm hit={h} onFetched={onFetched} onCancel={() => cancel(h.id)} />
                </td>
              </tr>,
            ];
          })}
        </tbody>
      </table>
    </section>
  );
}
