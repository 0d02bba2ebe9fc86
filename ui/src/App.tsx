import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { AppError } from "./generated/AppError";
import type { AppInfo } from "./generated/AppInfo";
import type { ReferenceSet } from "./generated/ReferenceSet";
import type { SessionInfo } from "./generated/SessionInfo";
import type { Backend } from "./backend/backend";
import { BackendProvider, useBackend } from "./backend/context";
import { toAppError } from "./backend/errors";
import { guardBackend, sessionSignal } from "./backend/guard";
import type { SessionSignal } from "./backend/guard";
import { ChangePassword } from "./auth/ChangePassword";
import { LockScreen } from "./auth/LockScreen";
import { SignIn } from "./auth/SignIn";
import { I18nProvider, useI18n } from "./i18n";
import { Workspace } from "./Workspace";
import { StartupError } from "./screens/StartupError";
import { SessionProvider } from "./session";
import { StatusProvider } from "./status";

/** How often the session is asked whether it is still live, locked or over. */
export const SESSION_POLL_MS = 30_000;

type Phase =
  | { kind: "loading" }
  | { kind: "failed"; error: AppError }
  | { kind: "sign_in"; notice: AppError | null }
  | { kind: "session"; session: SessionInfo };

function Loading() {
  const { t } = useI18n();
  return (
    <main className="loading" aria-busy="true">
      <p>{t("loading")}</p>
    </main>
  );
}

function Shell() {
  const raw = useBackend();
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: "loading" });
  const [reference, setReference] = useState<ReferenceSet | null>(null);
  // where the focus was when the screen locked, to go back there after the unlock
  const focusBeforeLock = useRef<Element | null>(null);

  const onSignal = useRef<(signal: SessionSignal, error: AppError) => void>(() => {});
  const guard = useMemo(() => guardBackend(raw, (s, e) => onSignal.current(s, e)), [raw]);

  const refreshInfo = useCallback(() => {
    raw.appInfo().then(setInfo, () => {
      // the header keeps what it had; the next screen shows any real failure
    });
  }, [raw]);

  /** The session as the backend reports it now. */
  const apply = useCallback(
    (session: SessionInfo) => {
      setPhase((p) => {
        const wasLocked = p.kind === "session" && p.session.locked;
        if (session.locked && !wasLocked) focusBeforeLock.current = document.activeElement;
        return { kind: "session", session };
      });
      if (!session.locked) guard.resume();
    },
    [guard],
  );

  /** The session is over: nothing of it stays on screen. */
  const end = useCallback(
    (notice: AppError | null) => {
      guard.abandon(
        notice ?? { code: "no_session", message: { sq: "Hyni në sistem për të vazhduar.", en: "Sign in to continue." }, fields: [] },
      );
      focusBeforeLock.current = null;
      setInfo((i) => (i ? { ...i, file_count: null } : i));
      // a second call that finds the session gone (the status poll beside the session poll)
      // keeps the first one's reason ("the session ended after 12 hours")
      setPhase((p) => (p.kind === "sign_in" && notice?.code === "no_session" ? p : { kind: "sign_in", notice }));
    },
    [guard],
  );

  onSignal.current = (signal, error) => {
    if (signal === "ended") end(error);
    else
      setPhase((p) => {
        if (p.kind !== "session") return p;
        if (signal === "locked") {
          if (!p.session.locked) focusBeforeLock.current = document.activeElement;
          return { kind: "session", session: { ...p.session, locked: true } };
        }
        return { kind: "session", session: { ...p.session, must_change_password: true } };
      });
  };

  // Startup: app_info (public), then whether a session is live.
  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const i = await raw.appInfo();
        if (!live) return;
        setInfo(i);
        try {
          const s = await raw.session();
          if (live) apply(s);
        } catch (e) {
          const error = toAppError(e);
          if (!live) return;
          if (sessionSignal(error) === "ended") setPhase({ kind: "sign_in", notice: error.code === "no_session" ? null : error });
          else setPhase({ kind: "failed", error });
        }
      } catch (e) {
        if (live) setPhase({ kind: "failed", error: toAppError(e) });
      }
    })();
    return () => {
      live = false;
    };
  }, [raw, apply]);

  const working = phase.kind === "session" && !phase.session.locked && !phase.session.must_change_password;

  // The reference tables, once per run, as soon as someone may read them.
  useEffect(() => {
    if (!working || reference) return;
    let live = true;
    guard.backend.referenceData().then(
      (r) => live && setReference(r),
      (e) => {
        const error = toAppError(e);
        if (live && !sessionSignal(error)) setPhase({ kind: "failed", error });
      },
    );
    return () => {
      live = false;
    };
  }, [working, reference, guard]);

  // The file count is given only with a live session: ask again for each officer.
  const sessionKey = phase.kind === "session" ? `${phase.session.user_id}@${phase.session.signed_in_at}` : null;
  useEffect(() => {
    if (working && sessionKey) refreshInfo();
  }, [working, sessionKey, refreshInfo]);

  // While signed in: ask the session every 30 s and when the window gets the focus back.
  const signedIn = phase.kind === "session";
  useEffect(() => {
    if (!signedIn) return;
    const check = () => {
      raw.session().then(apply, (e) => {
        const error = toAppError(e);
        if (sessionSignal(error) === "ended") end(error);
      });
    };
    const timer = setInterval(check, SESSION_POLL_MS);
    window.addEventListener("focus", check);
    return () => {
      clearInterval(timer);
      window.removeEventListener("focus", check);
    };
  }, [signedIn, raw, apply, end]);

  const signOut = useCallback(() => {
    raw.signOut().then(
      () => end(null),
      () => end(null),
    );
  }, [raw, end]);

  const lockNow = useCallback(() => {
    focusBeforeLock.current = document.activeElement;
    raw.lock().then(
      () => setPhase((p) => (p.kind === "session" ? { kind: "session", session: { ...p.session, locked: true } } : p)),
      (e) => {
        const error = toAppError(e);
        if (sessionSignal(error) === "ended") end(error);
      },
    );
  }, [raw, end]);

  const unlocked = useCallback(
    (session: SessionInfo) => {
      apply(session);
      const back = focusBeforeLock.current;
      focusBeforeLock.current = null;
      // after the hidden screen is shown again
      setTimeout(() => {
        if (back instanceof HTMLElement && back.isConnected && back !== document.body) back.focus();
        // a screen that mounted anew has put the focus on its first field itself
        else if (!document.activeElement || document.activeElement === document.body)
          document.querySelector<HTMLElement>("#main input, #main h2, #main button")?.focus();
      }, 0);
    },
    [apply],
  );

  if (phase.kind === "loading" || !info) {
    return phase.kind === "failed" ? <StartupError error={phase.error} /> : <Loading />;
  }
  if (phase.kind === "failed") return <StartupError error={phase.error} />;
  if (phase.kind === "sign_in") {
    return <SignIn info={info} notice={phase.notice} onSignedIn={(s) => apply(s)} />;
  }

  const { session } = phase;
  const showWork = reference !== null && !session.must_change_password;
  return (
    <>
      {session.locked && (
        <LockScreen info={info} session={session} onUnlocked={unlocked} onEnded={end} onSignOut={signOut} />
      )}
      {!session.locked && session.must_change_password && (
        <ChangePassword
          info={info}
          session={session}
          onChanged={apply}
          onSignOut={signOut}
          onSessionSignal={(signal, error) => onSignal.current(signal, error)}
        />
      )}
      {!session.locked && !session.must_change_password && !reference && <Loading />}
      {showWork && (
        // hidden while locked: the work underneath survives the lock untouched
        <div className="work" hidden={session.locked}>
          <BackendProvider backend={guard.backend}>
            <SessionProvider session={session}>
              <Workspace
                key={`${session.user_id}@${session.signed_in_at}`}
                info={info}
                reference={reference}
                onFilesChanged={refreshInfo}
                onLock={lockNow}
                onSignOut={signOut}
                onLocalWrite={guard.onLocalWrite}
              />
            </SessionProvider>
          </BackendProvider>
        </div>
      )}
    </>
  );
}

/** The whole UI over a Backend: the Tauri one in the app, a fake one in unit tests. */
export function App({ backend }: { backend: Backend }) {
  return (
    <BackendProvider backend={backend}>
      <I18nProvider>
        <StatusProvider>
          <Shell />
        </StatusProvider>
      </I18nProvider>
    </BackendProvider>
  );
}
