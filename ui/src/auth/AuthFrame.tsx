// The frame of the screens shown before the officer works: sign-in, password change, lock.
import type { ReactNode } from "react";
import type { AppError } from "../generated/AppError";
import type { AppInfo } from "../generated/AppInfo";
import { useI18n } from "../i18n";

export function AuthFrame({
  info,
  title,
  testId,
  children,
}: {
  info: AppInfo;
  title: string;
  testId: string;
  children: ReactNode;
}) {
  const { t, lang, setLang } = useI18n();
  return (
    <main className="auth" id="main" data-testid={testId}>
      <div className="auth__card">
        <div className="auth__head">
          <p className="auth__app">{t("appName")}</p>
          <button
            type="button"
            className="button button--small"
            data-testid="lang-switch"
            title={t("langSwitchLabel")}
            onClick={() => setLang(lang === "sq" ? "en" : "sq")}
          >
            {t("langSwitch")}
            <span className="visually-hidden" lang={lang === "sq" ? "en" : "sq"}>
              {" "}
              {t("langSwitchLabel")}
            </span>
          </button>
        </div>
        <h1 className="auth__title">{title}</h1>
        {children}
        <p className="auth__station note">
          {t("station")}: <span data-testid="station">{info.station}</span>
        </p>
      </div>
    </main>
  );
}

/**
 * The live region of a form: always in the document (so screen readers announce what
 * appears in it), showing the current language's half of the Rust message.
 */
export function FormMessage({ id, error }: { id: string; error: AppError | null }) {
  const { text } = useI18n();
  return (
    <div id={id} className="auth__message" aria-live="assertive" aria-atomic="true" data-testid="form-error">
      {error && (
        <p className="message message--error" data-code={error.code}>
          {text(error.message)}
        </p>
      )}
    </div>
  );
}
