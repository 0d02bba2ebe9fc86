import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { AuditQuery } from "../generated/AuditQuery";
import { FakeBackend } from "../backend/fake";
import { renderAs } from "../test/render";
import { auditQuery, filterProblems, NO_FILTERS } from "./AuditView";

function queries(fake: FakeBackend): AuditQuery[] {
  return fake.callsOf("auditEvents").map((a) => a[0] as AuditQuery);
}

const ALL: AuditQuery = { user: null, action: null, object_id: null, from: null, to: null, page: 0, page_size: 50 };

describe("audit query", () => {
  it("sends trimmed text or null, dates as dd.mm.yyyy, 50 per page", () => {
    expect(auditQuery(NO_FILTERS, 0)).toEqual(ALL);
    expect(auditQuery({ user: "  clerk ", action: "file.", objectId: " 0190-ab ", from: "1.3.2026", to: "31.03.2026" }, 2)).toEqual({
      user: "clerk",
      action: "file.",
      object_id: "0190-ab",
      from: "01.03.2026",
      to: "31.03.2026",
      page: 2,
      page_size: 50,
    });
  });

  it("finds dates that are not dates, and a range the wrong way round", () => {
    expect(filterProblems({ ...NO_FILTERS, from: "31.02.2026" })).toEqual([{ field: "from", key: "dateInvalid" }]);
    expect(filterProblems({ ...NO_FILTERS, to: "2026-03-01" })).toEqual([{ field: "to", key: "dateInvalid" }]);
    expect(filterProblems({ ...NO_FILTERS, from: "02.03.2026", to: "01.03.2026" })).toEqual([{ field: "to", key: "dateRangeReversed" }]);
    expect(filterProblems({ ...NO_FILTERS, from: "01.03.2026", to: "01.03.2026" })).toEqual([]);
  });
});

describe("audit viewer", () => {
  it("lists the newest page at start, focused on the first filter, with Tirana times", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    fake.addAuditEvents(3);
    await renderAs("auditor", fake);
    const rows = await screen.findAllByTestId("audit-row");
    expect(queries(fake)).toEqual([ALL]);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveAttribute("data-seq", "3");
    expect(rows[0]).toHaveTextContent("29.03.2026 03:30:00");
    expect(rows[0]).toHaveTextContent("Komisariati Tiranë 1");
    expect(rows[0]).toHaveTextContent("file.view");
    expect(screen.getByTestId("audit-filter-user")).toHaveFocus();
    expect(screen.getByLabelText("Përdoruesi")).toBe(screen.getByTestId("audit-filter-user"));
  });

  it("builds the AuditQuery from the typed filters", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    fake.addAuditEvents(2, "clerk", "file.view");
    fake.addAuditEvents(1, "supervisor", "file.approve");
    const { user } = await renderAs("auditor", fake);
    await screen.findAllByTestId("audit-row");
    await user.type(screen.getByTestId("audit-filter-user"), " supervisor ");
    await user.type(screen.getByTestId("audit-filter-action"), "file.");
    await user.type(screen.getByTestId("audit-filter-from"), "29.3.2026");
    await user.type(screen.getByTestId("audit-filter-to"), "29.03.2026{Enter}");
    await waitFor(() => expect(queries(fake)).toHaveLength(2));
    expect(queries(fake)[1]).toEqual({ ...ALL, user: "supervisor", action: "file.", from: "29.03.2026", to: "29.03.2026" });
    await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(1));
    expect(screen.getByTestId("audit-row")).toHaveTextContent("file.approve");
  });

  it("stops at a date that is not a date, before asking Rust", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const { user } = await renderAs("auditor", fake);
    await waitFor(() => expect(queries(fake)).toHaveLength(1));
    await user.type(screen.getByTestId("audit-filter-from"), "32.01.2026");
    await user.click(screen.getByTestId("audit-search"));
    expect(screen.getByTestId("audit-filter-from")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByTestId("audit-filter-from")).toHaveFocus();
    expect(screen.getByText("Data duhet të jetë dd.mm.vvvv.")).toBeInTheDocument();
    expect(queries(fake)).toHaveLength(1);
  });

  it("pages 50 at a time, keeping the filters", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    fake.addAuditEvents(120, "clerk");
    const { user } = await renderAs("auditor", fake);
    await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(50));
    await user.type(screen.getByTestId("audit-filter-user"), "clerk{Enter}");
    await waitFor(() => expect(screen.getByTestId("audit-total")).toHaveTextContent("1–50 nga 120"));
    await user.click(screen.getByTestId("audit-next"));
    await waitFor(() => expect(screen.getByTestId("audit-total")).toHaveTextContent("51–100 nga 120"));
    await user.click(screen.getByTestId("audit-next"));
    await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(20));
    expect(screen.getByTestId("audit-next")).toBeDisabled();
    expect(queries(fake).slice(1).map((q) => [q.user, q.page, q.page_size])).toEqual([
      ["clerk", 0, 50],
      ["clerk", 1, 50],
      ["clerk", 2, 50],
    ]);
  });

  it("verifies the chain and shows the count, or the error in the current language", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    fake.addAuditEvents(7);
    const { user } = await renderAs("auditor", fake);
    await screen.findAllByTestId("audit-row");
    await user.click(screen.getByTestId("verify-audit"));
    await waitFor(() => expect(screen.getByTestId("verify-result")).toHaveTextContent("Zinxhiri është i paprekur: 7 ngjarje të verifikuara."));
    expect(screen.getByTestId("verify-result")).toHaveAttribute("aria-live", "polite");

    fake.failNext("verifyAudit", {
      code: "audit_chain_broken",
      message: { sq: "Zinxhiri i auditimit është prishur te ngjarja 4.", en: "The audit chain is broken at event 4." },
      fields: [],
    });
    await user.click(screen.getByTestId("lang-switch"));
    await user.click(screen.getByTestId("verify-audit"));
    await waitFor(() => expect(screen.getByTestId("verify-result")).toHaveTextContent("The audit chain is broken at event 4."));
  });
});
