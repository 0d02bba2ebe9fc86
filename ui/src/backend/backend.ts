// The one interface between the screens and the Rust application layer: one method per Tauri
// command. Every method rejects only with an AppError (see errors.ts), never anything else.
import type { AppInfo } from "../generated/AppInfo";
import type { AuditPage } from "../generated/AuditPage";
import type { AuditQuery } from "../generated/AuditQuery";
import type { ConflictDecision } from "../generated/ConflictDecision";
import type { ConflictItem } from "../generated/ConflictItem";
import type { Dashboard } from "../generated/Dashboard";
import type { EditForm } from "../generated/EditForm";
import type { EnrolRequest } from "../generated/EnrolRequest";
import type { FieldError } from "../generated/FieldError";
import type { FileDraft } from "../generated/FileDraft";
import type { FileRecord } from "../generated/FileRecord";
import type { FileSummary } from "../generated/FileSummary";
import type { FileView } from "../generated/FileView";
import type { OneTimePassword } from "../generated/OneTimePassword";
import type { Photo } from "../generated/Photo";
import type { PhotoImage } from "../generated/PhotoImage";
import type { PhotoUpload } from "../generated/PhotoUpload";
import type { RecordDraft } from "../generated/RecordDraft";
import type { ReferenceSet } from "../generated/ReferenceSet";
import type { RemoteFileView } from "../generated/RemoteFileView";
import type { Role } from "../generated/Role";
import type { RuleBookView } from "../generated/RuleBookView";
import type { RuleDraft } from "../generated/RuleDraft";
import type { RuleNotice } from "../generated/RuleNotice";
import type { RulePreview } from "../generated/RulePreview";
import type { RuleSaved } from "../generated/RuleSaved";
import type { Saved } from "../generated/Saved";
import type { SearchPage } from "../generated/SearchPage";
import type { SearchQuery } from "../generated/SearchQuery";
import type { SessionInfo } from "../generated/SessionInfo";
import type { StationView } from "../generated/StationView";
import type { SyncIssue } from "../generated/SyncIssue";
import type { SyncReport } from "../generated/SyncReport";
import type { SyncStatus } from "../generated/SyncStatus";
import type { Timeline } from "../generated/Timeline";
import type { UserSummary } from "../generated/UserSummary";

export interface Backend {
  /** `app_info`: public; `file_count` is null without a live session. */
  appInfo(): Promise<AppInfo>;

  /** `sign_in` */
  signIn(userName: string, password: string): Promise<SessionInfo>;
  /** `sign_out` */
  signOut(): Promise<void>;
  /** `session`: the session as it stands (not itself activity); rejects with no_session or session_expired. */
  session(): Promise<SessionInfo>;
  /** `lock`: the screen locks at once. */
  lock(): Promise<void>;
  /** `unlock` with the signed-in officer's password. */
  unlock(password: string): Promise<SessionInfo>;
  /** `change_password` (required when `must_change_password`). */
  changePassword(current: string, newPassword: string): Promise<SessionInfo>;

  /** `reference_data` */
  referenceData(): Promise<ReferenceSet>;
  /** `search_files`: one page of results; the backend pages. */
  searchFiles(query: SearchQuery): Promise<SearchPage>;
  /** `get_file` */
  getFile(id: string): Promise<FileView>;
  /** `edit_file` */
  editFile(id: string): Promise<EditForm>;
  /** `check_draft`: every problem of a draft, errors and warnings, without saving. */
  checkDraft(draft: FileDraft): Promise<FieldError[]>;
  /** `create_file` */
  createFile(draft: FileDraft): Promise<Saved>;
  /** `update_file`: `baseVersion` is the version the edit started from. */
  updateFile(id: string, baseVersion: number, draft: FileDraft): Promise<Saved>;

  /** `approval_queue`: files of the supervisor's directorate waiting for a decision. */
  approvalQueue(): Promise<FileSummary[]>;
  /** `approve_file`: `version` is the version the supervisor looked at. */
  approveFile(id: string, version: number): Promise<Saved>;
  /** `return_file`: back to its author, with a reason. */
  returnFile(id: string, version: number, reason: string): Promise<Saved>;

  /** `audit_events`: one page, newest first. */
  auditEvents(query: AuditQuery): Promise<AuditPage>;
  /** `verify_audit`: the number of events whose hash chain holds. */
  verifyAudit(): Promise<number>;

  /** `list_users` */
  listUsers(): Promise<UserSummary[]>;
  /** `create_user`: the one-time password is shown once and never again. */
  createUser(userName: string, role: Role, directorate: string): Promise<OneTimePassword>;
  /** `reset_password` */
  resetPassword(id: string): Promise<OneTimePassword>;
  /** `set_user_disabled` */
  setUserDisabled(id: string, disabled: boolean): Promise<void>;
  /** `locked_users`: locked accounts this officer may release. */
  lockedUsers(): Promise<UserSummary[]>;
  /** `release_user` */
  releaseUser(id: string): Promise<void>;

  /** `dashboard`: the signed-in officer's directorate today (clerks and supervisors). */
  dashboard(): Promise<Dashboard>;
  /** `timeline`: a person's registration, obligations, records and notices. */
  timeline(id: string): Promise<Timeline>;
  /** `add_record`: a record on a file of the officer's directorate; rejects with `validation` and field problems named as the draft's fields. */
  addRecord(fileId: string, draft: RecordDraft): Promise<FileRecord>;
  /** `void_record`: a supervisor voids a record, with a reason; it stays on the timeline, marked. Rejects with `own_work` for a record the supervisor made. */
  voidRecord(recordId: string, reason: string): Promise<FileRecord>;
  /** `add_photo`: a photo of a file of the officer's directorate, base64 (downscaled first); rejects with `photo_format`, `photo_too_large`, `photo_required` (field "photo") or `validation` (field "taken_on"). */
  addPhoto(fileId: string, upload: PhotoUpload): Promise<Photo>;
  /** `get_photo`: a photo with its image (the owning directorate's clerks and supervisors; audited as a view). */
  getPhoto(photoId: string): Promise<PhotoImage>;
  /** `list_photos`: a file's photos without their images, newest first, voided ones marked. */
  listPhotos(fileId: string): Promise<Photo[]>;
  /** `void_photo`: a supervisor other than who took it voids a photo, with a reason. */
  voidPhoto(photoId: string, reason: string): Promise<Photo>;
  /** `confirm_record`: a supervisor other than its author confirms a death or removal, which only then takes effect. Rejects with `own_work`, `nothing_to_confirm`, `forbidden`. */
  confirmRecord(recordId: string): Promise<FileRecord>;
  /** `serve_notice`: the notice of a rule change was handed to the person on `servedOn` (dd.mm.yyyy). */
  serveNotice(noticeId: string, servedOn: string): Promise<RuleNotice>;
  /** `rule_book`: every rule version and the one in effect today. */
  ruleBook(): Promise<RuleBookView>;
  /** `preview_rules`: which registered files a draft would touch; problems come back in the answer, not as a rejection. */
  previewRules(draft: RuleDraft): Promise<RulePreview>;
  /** `save_rules`: a new version; each touched file gets a notice to serve. */
  saveRules(draft: RuleDraft): Promise<RuleSaved>;

  /** `sync_status`: the status line (every role). Passive: not activity for the idle lock, so it may be polled. */
  syncStatus(): Promise<SyncStatus>;
  /** `sync_now`: one round (push, pull, audit); rejects with `not_enrolled`, `sync_running` (a round is under way), `server_unreachable`, `station_identity_invalid`. */
  syncNow(): Promise<SyncReport>;
  /** `sync_issues`: this station's changes the server did not simply apply (kind "conflict" or "rejected"), newest first. */
  syncIssues(): Promise<SyncIssue[]>;
  /** `enrol_station`: an administrator enrols this workstation with the server URL and the enrolment bundle (online). */
  enrolStation(request: EnrolRequest): Promise<StationView>;
  /** `conflicts`: open conflicts of the supervisor's directorate, from the server (online only). */
  conflicts(): Promise<ConflictItem[]>;
  /** `resolve_conflict`: `choices` names only the paths whose value should differ from the server's; rejects with `own_work`, `conflict_resolved`, `conflict_not_found`, `validation` / `invalid_input`. */
  resolveConflict(decision: ConflictDecision): Promise<void>;
  /** `fetch_remote_file`: another directorate's full file, fetched online for one look, with a logged reason (1–500 characters). */
  fetchRemoteFile(id: string, reason: string): Promise<RemoteFileView>;
}

/** Tauri command names, in one place so tests can check them. */
export const COMMANDS = {
  appInfo: "app_info",
  signIn: "sign_in",
  signOut: "sign_out",
  session: "session",
  lock: "lock",
  unlock: "unlock",
  changePassword: "change_password",
  referenceData: "reference_data",
  searchFiles: "search_files",
  getFile: "get_file",
  editFile: "edit_file",
  checkDraft: "check_draft",
  createFile: "create_file",
  updateFile: "update_file",
  approvalQueue: "approval_queue",
  approveFile: "approve_file",
  returnFile: "return_file",
  auditEvents: "audit_events",
  verifyAudit: "verify_audit",
  listUsers: "list_users",
  createUser: "create_user",
  resetPassword: "reset_password",
  setUserDisabled: "set_user_disabled",
  lockedUsers: "locked_users",
  releaseUser: "release_user",
  dashboard: "dashboard",
  timeline: "timeline",
  addRecord: "add_record",
  voidRecord: "void_record",
  confirmRecord: "confirm_record",
  addPhoto: "add_photo",
  getPhoto: "get_photo",
  listPhotos: "list_photos",
  voidPhoto: "void_photo",
  serveNotice: "serve_notice",
  ruleBook: "rule_book",
  previewRules: "preview_rules",
  saveRules: "save_rules",
  syncStatus: "sync_status",
  syncNow: "sync_now",
  syncIssues: "sync_issues",
  enrolStation: "enrol_station",
  conflicts: "conflicts",
  resolveConflict: "resolve_conflict",
  fetchRemoteFile: "fetch_remote_file",
} as const satisfies Record<keyof Backend, string>;

/** The page size the list asks for. */
export const PAGE_SIZE = 25;

/** The page size of the audit viewer. */
export const AUDIT_PAGE_SIZE = 50;
