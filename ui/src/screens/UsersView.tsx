// Users, for administrators: the list with its flags, a new user (the Rust side makes a
// one-time password, shown here once), password reset, disable / enable, release.
import { useCallback, useEffect, useId, useRef, useState } from "react";
import type { FormEvent } from "react";
import type { AppError } from "../generated/AppError";
import type { OneTimePassword } from "../generated/OneTimePassword";
import type { ReferenceSet } from "../generated/ReferenceSet";
import type { Role } from "../generated/Role";
import type { UserSummary } from "../generated/UserSummary";
import { useBackend } from "../backend/context";
import { toAppError } from "../backend/errors";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { directorateName } from "../reference";
import { useSession } from "../session";
import { useAnnounce } from "../status";
import { useSync } from "../sync";

export const ROLES: Role[] = ["clerk", "supervisor", "administrator", "auditor"];

/** The one-time password, once: closing the dialog forgets it. */
function OneTimePasswordDialog({ otp, onClose }: { otp: OneTimePassword; onClose(): void }) {
  const { t } = useI18n();
  const ids = useId();
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    close.current?.focus();
  }, []);
  return (
    <div className="dialog-backdrop">
      <div
        className="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={`${ids}-title`}
        aria-describedby={`${ids}-warning`}
        data-testid="one-time-password-dialog"
        onKeyDown={(e) => {
          // the focus stays in the dialog until the officer confirms
          if (e.key === "Tab") {
            e.preventDefault();
            close.current?.focus();
          }
        }}
      >
        <h3 id={`${ids}-title`}>{t("otpTitle", { user: otp.user_name })}</h3>
        <p className="otp">
          <code className="otp__value" data-testid="one-time-password">
            {otp.password}
          </code>
        </p>
        <p id={`${ids}-warning`} className="message message--warning">
          {t("otpWarning")}
        </p>
        <button type="button" ref={close} className="button button--primary" data-testid="one-time-password-close" onClick={onClose}>
          {t("otpHandedOver")}
        </button>
      </div>
    </div>
  );
}

export function UsersView({ reference }: { reference: ReferenceSet }) {
  const backend = useBackend();
  const session = useSession();
  const { t, text } = useI18n();
  const announce = useAnnounce();
  const ids = useId();
  const { status } = useSync();
  // A regional station makes only its own directorate's clerks and supervisors (Rust
  // refuses the rest; the form does not offer it).
  const regional = status?.enrolled === true && !status.administration;
  const roles = regional ? ROLES.filter((r) => r === "clerk" || r === "supervisor") : ROLES;
  const directorates = regional
    ? reference.directorates.filter((d) => d.code === status.directorate)
    : reference.directorates;
  const [users, setUsers] = useState<UserSummary[] | null>(null);
  const [listError, setListError] = useState<AppError | null>(null);
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("clerk");
  const [directorate, setDirectorate] = useState(() =>
    reference.directorates.some((d) => d.code === session.directorate) ? session.directorate : (reference.directorates[0]?.code ?? ""),
  );
  const [createError, setCreateError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const [otp, setOtp] = useState<OneTimePassword | null>(null);
  const [confirmReset, setConfirmReset] = useState<string | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const returnFocus = useRef<HTMLElement | null>(null);

  const load = useCallback(
    () =>
      backend.listUsers().then(
        (u) => {
          setUsers(u);
          setListError(null);
        },
        (e) => setListError(toAppError(e)),
      ),
    [backend],
  );

  useEffect(() => {
    void load();
    nameRef.current?.focus();
  }, [load]);

  const showOnce = (p: OneTimePassword) => {
    returnFocus.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setOtp(p);
  };

  const closeOtp = () => {
    setOtp(null);
    const back = returnFocus.current;
    returnFocus.current = null;
    setTimeout(() => (back?.isConnected ? back : nameRef.current)?.focus(), 0);
  };

  const create = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const userName = name.trim();
    if (!userName) {
      setCreateError({ code: "required", message: { sq: t("userNameRequired"), en: t("userNameRequired") }, fields: [] });
      nameRef.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const p = await backend.createUser(userName, role, regional ? status.directorate : directorate);
      setCreateError(null);
      setName("");
      returnFocus.current = nameRef.current;
      setOtp(p);
      announce(t("userCreated", { user: p.user_name }));
      void load();
    } catch (err) {
      setCreateError(toAppError(err));
      nameRef.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    try {
      await what();
      setListError(null);
    } catch (err) {
      setListError(toAppError(err));
    } finally {
      setBusy(false);
      void load();
    }
  };

  const reset = (u: UserSummary) =>
    act(async () => {
      setConfirmReset(null);
      const p = await backend.resetPassword(u.id);
      showOnce(p);
    });

  const toggle = (u: UserSummary) =>
    act(async () => {
      await backend.setUserDisabled(u.id, !u.disabled);
      announce(t(u.disabled ? "userEnabled" : "userDisabled", { user: u.user_name }));
    });

  const release = (u: UserSummary) =>
    act(async () => {
      await backend.releaseUser(u.id);
      announce(t("userReleased", { user: u.user_name }));
    });

  return (
    <main className="users" id="main" data-testid="users-view">
      <div inert={otp !== null || undefined}>
        <h2>{t("usersTitle")}</h2>
        <section className="panel" aria-labelledby={`${ids}-new`}>
          <h3 id={`${ids}-new`}>{t("newUser")}</h3>
          <form className="users__form" onSubmit={create} noValidate>
            <div className="field">
              <label htmlFor={`${ids}-name`}>{t("userName")}</label>
              <input
                id={`${ids}-name`}
                ref={nameRef}
                type="text"
                data-testid="create-user-name"
                value={name}
                onChange={(e) => setName(e.target.value)}
                autoComplete="off"
                autoCapitalize="none"
                spellCheck={false}
                maxLength={64}
                aria-invalid={createError ? true : undefined}
                aria-describedby={`${ids}-name-hint ${ids}-create-error`}
              />
              <span id={`${ids}-name-hint`} className="hint">
                {t("userNameHint")}
              </span>
            </div>
            <div className="field">
              <label htmlFor={`${ids}-role`}>{t("role")}</label>
              <select id={`${ids}-role`} data-testid="create-user-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {roles.map((r) => (
                  <option key={r} value={r}>
                    {t(`role_${r}` as MessageKey)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${ids}-dir`}>{t("directorate")}</label>
              <select
                id={`${ids}-dir`}
                data-testid="create-user-directorate"
                value={directorate}
                onChange={(e) => setDirectorate(e.target.value)}
              >
                {directorates.map((d) => (
                  <option key={d.code} value={d.code}>
                    {d.name}
                  </option>
                ))}
              </select>
            </div>
            {regional && (
              <p className="hint" data-testid="regional-station-users">
                {t("regionalStationUsers")}
              </p>
            )}
            <div className="users__submit">
              <button type="submit" className="button button--primary" data-testid="create-user-submit" disabled={busy}>
                {t("createUser")}
              </button>
            </div>
          </form>
          <div id={`${ids}-create-error`} aria-live="assertive">
            {createError && (
              <p className="message message--error" data-code={createError.code}>
                {text(createError.message)}
              </p>
            )}
          </div>
        </section>

        <section className="panel" aria-labelledby={`${ids}-list`}>
          <h3 id={`${ids}-list`}>{t("userList")}</h3>
          <div aria-live="assertive">
            {listError && (
              <p className="message message--error" data-code={listError.code}>
                {text(listError.message)}
              </p>
            )}
          </div>
          {users && (
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">{t("userName")}</th>
                  <th scope="col">{t("role")}</th>
                  <th scope="col">{t("directorate")}</th>
                  <th scope="col">{t("userState")}</th>
                  <th scope="col">{t("actions")}</th>
                </tr>
              </thead>
              <tbody>
                {users.map((u) => (
                  <tr key={u.id} data-testid="user-row" data-user={u.user_name}>
                    <td className="name">{u.user_name}</td>
                    <td>{t(`role_${u.role}` as MessageKey)}</td>
                    <td>{directorateName(reference, u.directorate)}</td>
                    <td>
                      <span className="flags">
                        {u.disabled && <span className="badge badge--muted" data-flag="disabled">{t("flagDisabled")}</span>}
                        {u.locked && <span className="badge badge--danger" data-flag="locked">{t("flagLocked")}</span>}
                        {u.must_change_password && (
                          <span className="badge badge--warning" data-flag="must-change">
                            {t("flagMustChange")}
                          </span>
                        )}
                        {!u.disabled && !u.locked && !u.must_change_password && <span className="note">{t("flagActive")}</span>}
                      </span>
                    </td>
                    <td>
                      <span className="row-actions">
                        {confirmReset === u.id ? (
                          <>
                            <button
                              type="button"
                              className="button button--small button--primary"
                              data-testid="reset-password-confirm"
                              disabled={busy}
                              onClick={() => void reset(u)}
                            >
                              {t("resetPasswordConfirm")}
                              <span className="visually-hidden"> {u.user_name}</span>
                            </button>
                            <button type="button" className="button button--small" onClick={() => setConfirmReset(null)}>
                              {t("cancel")}
                            </button>
                          </>
                        ) : (
                          <button
                            type="button"
                            className="button button--small"
                            data-testid="reset-password"
                            disabled={busy}
                            onClick={() => setConfirmReset(u.id)}
                          >
                            {t("resetPassword")}
                            <span className="visually-hidden"> {u.user_name}</span>
                          </button>
                        )}
                        {u.id !== session.user_id && (
                          <button
                            type="button"
                            className="button button--small"
                            data-testid="toggle-disabled"
                            disabled={busy}
                            onClick={() => void toggle(u)}
                          >
                            {u.disabled ? t("enableUser") : t("disableUser")}
                            <span className="visually-hidden"> {u.user_name}</span>
                          </button>
                        )}
                        {u.locked && (
                          <button
                            type="button"
                            className="button button--small"
                            data-testid="release-user"
                            disabled={busy}
                            onClick={() => void release(u)}
                          >
                            {t("release")}
                            <span className="visually-hidden"> {u.user_name}</span>
                          </button>
                        )}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      {otp && <OneTimePasswordDialog otp={otp} onClose={closeOtp} />}
    </main>
  );
}
