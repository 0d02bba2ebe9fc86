// Four eyes: the supervisor approves the version on screen, or returns it with a reason.
// Both name the version looked at, so a change made meanwhile is refused, not approved unseen.
import { useId, useRef, useState } from "react";
import type { FormEvent } from "react";
import type { AppError } from "../generated/AppError";
import type { OffenderFile } from "../generated/OffenderFile";
import { useBackend } from "../backend/context";
import { ErrorCode, toAppError } from "../backend/errors";
import { useI18n } from "../i18n";
import { useAnnounce } from "../status";

export function Decision({
  file,
  onDecided,
  onReload,
}: {
  file: OffenderFile;
  /** After a decision was stored: what is on screen is out of date. */
  onDecided(kind: "approved" | "returned"): void;
  onReload(): void;
}) {
  const backend = useBackend();
  const { t, text } = useI18n();
  const announce = useAnnounce();
  const ids = useId();
  const [returning, setReturning] = useState(false);
  const [reason, setReason] = useState("");
  const [reasonMissing, setReasonMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const returnButton = useRef<HTMLButtonElement>(null);

  const version = Number(file.version);

  const approve = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await backend.approveFile(file.id, version);
      announce(t("fileApproved"));
      onDecided("approved");
    } catch (e) {
      setError(toAppError(e));
      setBusy(false);
    }
  };

  const openReturn = () => {
    setReturning(true);
    setError(null);
    // the textarea appears with this render
    setTimeout(() => reasonRef.current?.focus(), 0);
  };

  const cancelReturn = () => {
    setReturning(false);
    setReason("");
    setReasonMissing(false);
    setTimeout(() => returnButton.current?.focus(), 0);
  };

  const submitReturn = async (e: Pick<FormEvent, "preventDefault">) => {
    e.preventDefault();
    if (busy) return;
    if (!reason.trim()) {
      setReasonMissing(true);
      reasonRef.current?.focus();
      return;
    }
    setReasonMissing(false);
    setBusy(true);
    setError(null);
    try {
      await backend.returnFile(file.id, version, reason.trim());
      announce(t("fileReturned"));
      onDecided("returned");
    } catch (err) {
      const appError = toAppError(err);
      setError(appError);
      setBusy(false);
      if (appError.code === "reason_required") {
        setReasonMissing(true);
        reasonRef.current?.focus();
      }
    }
  };

  return (
    <section className="panel decision" aria-labelledby={`${ids}-title`} data-testid="decision">
      <h3 id={`${ids}-title`}>{t("decisionTitle")}</h3>
      <p className="note">{t("decisionIntro", { version })}</p>
      <div className="toolbar">
        <button
          type="button"
          className="button button--primary"
          data-testid="approve-file"
          disabled={busy || returning}
          onClick={() => void approve()}
        >
          {t("approve")}
        </button>
        <button
          type="button"
          className="button"
          ref={returnButton}
          data-testid="return-file"
          disabled={busy || returning}
          aria-expanded={returning}
          aria-controls={`${ids}-return`}
          onClick={openReturn}
        >
          {t("returnFile")}
        </button>
      </div>
      {returning && (
        <form id={`${ids}-return`} className="decision__return" onSubmit={submitReturn} noValidate>
          <div className="field">
            <label htmlFor={`${ids}-reason`}>
              {t("returnReason")}
              <span className="required" aria-hidden="true">
                {" "}
                *
              </span>
            </label>
            <textarea
              id={`${ids}-reason`}
              ref={reasonRef}
              data-testid="return-reason"
              rows={3}
              maxLength={1000}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              aria-required="true"
              aria-invalid={reasonMissing || undefined}
              aria-describedby={reasonMissing ? `${ids}-reason-problem` : `${ids}-reason-hint`}
              onKeyDown={(e) => {
                if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void submitReturn(e);
                if (e.key === "Escape") {
                  e.preventDefault();
                  e.stopPropagation();
                  cancelReturn();
                }
              }}
            />
            {reasonMissing ? (
              <span id={`${ids}-reason-problem`} className="problem problem--error" data-testid="return-reason-problem">
                {t("returnReasonRequired")}
              </span>
            ) : (
              <span id={`${ids}-reason-hint`} className="hint">
                {t("returnReasonHint")}
              </span>
            )}
          </div>
          <div className="toolbar">
            <button type="submit" className="button button--primary" data-testid="return-submit" disabled={busy}>
              {t("returnSubmit")}
            </button>
            <button type="button" className="button" onClick={cancelReturn} disabled={busy}>
              {t("cancel")}
            </button>
          </div>
        </form>
      )}
      <div aria-live="assertive">
        {error && (
          <p className="message message--error" data-code={error.code}>
            {text(error.message)}{" "}
            {(error.code === ErrorCode.versionConflict || error.code === "not_awaiting_approval") && (
              <button type="button" className="link-button" onClick={onReload}>
                {t("versionConflictAction")}
              </button>
            )}
          </p>
        )}
      </div>
    </section>
  );
}
