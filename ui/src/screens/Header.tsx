import type { AppInfo } from "../generated/AppInfo";
import type { ReferenceSet } from "../generated/ReferenceSet";
import { groupDigits } from "../format";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { directorateName } from "../reference";
import { useSession, writesFiles } from "../session";
import type { Place } from "../session";
import { useSync } from "../sync";
import { SyncLine } from "./SyncLine";

const PLACE_LABELS: Record<Place, MessageKey> = {
  dashboard: "navDashboard",
  rules: "navRules",
  search: "navSearch",
  approvals: "navApprovals",
  conflicts: "navConflicts",
  locked_accounts: "navLockedAccounts",
  audit: "navAudit",
  users: "navUsers",
  sync: "navSync",
  station: "navStation",
};

/** Also the buttons' element ids (the end-to-end test finds `#nav-dashboard`, `#nav-rules`). */
const PLACE_TEST_IDS: Record<Place, string> = {
  dashboard: "nav-dashboard",
  rules: "nav-rules",
  search: "nav-search",
  approvals: "nav-approvals",
  conflicts: "nav-conflicts",
  locked_accounts: "nav-locked",
  audit: "nav-audit",
  users: "nav-users",
  sync: "nav-sync",
  station: "nav-station",
};

/** The count beside a place, and how it is read out. */
function countOf(place: Place, approvals: number | null, conflicts: number | null): { count: number | null; label: MessageKey } | null {
  if (place === "approvals") return { count: approvals, label: "approvalsWaiting" };
  if (place === "conflicts") return { count: conflicts, label: "conflictsWaiting" };
  return null;
}

export function Header({
  info,
  reference,
  places,
  current,
  approvalCount,
  onNavigate,
  onNewFile,
  onHome,
  onLock,
  onSignOut,
}: {
  info: AppInfo;
  reference: ReferenceSet;
  places: Place[];
  current: Place | null;
  approvalCount: number | null;
  onNavigate(place: Place): void;
  onNewFile(): void;
  onHome(): void;
  onLock(): void;
  onSignOut(): void;
}) {
  const { t, lang, setLang } = useI18n();
  const session = useSession();
  const sync = useSync();
  return (
    <header className="app-header">
      <div className="app-header__bar">
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
            <dd data-testid="file-count" data-count={info.file_count ?? undefined}>
              {info.file_count === null ? t("none") : groupDigits(info.file_count)}
            </dd>
          </div>
          <div>
            <dt>{t("signedInAs")}</dt>
            <dd>
              <span className="name" data-testid="current-user">
                {session.user_name}
              </span>{" "}
              <span className="app-header__role" data-testid="current-role" data-role={session.role}>
                ({t(`role_${session.role}` as MessageKey)})
              </span>
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
          <button type="button" className="button" data-testid="lock-now" title={t("lockHint")} onClick={onLock}>
            {t("lock")}
          </button>
          <button type="button" className="button" data-testid="sign-out" onClick={onSignOut}>
            {t("signOut")}
          </button>
        </div>
      </div>
      <SyncLine onOpenConflicts={() => onNavigate("conflicts")} />
      <nav className="app-nav" aria-label={t("navigation")}>
        <ul className="app-nav__list">
          {places.map((p) => {
            const counted = countOf(p, approvalCount, sync.conflictCount);
            return (
              <li key={p}>
                <button
                  type="button"
                  className="app-nav__item"
                  id={PLACE_TEST_IDS[p]}
                  data-testid={PLACE_TEST_IDS[p]}
                  aria-current={current === p ? "page" : undefined}
                  data-count={counted ? (counted.count ?? 0) : undefined}
                  onClick={() => onNavigate(p)}
                >
                  {t(PLACE_LABELS[p])}
                  {counted && counted.count !== null && (
                    <>
                      {" "}
                      <span className="count-badge" aria-hidden="true">
                        {counted.count}
                      </span>
                      <span className="visually-hidden">{t(counted.label, { count: counted.count })}</span>
                    </>
                  )}
                </button>
              </li>
            );
          })}
        </ul>
        {writesFiles(session.role) && (
          <button type="button" className="button button--primary" data-testid="new-file" onClick={onNewFile}>
            {t("newFile")}
          </button>
        )}
      </nav>
    </header>
  );
}
