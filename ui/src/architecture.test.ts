// The invariants of ui/src, checked on the source text.
import { describe, expect, it } from "vitest";

const sources = import.meta.glob<string>("./**/*.{ts,tsx}", { query: "?raw", import: "default", eager: true });
const isTest = (path: string) => /\.test\.tsx?$/.test(path) || path.startsWith("./test/");
const app = Object.entries(sources).filter(([path]) => !isTest(path) && !path.startsWith("./generated/"));

describe("architecture", () => {
  it("sees the sources", () => {
    expect(app.length).toBeGreaterThan(10);
  });

  it("imports @tauri-apps only in backend/tauri.ts", () => {
    const offenders = app.filter(([path, text]) => path !== "./backend/tauri.ts" && /from\s+["']@tauri-apps\//.test(text));
    expect(offenders.map(([p]) => p)).toEqual([]);
  });

  it("uses the fake backend only in tests", () => {
    const offenders = app.filter(([path, text]) => path !== "./backend/fake.ts" && /from\s+["'][./]*(backend\/)?fake["']/.test(text));
    expect(offenders.map(([p]) => p)).toEqual([]);
  });

  it("sets no inline style (the CSP has no 'unsafe-inline')", () => {
    const offenders = app.filter(([, text]) => /\sstyle=\{|\.style\.|dangerouslySetInnerHTML|insertAdjacentHTML|\beval\(|new Function\(/.test(text));
    expect(offenders.map(([p]) => p)).toEqual([]);
  });

  it("loads nothing from outside the bundle", () => {
    const offenders = app.filter(([, text]) => /["'`](https?:)?\/\/[a-z0-9.-]+/i.test(text));
    expect(offenders.map(([p]) => p)).toEqual([]);
  });

  it("keeps every hook the WebDriver end-to-end test relies on", () => {
    const hooks = [
      "sign-in-user", "sign-in-password", "sign-in-submit", "change-current", "change-new", "change-repeat",
      "change-submit", "lock-screen", "unlock-password", "unlock-submit", "lock-now", "sign-out", "current-user",
      "nav-search", "nav-approvals", "nav-audit", "nav-users", "approval-row", "approve-file", "return-file",
      "return-reason", "return-submit", "registered-badge", "pending-diff", "audit-view", "audit-row", "users-view",
      "user-row", "create-user-name", "create-user-role", "create-user-directorate", "create-user-submit",
      "one-time-password",
      // obligations (issue 5): the dashboard, the timeline, record forms, the rule editor
      "nav-dashboard", "dashboard", "dashboard-overdue", "dashboard-due-soon", "dashboard-travelling",
      "dashboard-absconded", "dashboard-row", "dashboard-refresh", "timeline", "open-timeline", "timeline-record",
      "record-save", "nav-rules", "rules", "rules-preview", "rules-save", "rules-save-confirm",
      // synchronisation (issue 4): the status line, the screens, conflicts, enrolment, other directorates' files
      "sync-status", "sync-now", "sync-progress", "nav-sync", "sync-view", "sync-issue", "nav-conflicts",
      "conflicts-view", "conflict-row", "conflict-field", "conflict-edit-value", "conflict-resolve", "conflict-error",
      "nav-station", "enrol-server-url", "enrol-bundle", "enrol-submit", "enrol-result", "enrol-error", "national-row",
      "fetch-remote", "fetch-reason", "fetch-submit", "remote-file-view",
    ];
    const text = app.map(([, t]) => t).join("\n");
    expect(hooks.filter((h) => !text.includes(`"${h}"`))).toEqual([]);
  });
});

