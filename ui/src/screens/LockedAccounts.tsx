// Accounts locked after too many failed sign-ins that this officer may release (a supervisor:
// those of the own directorate; the Rust side decides which).
import { useCallback, useEffect, useRef, useState } from "react";
import type { AppError } from "../generated/AppError";
import type { ReferenceSet } from "../generated/ReferenceSet";
import type { UserSummary } from "../generated/UserSummary";
import { useBackend } from "../backend/context";
import { toAppError } from "../backend/errors";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { directorateName } from "../reference";
import { useAnnounce } from "../status";

export function LockedAccounts({ reference }: { reference: ReferenceSet }) {
  const backend = useBackend();
  const { t, text } = useI18n();
  const announce = useAnnounce();
  const [users, setUsers] = useState<UserSummary[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const load = useCallback(() => {
    return backend.lockedUsers().then(
      (u) => {
        setUsers(u);
        setError(null);
      },
      (e) => setError(toAppError(e)),
    );
  }, [backend]);

  useEffect(() => {
    void load().then(() => heading.current?.focus());
  }, [load]);

  const release = async (u: UserSummary) => {
    setBusy(u.id);
    try {
      await backend.releaseUser(u.id);
      announce(t("userReleased", { user: u.user_name }));
      await load();
    } catch (e) {
      setError(toAppError(e));
    } finally {
      setBusy(null);
      heading.current?.focus();
    }
  };

  return (
    <main className="accounts" id="main" data-testid="locked-accounts">
      <h2 tabIndex={-1} ref={heading}>
        {t("lockedAccountsTitle")}
      </h2>
      <p className="note">{t("lockedAccountsIntro")}</p>
      {error && (
        <p className="message message--error" role="alert">
          {text(error.message)}
        </p>
      )}
      {users && users.length === 0 && <p>{t("lockedAccountsEmpty")}</p>}
      {users && users.length > 0 && (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t("userName")}</th>
              <th scope="col">{t("role")}</th>
              <th scope="col">{t("directorate")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-testid="locked-user-row">
                <td className="name">{u.user_name}</td>
                <td>{t(`role_${u.role}` as MessageKey)}</td>
                <td>{directorateName(reference, u.directorate)}</td>
                <td>
                  <button
                    type="button"
                    className="button button--small"
                    data-testid="release-user"
                    disabled={busy !== null}
                    onClick={() => void release(u)}
                  >
                    {t("release")}
                    <span className="visually-hidden"> {u.user_name}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
