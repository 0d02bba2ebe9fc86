// The signed-in officer, for the screens that mirror the role table (the Rust side enforces it).
import { createContext, useContext } from "react";
import type { ReactNode } from "react";
import type { Role } from "./generated/Role";
import type { SessionInfo } from "./generated/SessionInfo";

const SessionContext = createContext<SessionInfo | null>(null);

export function SessionProvider({ session, children }: { session: SessionInfo; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionInfo {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside SessionProvider");
  return s;
}

/** The places a role may go, in the order of the navigation. */
export type Place =
  | "dashboard"
  | "search"
  | "approvals"
  | "conflicts"
  | "locked_accounts"
  | "audit"
  | "users"
  | "rules"
  | "sync"
  | "station";

/** The first place is where the role lands after sign-in. */
export const PLACES: Record<Role, Place[]> = {
  clerk: ["dashboard", "search", "sync"],
  supervisor: ["dashboard", "search", "approvals", "conflicts", "locked_accounts", "sync"],
  administrator: ["search", "users", "rules", "sync", "station"],
  auditor: ["audit"],
};

/** Whether the role may start a synchronisation and see what the server did not apply (`synchronise`). */
export function synchronises(role: Role): boolean {
  return role === "clerk" || role === "supervisor" || role === "administrator";
}

/** Whether the role decides synchronisation conflicts of its directorate (`resolve_conflicts`). */
export function resolvesConflicts(role: Role): boolean {
  return role === "supervisor";
}

/** Whether the role may fetch another directorate's full file from the server (`fetch_remote_file`). */
export function fetchesRemoteFiles(role: Role): boolean {
  return role === "clerk" || role === "supervisor";
}

/** Whether the role sees compliance: the dashboard and the timelines (clerks and supervisors, national). */
export function seesCompliance(role: Role): boolean {
  return role === "clerk" || role === "supervisor";
}

/** Whether the role writes files (new file, edit): clerks and supervisors, in their directorate. */
export function writesFiles(role: Role): boolean {
  return role === "clerk" || role === "supervisor";
}

/** Whether this officer may open the edit form of a file owned by `directorate`. */
export function mayEdit(session: SessionInfo, directorate: string): boolean {
  return writesFiles(session.role) && session.directorate === directorate;
}

/** Whether this officer decides (approve / return) on files owned by `directorate`. */
export function mayDecide(session: SessionInfo, directorate: string): boolean {
  return session.role === "supervisor" && session.directorate === directorate;
}
