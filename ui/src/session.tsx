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
export type Place = "dashboard" | "search" | "approvals" | "locked_accounts" | "audit" | "users" | "rules";

/** The first place is where the role lands after sign-in. */
export const PLACES: Record<Role, Place[]> = {
  clerk: ["dashboard", "search"],
  supervisor: ["dashboard", "search", "approvals", "locked_accounts"],
  administrator: ["search", "users", "rules"],
  auditor: ["audit"],
};

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
