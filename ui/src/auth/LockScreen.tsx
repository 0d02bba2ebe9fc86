// The locked screen: who is signed in, the password to go on, or sign out. What was on the
// screen stays hidden behind it, untouched, and comes back after the unlock.
import { useEffect, useId, useRef, useState } from "react";
import type { FormEvent } from "react";
import type { AppError } from "../generated/AppError";
import type { AppInfo } from "../generated/AppInfo";
import type { SessionInfo } from "../generated/SessionInfo";
import { useBackend } from "../backend/context";
import { toAppError } from "../backend/errors";
import { sessionSignal } from "../backend/guard";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { AuthFrame, FormMessage } from "./AuthFrame";

export function LockScreen({
  info,
  session,
  onUnlocked,
  onEnded,
  onSignOut,
}: {
  info: AppInfo;
  session: SessionInfo;
  onUnlocked(session: SessionInfo): void;
  /** The session is gone (expired, or the account locked by failed attempts). */
  onEnded(error: AppError): void;
  onSignOut(): void;
}) {
  const backend = useBackend();
  const { t } = useI18n();
  const ids = useId();
  const [password, setPassword] = useState("");
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    passwordRef.current?.focus();
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || !password) {
      passwordRef.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const s = await backend.unlock(password);
      onUnlocked(s);
    } catch (err) {
      const appError = toAppError(err);
      if (appError.code === "account_locked" || sessionSignal(appError) === "ended") {
        onEnded(appError);
        return;
      }
      setError(appError);
      setPassword("");
      setBusy(false);
      passwordRef.current?.focus();
    }
  };

  return (
    <AuthFrame info={info} title={t("lockedTitle")} testId="lock-screen">
      <p>
        {t("lockedSignedInAs")}{" "}
        <strong className="name" data-testid="locked-user">
          {session.user_name}
        </strong>{" "}
        ({t(`role_${session.role}` as MessageKey)})
      </p>
      <form className="auth__form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={`${ids}-password`}>{t("password")}</label>
          <input
            id={`${ids}-password`}
            ref={passwordRef}
            type="password"
            data-testid="unlock-password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${ids}-error` : undefined}
          />
        </div>
        <FormMessage id={`${ids}-error`} error={error} />
        <div className="auth__actions">
          <button type="submit" className="button button--primary" data-testid="unlock-submit" disabled={busy}>
            {t("unlock")}
          </button>
          <button type="button" className="link-button" data-testid="sign-out" onClick={onSignOut}>
            {t("signOutOther")}
          </button>
        </div>
      </form>
    </AuthFrame>
  );
}
