// The only file in the UI that imports @tauri-apps/*.
import { invoke } from "@tauri-apps/api/core";
import type { Backend } from "./backend";
import { COMMANDS } from "./backend";
import { toAppError } from "./errors";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toAppError(e);
  }
}

/** Commands that answer `null` (Rust `()`). */
async function done(command: string, args?: Record<string, unknown>): Promise<void> {
  await call<null>(command, args);
}

/** The Backend over Tauri commands. Argument keys are camelCase, as Tauri expects. */
export function tauriBackend(): Backend {
  return {
    appInfo: () => call(COMMANDS.appInfo),
    signIn: (userName, password) => call(COMMANDS.signIn, { userName, password }),
    signOut: () => done(COMMANDS.signOut),
    session: () => call(COMMANDS.session),
    lock: () => done(COMMANDS.lock),
    unlock: (password) => call(COMMANDS.unlock, { password }),
    changePassword: (current, newPassword) => call(COMMANDS.changePassword, { current, new: newPassword }),
    referenceData: () => call(COMMANDS.referenceData),
    searchFiles: (query) => call(COMMANDS.searchFiles, { query }),
    getFile: (id) => call(COMMANDS.getFile, { id }),
    editFile: (id) => call(COMMANDS.editFile, { id }),
    checkDraft: (draft) => call(COMMANDS.checkDraft, { draft }),
    createFile: (draft) => call(COMMANDS.createFile, { draft }),
    updateFile: (id, baseVersion, draft) => call(COMMANDS.updateFile, { id, baseVersion, draft }),
    approvalQueue: () => call(COMMANDS.approvalQueue),
    approveFile: (id, version) => call(COMMANDS.approveFile, { id, version }),
    returnFile: (id, version, reason) => call(COMMANDS.returnFile, { id, version, reason }),
    auditEvents: (query) => call(COMMANDS.auditEvents, { query }),
    verifyAudit: () => call(COMMANDS.verifyAudit),
    listUsers: () => call(COMMANDS.listUsers),
    createUser: (userName, role, directorate) => call(COMMANDS.createUser, { userName, role, directorate }),
    resetPassword: (id) => call(COMMANDS.resetPassword, { id }),
    setUserDisabled: (id, disabled) => done(COMMANDS.setUserDisabled, { id, disabled }),
    lockedUsers: () => call(COMMANDS.lockedUsers),
    releaseUser: (id) => done(COMMANDS.releaseUser, { id }),
    dashboard: () => call(COMMANDS.dashboard),
    timeline: (id) => call(COMMANDS.timeline, { id }),
    addRecord: (fileId, draft) => call(COMMANDS.addRecord, { fileId, draft }),
    voidRecord: (recordId, reason) => call(COMMANDS.voidRecord, { recordId, reason }),
    confirmRecord: (recordId) => call(COMMANDS.confirmRecord, { recordId }),
    addPhoto: (fileId, upload) => call(COMMANDS.addPhoto, { fileId, upload }),
    getPhoto: (photoId) => call(COMMANDS.getPhoto, { photoId }),
    listPhotos: (fileId) => call(COMMANDS.listPhotos, { fileId }),
    voidPhoto: (photoId, reason) => call(COMMANDS.voidPhoto, { photoId, reason }),
    serveNotice: (noticeId, servedOn) => call(COMMANDS.serveNotice, { noticeId, servedOn }),
    ruleBook: () => call(COMMANDS.ruleBook),
    previewRules: (draft) => call(COMMANDS.previewRules, { draft }),
    saveRules: (draft) => call(COMMANDS.saveRules, { draft }),
    syncStatus: () => call(COMMANDS.syncStatus),
    syncNow: () => call(COMMANDS.syncNow),
    syncIssues: () => call(COMMANDS.syncIssues),
    enrolStation: (request) => call(COMMANDS.enrolStation, { request }),
    conflicts: () => call(COMMANDS.conflicts),
    resolveConflict: (decision) => done(COMMANDS.resolveConflict, { decision }),
    fetchRemoteFile: (id, reason) => call(COMMANDS.fetchRemoteFile, { id, reason }),
  };
}
