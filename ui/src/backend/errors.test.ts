import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AppError } from "../generated/AppError";
import type { FileDraft } from "../generated/FileDraft";
import { ErrorCode, needsServer, toAppError, isAppError } from "./errors";
import type { RecordDraft } from "../generated/RecordDraft";
import type { RuleDraft } from "../generated/RuleDraft";
import { COMMANDS } from "./backend";

const invoke = vi.hoisted(() => vi.fn());
vi.mock("@tauri-apps/api/core", () => ({ invoke }));

const { tauriBackend } = await import("./tauri");

const validation: AppError = {
  code: "validation",
  message: { sq: "Dosja ka probleme.", en: "The file has problems." },
  fields: [
    {
      field: "identity.nid",
      code: "nid_check_letter",
      severity: "warning",
      message: { sq: "Shkronja e kontrollit…", en: "The check letter…" },
    },
  ],
};

describe("toAppError", () => {
  it("passes a well-formed AppError through", () => {
    expect(toAppError(validation)).toEqual(validation);
    expect(isAppError(validation)).toBe(true);
  });

  it("turns a string (as the Tauri runtime rejects) into an internal error keeping the text", () => {
    const e = toAppError("command search_files not found");
    expect(e.code).toBe("internal");
    expect(e.fields).toEqual([]);
    expect(e.message.en).toContain("command search_files not found");
    expect(e.message.sq).toContain("command search_files not found");
  });

  it("turns an Error into an internal error", () => {
    const e = toAppError(new TypeError("window.__TAURI_INTERNALS__ is undefined"));
    expect(e.code).toBe("internal");
    expect(e.message.en).toContain("__TAURI_INTERNALS__");
  });

  it("turns null, numbers and shapeless objects into internal errors", () => {
    for (const v of [null, undefined, 42, { foo: 1 }, { code: "x", message: "only one language" }, { code: "", message: { sq: "a", en: "b" } }]) {
      const e = toAppError(v);
      expect(e.code).toBe("internal");
      expect(isAppError(e)).toBe(true);
    }
  });

  it("keeps a coded error whose field list is malformed, dropping the bad entries", () => {
    const e = toAppError({
      code: "validation",
      message: { sq: "a", en: "b" },
      fields: [validation.fields[0], { field: "x" }, "junk"],
    });
    expect(e.code).toBe("validation");
    expect(e.fields).toEqual(validation.fields);
    expect(toAppError({ code: "db_locked", message: { sq: "a", en: "b" } }).fields).toEqual([]);
  });
});

describe("tauriBackend", () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it("calls each Rust command by name with camelCase argument keys", async () => {
    invoke.mockResolvedValue("ok");
    const b = tauriBackend();
    const draft = { confirm_warnings: false } as FileDraft;
    const query = { text: "hoxha", municipality_code: null, page: 2, page_size: 25 };
    await b.appInfo();
    await b.referenceData();
    await b.searchFiles(query);
    await b.getFile("id-1");
    await b.editFile("id-1");
    await b.checkDraft(draft);
    await b.createFile(draft);
    await b.updateFile("id-1", 7, draft);
    expect(invoke.mock.calls).toEqual([
      ["app_info", undefined],
      ["reference_data", undefined],
      ["search_files", { query }],
      ["get_file", { id: "id-1" }],
      ["edit_file", { id: "id-1" }],
      ["check_draft", { draft }],
      ["create_file", { draft }],
      ["update_file", { id: "id-1", baseVersion: 7, draft }],
    ]);
  });

  it("calls the session, approval, audit and user commands with the argument keys Rust names", async () => {
    invoke.mockResolvedValue(null);
    const b = tauriBackend();
    const audit = { user: "clerk", action: null, object_id: null, from: "01.03.2026", to: null, page: 1, page_size: 50 };
    await b.signIn("arben.hoxha", "secret");
    await b.signOut();
    await b.session();
    await b.lock();
    await b.unlock("secret");
    await b.changePassword("old", "new-one");
    await b.approvalQueue();
    await b.approveFile("id-1", 3);
    await b.returnFile("id-1", 3, "NID missing");
    await b.auditEvents(audit);
    await b.verifyAudit();
    await b.listUsers();
    await b.createUser("ana.kola", "clerk", "dvp-tirane");
    await b.resetPassword("u-1");
    await b.setUserDisabled("u-1", true);
    await b.lockedUsers();
    await b.releaseUser("u-1");
    expect(invoke.mock.calls).toEqual([
      ["sign_in", { userName: "arben.hoxha", password: "secret" }],
      ["sign_out", undefined],
      ["session", undefined],
      ["lock", undefined],
      ["unlock", { password: "secret" }],
      ["change_password", { current: "old", new: "new-one" }],
      ["approval_queue", undefined],
      ["approve_file", { id: "id-1", version: 3 }],
      ["return_file", { id: "id-1", version: 3, reason: "NID missing" }],
      ["audit_events", { query: audit }],
      ["verify_audit", undefined],
      ["list_users", undefined],
      ["create_user", { userName: "ana.kola", role: "clerk", directorate: "dvp-tirane" }],
      ["reset_password", { id: "u-1" }],
      ["set_user_disabled", { id: "u-1", disabled: true }],
      ["locked_users", undefined],
      ["release_user", { id: "u-1" }],
    ]);
    expect(Object.values(COMMANDS)).toHaveLength(45);
    expect(new Set(Object.values(COMMANDS)).size).toBe(45);
  });

  it("calls the obligation and rule commands with the argument keys Rust names", async () => {
    invoke.mockResolvedValue(null);
    const b = tauriBackend();
    const record = { kind: "check_in", date: "01.03.2026" } as RecordDraft;
    const rules = { effective_from: "01.01.2027", values: {}, note: "" } as RuleDraft;
    await b.dashboard();
    await b.timeline("id-1");
    await b.addRecord("id-1", record);
    await b.voidRecord("r-1", "typed in the wrong file");
    await b.confirmRecord("r-2");
    await b.addPhoto("id-1", { taken_on: "01.03.2026", data_base64: "iVBOR" });
    await b.getPhoto("p-1");
    await b.listPhotos("id-1");
    await b.voidPhoto("p-1", "wrong person");
    await b.serveNotice("n-1", "02.03.2026");
    await b.ruleBook();
    await b.previewRules(rules);
    await b.saveRules(rules);
    expect(invoke.mock.calls).toEqual([
      ["dashboard", undefined],
      ["timeline", { id: "id-1" }],
      ["add_record", { fileId: "id-1", draft: record }],
      ["void_record", { recordId: "r-1", reason: "typed in the wrong file" }],
      ["confirm_record", { recordId: "r-2" }],
      ["add_photo", { fileId: "id-1", upload: { taken_on: "01.03.2026", data_base64: "iVBOR" } }],
      ["get_photo", { photoId: "p-1" }],
      ["list_photos", { fileId: "id-1" }],
      ["void_photo", { photoId: "p-1", reason: "wrong person" }],
      ["serve_notice", { noticeId: "n-1", servedOn: "02.03.2026" }],
      ["rule_book", undefined],
      ["preview_rules", { draft: rules }],
      ["save_rules", { draft: rules }],
    ]);
  });

  it("calls the synchronisation commands with the argument keys Rust names", async () => {
    invoke.mockResolvedValue(null);
    const b = tauriBackend();
    const request = { server_url: "https://qendra.asp.gov.al:8443", bundle: "-----BEGIN CERTIFICATE-----" };
    const decision = { conflict_id: "c-1", choices: [{ path: "identity.father_name", value: "Petrit Ali" }] };
    await b.syncStatus();
    await b.syncNow();
    await b.syncIssues();
    await b.enrolStation(request);
    await b.conflicts();
    await expect(b.resolveConflict(decision)).resolves.toBeUndefined();
    await b.fetchRemoteFile("id-9", "a check at the border");
    expect(invoke.mock.calls).toEqual([
      ["sync_status", undefined],
      ["sync_now", undefined],
      ["sync_issues", undefined],
      ["enrol_station", { request }],
      ["conflicts", undefined],
      ["resolve_conflict", { decision }],
      ["fetch_remote_file", { id: "id-9", reason: "a check at the border" }],
    ]);
  });

  it("keeps the synchronisation codes, and says which of them need the server", async () => {
    const offline = toAppError({ code: "server_unreachable", message: { sq: "a", en: "b" }, fields: [] });
    expect(offline.code).toBe(ErrorCode.serverUnreachable);
    expect(needsServer(offline)).toBe(true);
    expect(needsServer({ ...offline, code: ErrorCode.notEnrolled })).toBe(true);
    for (const code of [ErrorCode.syncRunning, ErrorCode.ownWork, ErrorCode.conflictResolved, ErrorCode.stationUnknown, ErrorCode.invalidInput]) {
      expect(needsServer({ ...offline, code })).toBe(false);
    }
  });

  it("rejects with the AppError Rust sent", async () => {
    invoke.mockRejectedValue(validation);
    await expect(tauriBackend().createFile({} as FileDraft)).rejects.toEqual(validation);
  });

  it("normalises any other rejection into an internal AppError", async () => {
    invoke.mockRejectedValue("unexpected panic");
    const err = await tauriBackend().getFile("x").catch((e: unknown) => e);
    expect(isAppError(err)).toBe(true);
    expect((err as AppError).code).toBe("internal");
    expect((err as AppError).message.en).toContain("unexpected panic");

    invoke.mockImplementation(() => {
      throw new Error("sync throw");
    });
    const err2 = await tauriBackend().appInfo().catch((e: unknown) => e);
    expect((err2 as AppError).code).toBe("internal");
  });
});
