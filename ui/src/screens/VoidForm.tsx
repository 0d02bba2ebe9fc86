// The form that voids something kept for ever (a record, a photo): a required reason, sent
// through `send`; the backend's field problems shown under the reason, any other error above
// the buttons. Escape cancels, Ctrl+Enter sends.

import { useEffect, useRef, useState } from "react";
import type { AppError } from "../generated/AppError";
import type { FieldError } from "../generated/FieldError";
import { toAppError } from "../backend/errors";
import { TextArea } from "../form/fields";
import { bilingual, useI18n } from "../i18n";
import type { MessageKey } from "../i18n";

export function VoidForm({
  path,
  testId,
  submitLabel,
  send,
  onDone,
  onCancel,
}: {
  /** The reason field's path (its id and label target). */
  path: string;
  /** `${testId}-form` and `${testId}-submit` name the form and its button for tests. */
  testId: string;
  submitLabel: MessageKey;
  send(reason: string): Promise<unknown>;
  onDone(): void;
  onCancel(): void;
}) {
  const { t, text } = useI18n();
  const [reason, setReason] = useState("");
  const [problems, setProblems] = useState<FieldError[]>([]);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLFormElement>(null);
  const focusReason = () => ref.current?.querySelector<HTMLElement>("textarea")?.focus();
  useEffect(focusReason, []);
  const submit = async () => {
    if (!reason.trim()) {
      setProblems([{ field: "reason", code: "required", severity: "error", message: bilingual("voidReasonRequired") }]);
      focusReason();
      return;
    }
    setBusy(true);
    try {
      await send(reason);
      onDone();
    } catch (e) {
      const err = toAppError(e);
      if (err.fields.length > 0) setProblems(err.fields);
      else setError(err);
      setBusy(false);
    }
  };
  return (
    <form
      className="void-form"
      ref={ref}
      data-testid={`${testId}-form`}
      noValidate
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          onCancel();
        } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          void submit();
        }
      }}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <TextArea path={path} label={t("voidReason")} required problems={problems.filter((p) => p.field === "reason")} value={reason} onChange={setReason} />
      {error && (
        <p className="message message--error" role="alert" data-code={error.code}>
          {text(error.message)}
        </p>
      )}
      <div className="row-actions">
        <button type="submit" className="button button--primary" data-testid={`${testId}-submit`} disabled={busy}>
          {t(submitLabel)}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          {t("cancel")}
        </button>
      </div>
    </form>
  );
}
