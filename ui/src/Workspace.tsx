// The signed-in work: the header with the navigation of the role, and the screen chosen.
// Everything here is mounted anew for each sign-in, so nothing of a previous officer stays.
import { useCallback, useEffect, useRef, useState } from "react";
import type { AppInfo } from "./generated/AppInfo";
import type { ReferenceSet } from "./generated/ReferenceSet";
import type { RemoteFileView } from "./generated/RemoteFileView";
import { useBackend } from "./backend/context";
import { FileForm } from "./form/FileForm";
import { useI18n } from "./i18n";
import { ApprovalQueue } from "./screens/ApprovalQueue";
import { AuditView } from "./screens/AuditView";
import { ConflictsView } from "./screens/ConflictsView";
import { Dashboard } from "./screens/Dashboard";
import { Header } from "./screens/Header";
import { LockedAccounts } from "./screens/LockedAccounts";
import { PersonView } from "./screens/PersonView";
import { RemoteFile } from "./screens/RemoteFile";
import { RulesEditor } from "./screens/RulesEditor";
import { INITIAL_SEARCH, SearchScreen } from "./screens/SearchScreen";
import type { SearchState } from "./screens/SearchScreen";
import { StationEnrolment } from "./screens/StationEnrolment";
import { SyncView } from "./screens/SyncView";
import { UsersView } from "./screens/UsersView";
import { PLACES, useSession } from "./session";
import type { Place } from "./session";
import { SyncProvider } from "./sync";

/** How often a supervisor's approval count is refreshed (while they are at the keyboard). */
export const APPROVAL_POLL_MS = 60_000;

export type Screen =
  | { kind: "dashboard" }
  | { kind: "search" }
  | { kind: "person"; id: string; from: "search" | "approvals" | "dashboard" | "sync" }
  /** Another directorate's file fetched from the server for one look: kept only while on screen. */
  | { kind: "remote"; view: RemoteFileView }
  | { kind: "new" }
  | { kind: "edit"; id: string }
  | { kind: "approvals" }
  | { kind: "locked_accounts" }
  | { kind: "audit" }
  | { kind: "users" }
  | { kind: "rules" }
  | { kind: "sync" }
  | { kind: "conflicts" }
  | { kind: "station" };

/** The place of the navigation a screen belongs to. */
function placeOf(screen: Screen): Place | null {
  switch (screen.kind) {
    case "search":
    case "edit":
    case "remote":
      return "search";
    case "person":
      return screen.from;
    case "new":
      return null;
    default:
      return screen.kind;
  }
}

/**
 * The supervisor's count of files waiting, refreshed every minute. A poll is skipped when the
 * officer did nothing since the last one: each approval_queue call counts as activity on the
 * Rust side, and polling an unattended window would keep its idle lock from ever closing.
 */
function useApprovalCount(enabled: boolean): [number | null, () => void, (n: number) => void] {
  const backend = useBackend();
  const session = useSession();
  const [count, setCount] = useState<number | null>(null);
  const activeSince = useRef(false);
  // typing the password on the lock screen is no reason to ask the queue
  const locked = useRef(session.locked);
  locked.current = session.locked;

  const refresh = useCallback(() => {
    if (!enabled) return;
    backend.approvalQueue().then(
      (q) => setCount(q.length),
      () => {
        // the badge keeps its last count; the queue screen shows the failure itself
      },
    );
  }, [backend, enabled]);

  useEffect(() => {
    if (!enabled) return;
    refresh();
    const mark = () => {
      activeSince.current = true;
    };
    document.addEventListener("keydown", mark, true);
    document.addEventListener("pointerdown", mark, true);
    const timer = setInterval(() => {
      if (!activeSince.current || locked.current) return;
      activeSince.current = false;
      refresh();
    }, APPROVAL_POLL_MS);
    return () => {
      clearInterval(timer);
      document.removeEventListener("keydown", mark, true);
      document.removeEventListener("pointerdown", mark, true);
    };
  }, [enabled, refresh]);

  return [count, refresh, setCount];
}

export function Workspace({
  info,
  reference,
  onFilesChanged,
  onLock,
  onSignOut,
  onLocalWrite,
}: {
  info: AppInfo;
  reference: ReferenceSet;
  onFilesChanged(): void;
  onLock(): void;
  onSignOut(): void;
  /** Subscribes to successful local writes (the status line's pending count follows them). */
  onLocalWrite?(listener: () => void): () => void;
}) {
  const session = useSession();
  const { t } = useI18n();
  const places = PLACES[session.role];
  const home: Screen = places[0] === "search" ? { kind: "search" } : { kind: places[0]! };
  const [screen, setScreen] = useState<Screen>(home);
  const [search, setSearch] = useState<SearchState>(INITIAL_SEARCH);
  const [approvalCount, refreshCount, setApprovalCount] = useApprovalCount(places.includes("approvals"));

  const go = useCallback((place: Place) => setScreen(place === "search" ? { kind: "search" } : { kind: place }), []);
  const toSearch = useCallback(() => setScreen({ kind: "search" }), []);
  const open = useCallback((id: string) => setScreen({ kind: "person", id, from: "search" }), []);
  const openFromDashboard = useCallback((id: string) => setScreen({ kind: "person", id, from: "dashboard" }), []);
  const openFromQueue = useCallback((id: string) => setScreen({ kind: "person", id, from: "approvals" }), []);
  const openFromSync = useCallback((id: string) => setScreen({ kind: "person", id, from: "sync" }), []);
  const openRemote = useCallback((view: RemoteFileView) => setScreen({ kind: "remote", view }), []);

  return (
    <SyncProvider onRoundEnded={onFilesChanged} onLocalWrite={onLocalWrite}>
      <div className="app">
        <a className="skip-link" href="#main">
          {t("skipToContent")}
        </a>
        <Header
          info={info}
          reference={reference}
          places={places}
          current={placeOf(screen)}
          approvalCount={approvalCount}
          onNavigate={go}
          onHome={() => setScreen(home)}
          onNewFile={() => setScreen({ kind: "new" })}
          onLock={onLock}
          onSignOut={onSignOut}
        />
        {screen.kind === "dashboard" && <Dashboard reference={reference} onOpen={openFromDashboard} />}
        {screen.kind === "search" && (
          <SearchScreen reference={reference} state={search} onStateChange={setSearch} onOpen={open} onOpenRemote={openRemote} />
        )}
        {screen.kind === "person" && (
          <PersonView
            key={screen.id}
            id={screen.id}
            reference={reference}
            onBack={screen.from === "search" ? toSearch : () => go(screen.from)}
            onEdit={(id) => setScreen({ kind: "edit", id })}
            onDecided={() => {
              refreshCount();
              onFilesChanged();
            }}
          />
        )}
        {(screen.kind === "new" || screen.kind === "edit") && (
          <FileForm
            key={screen.kind === "edit" ? `edit-${screen.id}` : "new"}
            mode={screen.kind === "edit" ? { kind: "edit", id: screen.id } : { kind: "new" }}
            reference={reference}
            onSaved={(id) => {
              onFilesChanged();
              refreshCount();
              open(id);
            }}
            onCancel={() => (screen.kind === "edit" ? open(screen.id) : toSearch())}
            onOpenLatest={open}
          />
        )}
        {screen.kind === "approvals" && <ApprovalQueue reference={reference} onOpen={openFromQueue} onCount={setApprovalCount} />}
        {screen.kind === "locked_accounts" && <LockedAccounts reference={reference} />}
        {screen.kind === "audit" && <AuditView />}
        {screen.kind === "users" && <UsersView reference={reference} />}
        {screen.kind === "rules" && <RulesEditor />}
        {screen.kind === "remote" && <RemoteFile view={screen.view} reference={reference} onBack={toSearch} />}
        {screen.kind === "sync" && <SyncView reference={reference} onOpenFile={openFromSync} onOpenConflicts={() => go("conflicts")} />}
        {screen.kind === "conflicts" && <ConflictsView reference={reference} />}
        {screen.kind === "station" && <StationEnrolment reference={reference} />}
      </div>
    </SyncProvider>
  );
}
