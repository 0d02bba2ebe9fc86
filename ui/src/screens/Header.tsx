import type { AppInfo } from "../generated/AppInfo";
import type { ReferenceSet } from "../generated/ReferenceSet";
import { groupDigits } from "../format";
import { useI18n } from "../i18n";
import { directorateName } from "../reference";

export function Header({
  info,
  reference,
  onNewFile,
  onHome,
}: {
  info: AppInfo;
  reference: ReferenceSet;
  onNewFile(): void;
  onHome(): void;
}) {
  const { t, lang, setLang } = useI18n();
  return (
    <header className="app-header">
      <h1 className="app-header__name">
        <button type="button" className="link-button app-header__home" onClick={onHome}>
          {t("appName")}
        </button>
      </h1>
      <dl className="app-header__facts">
        <div>
          <dt>{t("station")}</dt>
          <dd data-testid="station">{info.station}</dd>
        </div>
        <div>
          <dt>{t("directorate")}</dt>
          <dd>{directorateName(reference, info.directorate_code)}</dd>
        </div>
        <div>
          <dt>{t("fileCount")}</dt>
          <dd data-testid="file-count" data-count={info.file_count}>
            {groupDigits(info.file_count)}
          </dd>
        </div>
      </dl>
      <div className="app-header__actions">
        <button
          type="button"
          className="button"
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
        <button type="button" className="button button--primary" data-testid="new-file" onClick={onNewFile}>
          {t("newFile")}
        </button>
      </div>
    </header>
  );
}
