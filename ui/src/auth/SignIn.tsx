// Sign-in: user name and password, offline against the local user table.
import { useEffect, useId, useRef, useState } from "react";
import type { FormEvent } from "react";
import type { AppError } from "../generated/AppError";
import type { AppInfo } from "../generated/AppInfo";
import type { SessionInfo } from "../generated/SessionInfo";
import { useBackend } from "../backend/context";
import { toAppError } from "../backend/errors";
import { useI18n } from "../i18n";
import { AuthFrame, FormMessage } from "./AuthFrame";

export function SignIn({
  info,
  notice,
  onSignedIn,
}: {
  info: AppInfo;
  /** Why the previous session ended (expired, ended elsewhere), if it did. */
  notice: AppError | null;
  onSignedIn(session: SessionInfo): void;
}) {
  const backend = useBackend();
  const { t, text } = useI18n();
  const ids = useId();
  const [userName, setUserName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const userRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    userRef.current?.focus();
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    if (!userName.trim() || !password) {
      (userName.trim() ? passwordRef : userRef).current?.focus();
      setError({ code: "required", message: { sq: t("signInMissing"), en: t("signInMissing") }, fields: [] });
      return;
    }
    setBusy(true);
    try {
      const session = await backend.signIn(userName.trim(), password);
      onSignedIn(session);
    } catch (err) {
      setError(toAppError(err));
      setPassword("");
      setBusy(false);
      passwordRef.current?.focus();
    }
  };

  return (
    <AuthFrame info={info} title={t("signInTitle")} testId="sign-in">
      {notice && !error && <p className="message message--info">{text(notice.message)}</p>}
      <form className="auth__form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={`${ids}-user`}>{t("userName")}</label>
          <input
            id={`${ids}-user`}
            ref={userRef}
            type="text"
            data-testid="sign-in-user"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            value={userName}
            onChange={(e) => setUserName(e.target.value)}
            aria-describedby={error ? `${ids}-error` : undefined}
          />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-password`}>{t("password")}</label>
          <input
            id={`${ids}-password`}
            ref={passwordRef}
            type="password"
            data-testid="sign-in-password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${ids}-error` : undefined}
          />
        </div>
        <FormMessage id={`${ids}-error`} error={error} />
        <button type="submit" className="button button--primary" data-testid="sign-in-submit" disabled={busy}>
          {busy ? t("signingIn") : t("signIn")}
        </button>
      </form>
    </AuthFrame>
  );
}
