// The station's synchronisation as the signed-in screens see it: the status (asked every 30 s,
// every 2 s while a round runs, and after every local write), "sync now", and the count of open conflicts. `sync_status` is
// passive on the Rust side (it does not count as activity for the idle lock), so polling an
// unattended window never keeps it from locking. Nothing is asked while the screen is locked.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import type { ReactNode } from "react";
import type { AppError } from "./generated/AppError";
import type { SyncReport } from "./generated/SyncReport";
import type { SyncStatus } from "./generated/SyncStatus";
import { useBackend } from "./backend/context";
import { ErrorCode, toAppError } from "./backend/errors";
import { useI18n } from "./i18n";
import { useSession } from "./session";
import { useAnnounce } from "./status";

/** How often the status is asked. */
export const SYNC_POLL_MS = 30_000;
/** How often while a round is under way (the progress bar). */
export const SYNC_RUNNING_POLL_MS = 2_000;

export interface Sync {
  /** The last status the backend gave, null before the first answer. */
  status: SyncStatus | null;
  /** Why the status could not be asked (the last status, if any, is kept). */
  statusError: AppError | null;
  /** A round is under way: this window asked for it, or the status says so. */
  running: boolean;
  /** This window's "sync now" is waiting for its answer. */
  busy: boolean;
  /** What the last round asked from this window did. */
  lastReport: SyncReport | null;
  /** Why this window's last "sync now" failed (`sync_running` is not a failure: the round goes on). */
  lastFailure: AppError | null;
  /** Counts the rounds seen ending, so that screens can reload what a round changes. */
  rounds: number;
  /** Open conflicts of the directorate: the conflicts screen's own count once it has one, else the status's. */
  conflictCount: number | null;
  refresh(): void;
  syncNow(): Promise<void>;
  /** The conflicts screen counted the list it got from the server. */
  noteConflicts(count: number): void;
}

const SyncContext = createContext<Sync | null>(null);

export function SyncProvider({
  children,
  onRoundEnded,
  onLocalWrite,
}: {
  children: ReactNode;
  onRoundEnded?(): void;
  /** Subscribes to successful local writes: the pending count is asked again after each. */
  onLocalWrite?(listener: () => void): () => void;
}) {
  const backend = useBackend();
  const session = useSession();
  const { t, text } = useI18n();
  const announce = useAnnounce();
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const [statusError, setStatusError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const [lastReport, setLastReport] = useState<SyncReport | null>(null);
  const [lastFailure, setLastFailure] = useState<AppError | null>(null);
  const [rounds, setRounds] = useState(0);
  const [conflictOverride, setConflictOverride] = useState<number | null>(null);

  const live = useRef(true);
  const inFlight = useRef(false);
  const again = useRef(false);
  const busyRef = useRef(false);
  // this window's round answered: the next status that shows no round running closes it
  const expectEnd = useRef(false);
  const previous = useRef<SyncStatus | null>(null);
  const locked = useRef(session.locked);
  locked.current = session.locked;
  // read at answer time: the language may change between polls
  const say = useRef({ t, text, announce, onRoundEnded });
  say.current = { t, text, announce, onRoundEnded };

  const refresh = useCallback(() => {
    if (locked.current) return;
    if (inFlight.current) {
      again.current = true;
      return;
    }
    inFlight.current = true;
    backend.syncStatus().then(
      (next) => {
        inFlight.current = false;
        if (!live.current) return;
        const before = previous.current;
        previous.current = next;
        setStatus(next);
        setStatusError(null);
        const ended =
          !next.running &&
          !busyRef.current &&
          (expectEnd.current || (before !== null && (before.running || before.last_attempt_at !== next.last_attempt_at)));
        if (ended) {
          expectEnd.current = false;
          setRounds((n) => n + 1);
          setConflictOverride(null);
          say.current.onRoundEnded?.();
        }
        // a round that succeeded since (here or in the background) makes an old failure moot
        if (before && next.last_success_at !== before.last_success_at) setLastFailure(null);
        if (again.current) {
          again.current = false;
          refresh();
        }
      },
      (e) => {
        inFlight.current = false;
        if (!live.current) return;
        setStatusError(toAppError(e));
        if (again.current) {
          again.current = false;
          refresh();
        }
      },
    );
  }, [backend]);

  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  // at once, and again when the screen is unlocked
  useEffect(() => {
    if (!session.locked) refresh();
  }, [session.locked, refresh]);

  // a save, an approval, a record: the changes waiting to go up are counted again at once
  useEffect(() => onLocalWrite?.(refresh), [onLocalWrite, refresh]);

  const fast = busy || status?.running === true;
  useEffect(() => {
    const timer = setInterval(refresh, fast ? SYNC_RUNNING_POLL_MS : SYNC_POLL_MS);
    return () => clearInterval(timer);
  }, [fast, refresh]);

  const syncNow = useCallback(async () => {
    if (busyRef.current) return;
    busyRef.current = true;
    setBusy(true);
    setLastFailure(null);
    const { t: tr, text: txt, announce: tell } = say.current;
    tell(tr("syncStarted"));
    refresh();
    try {
      const report = await backend.syncNow();
      if (!live.current) return;
      setLastReport(report);
      say.current.announce(say.current.t("syncDone", { pushed: report.pushed, pulled: report.pulled }));
    } catch (e) {
      if (!live.current) return;
      const error = toAppError(e);
      if (error.code === ErrorCode.syncRunning) {
        // a round started elsewhere (the background worker): the status poll follows it
        tell(tr("syncAlreadyRunning"));
      } else {
        setLastFailure(error);
        say.current.announce(txt(error.message));
      }
    } finally {
      busyRef.current = false;
      if (live.current) {
        setBusy(false);
        expectEnd.current = true;
        refresh();
      }
    }
  }, [backend, refresh]);

  const value = useMemo<Sync>(
    () => ({
      status,
      statusError,
      running: busy || status?.running === true,
      busy,
      lastReport,
      lastFailure,
      rounds,
      conflictCount: conflictOverride ?? status?.open_conflicts ?? null,
      refresh,
      syncNow,
      noteConflicts: setConflictOverride,
    }),
    [status, statusError, busy, lastReport, lastFailure, rounds, conflictOverride, refresh, syncNow],
  );

  return <SyncContext.Provider value={value}>{children}</SyncContext.Provider>;
}

export function useSync(): Sync {
  const s = useContext(SyncContext);
  if (!s) throw new Error("useSync outside SyncProvider");
  return s;
}
