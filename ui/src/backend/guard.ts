// The Backend the signed-in screens use: the real one, watched for the session ending.
//
// A command refused with `session_locked` did nothing (the Rust side checks the session
// before anything else), so the call is held, the lock screen shows, and after the unlock the
// same command runs again: the screen that asked gets its answer as if nothing happened, and
// a half-typed form survives the lock. `no_session` / `session_expired` end the session (the
// caller still gets the error), `password_change_required` asks for a new password.
import type { AppError } from "../generated/AppError";
import type { Backend } from "./backend";
import { COMMANDS } from "./backend";
import { toAppError } from "./errors";

export type SessionSignal = "locked" | "ended" | "must_change";

/** Session commands the shell calls itself and handles itself. */
const UNGUARDED: ReadonlySet<keyof Backend> = new Set<keyof Backend>([
  "appInfo",
  "signIn",
  "signOut",
  "session",
  "lock",
  "unlock",
  "changePassword",
]);

export const SessionCode = {
  locked: "session_locked",
  none: "no_session",
  expired: "session_expired",
  mustChange: "password_change_required",
} as const;

/** What a refusal says about the session, if anything. */
export function sessionSignal(error: AppError): SessionSignal | null {
  switch (error.code) {
    case SessionCode.locked:
      return "locked";
    case SessionCode.none:
    case SessionCode.expired:
      return "ended";
    case SessionCode.mustChange:
      return "must_change";
    default:
      return null;
  }
}

/**
 * Commands that write to the local database, so that the changes waiting to go up (the
 * status line's pending count) change: their success is announced to `onLocalWrite`
 * listeners, who need not wait for the next status poll.
 */
export const LOCAL_WRITES: ReadonlySet<keyof Backend> = new Set<keyof Backend>([
  "createFile",
  "updateFile",
  "approveFile",
  "returnFile",
  "createUser",
  "resetPassword",
  "setUserDisabled",
  "addRecord",
  "voidRecord",
  "confirmRecord",
  "serveNotice",
  "resolveConflict",
]);

export interface GuardedBackend {
  backend: Backend;
  /** Calls `listener` after every successful local write; returns the unsubscribe. */
  onLocalWrite(listener: () => void): () => void;
  /** The session is unlocked again: held calls run again. */
  resume(): void;
  /** The session is over: held calls fail with `error`. */
  abandon(error: AppError): void;
}

type Gate = { promise: Promise<void>; open(): void; fail(e: AppError): void };

function gate(): Gate {
  let open = () => {};
  let fail: (e: AppError) => void = () => {};
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  // a gate nobody waits on must not report an unhandled rejection
  promise.catch(() => {});
  return { promise, open, fail };
}

export function guardBackend(inner: Backend, onSignal: (signal: SessionSignal, error: AppError) => void): GuardedBackend {
  let waiting: Gate | null = null;
  // a call started in an abandoned session is never held: it must not run again later under
  // whoever signs in next
  let epoch = 0;
  const writeListeners = new Set<() => void>();

  async function run<T>(call: () => Promise<T>): Promise<T> {
    const mine = epoch;
    for (;;) {
      try {
        return await call();
      } catch (e) {
        const error = toAppError(e);
        const signal = sessionSignal(error);
        if (mine !== epoch) throw e;
        if (signal === "locked") {
          waiting ??= gate();
          const held = waiting.promise;
          onSignal(signal, error);
          await held;
          continue;
        }
        if (signal) onSignal(signal, error);
        throw e;
      }
    }
  }

  const backend = {} as Record<keyof Backend, unknown>;
  for (const key of Object.keys(COMMANDS) as (keyof Backend)[]) {
    // looked up at call time, so that a test may replace a method of the inner backend
    const direct = (...args: unknown[]) => (inner[key] as (...a: unknown[]) => Promise<unknown>).apply(inner, args);
    const guarded = UNGUARDED.has(key) ? direct : (...args: unknown[]) => run(() => direct(...args));
    backend[key] = LOCAL_WRITES.has(key)
      ? async (...args: unknown[]) => {
          const result = await guarded(...args);
          for (const listener of [...writeListeners]) listener();
          return result;
        }
      : guarded;
  }

  return {
    backend: backend as unknown as Backend,
    onLocalWrite(listener) {
      writeListeners.add(listener);
      return () => {
        writeListeners.delete(listener);
      };
    },
    resume() {
      const g = waiting;
      waiting = null;
      g?.open();
    },
    abandon(error) {
      epoch++;
      const g = waiting;
      waiting = null;
      g?.fail(error);
    },
  };
}
