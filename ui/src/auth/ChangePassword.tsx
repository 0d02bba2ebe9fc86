// The password change a reset asks for before anything else: current, new, repeated. The UI
// checks only that the repetition matches; the policy (length, common, user name, repetitive)
// is the Rust side's, and its refusals are shown as they come.
import { useEffect, useId, useRef, useState } from "react";
import type { FormEvent } from "react";
import type { AppError } from "../generated/AppError";
import type { AppInfo } from "../generated/AppInfo";
import type { SessionInfo } from "../generated/SessionInfo";
import { useBackend } from "../backend/context";
import { toAppError } from "../backend/errors";
import { sessionSignal } from "../backend/guard";
import type { SessionSignal } from "../backend/guard";
import { useI18n } from "../i18n";
import { AuthFrame, FormMessage } from "./AuthFrame";

/** Rust codes that are about the current password rather than the new one. */
const CURRENT_WRONG = new Set(["sign_in_refused"]);

export function ChangePassword({
  info,
  session,
  onChanged,
  onSignOut,
  onSessionSignal,
}: {
  info: AppInfo;
  session: SessionInfo;
  onChanged(session: SessionInfo): void;
  onSignOut(): void;
  /** The screen locked or the session ended meanwhile. */
  onSessionSignal(signal: SessionSignal, error: AppError): void;
}) {
  const backend = useBackend();
  const { t } = useI18n();
  const ids = useId();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const currentRef = useRef<HTMLInputElement>(null);
  const nextRef = useRef<HTMLInputElement>(null);
  const repeatRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    currentRef.current?.focus();
  }, []);

  const local = (key: "passwordRepeatMismatch" | "passwordFieldsRequired"): AppError => ({
    code: key === "passwordRepeatMismatch" ? "repeat_mismatch" : "required",
    message: { sq: t(key), en: t(key) },
    fields: [],
  });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    if (!current || !next || !repeat) {
      setError(local("passwordFieldsRequired"));
      (!current ? currentRef : !next ? nextRef : repeatRef).current?.focus();
      return;
    }
    if (next !== repeat) {
      setError(local("passwordRepeatMismatch"));
      setRepeat("");
      repeatRef.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const s = await backend.changePassword(current, next);
      onChanged(s);
    } catch (err) {
      const appError = toAppError(err);
      const signal = sessionSignal(appError);
      if (signal === "locked" || signal === "ended") {
        onSessionSignal(signal, appError);
        return;
      }
      setError(appError);
      setBusy(false);
      if (CURRENT_WRONG.has(appError.code)) {
        setCurrent("");
        currentRef.current?.focus();
      } else {
        setNext("");
        setRepeat("");
        nextRef.current?.focus();
      }
    }
  };

  const errorFor = (field: "current" | "new" | "repeat"): boolean => {
    if (!error) return false;
    if (error.code === "repeat_mismatch") return field === "repeat";
    if (error.code === "required") return false;
    return CURRENT_WRONG.has(error.code) ? field === "current" : field === "new";
  };
  const described = error ? `${ids}-error` : undefined;

  return (
    <AuthFrame info={info} title={t("changePasswordTitle")} testId="change-password">
      <p>{t("changePasswordIntro", { user: session.user_name })}</p>
      <form className="auth__form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={`${ids}-current`}>{t("currentPassword")}</label>
          <input
            id={`${ids}-current`}
            ref={currentRef}
            type="password"
            data-testid="change-current"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
            aria-invalid={errorFor("current") || undefined}
            aria-describedby={described}
          />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-new`}>{t("newPassword")}</label>
          <input
            id={`${ids}-new`}
            ref={nextRef}
            type="password"
            data-testid="change-new"
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
            aria-invalid={errorFor("new") || undefined}
            aria-describedby={`${ids}-rules${described ? ` ${described}` : ""}`}
          />
          <span id={`${ids}-rules`} className="hint">
            {t("passwordRules")}
          </span>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-repeat`}>{t("repeatPassword")}</label>
          <input
            id={`${ids}-repeat`}
            ref={repeatRef}
            type="password"
            data-testid="change-repeat"
            autoComplete="new-password"
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
            aria-invalid={errorFor("repeat") || undefined}
            aria-describedby={described}
          />
        </div>
        <FormMessage id={`${ids}-error`} error={error} />
        <div className="auth__actions">
          <button type="submit" className="button button--primary" data-testid="change-submit" disabled={busy}>
            {t("changePassword")}
          </button>
          <button type="button" className="link-button" data-testid="sign-out" onClick={onSignOut}>
            {t("signOut")}
          </button>
        </div>
      </form>
    </AuthFrame>
  );
}
