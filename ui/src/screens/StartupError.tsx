import type { AppError } from "../generated/AppError";
import { useI18n } from "../i18n";

/** Full-screen refusal to start: the database could not be opened, the key store is locked… */
export function StartupError({ error }: { error: AppError }) {
  const { t, lang } = useI18n();
  const other = lang === "sq" ? error.message.en : error.message.sq;
  return (
    <main className="startup-error" data-testid="startup-error" role="alert">
      <h1>{t("startupTitle")}</h1>
      <p className="startup-error__message" lang={lang}>
        {lang === "sq" ? error.message.sq : error.message.en}
      </p>
      {other && (
        <p className="startup-error__message startup-error__message--other" lang={lang === "sq" ? "en" : "sq"}>
          {other}
        </p>
      )}
      <p className="startup-error__code">
        {t("errorCode")}: <code data-testid="startup-error-code">{error.code}</code>
      </p>
    </main>
  );
}
