import { describe, expect, it } from "vitest";
import { FakeBackend } from "./fake";
import { addMonths } from "./fakeCompliance";

describe("fake backend: obligations", () => {
  it("adds months clamped to the month's end, from the anchor", () => {
    expect(addMonths("2016-02-29", 120)).toBe("2026-02-28");
    expect(addMonths("2026-01-31", 1)).toBe("2026-02-28");
    expect(addMonths("2026-01-31", 2)).toBe("2026-03-31");
  });

  it("seeds a directorate with an overdue person, one due soon, a trip under way and an absconded person", async () => {
    const fake = new FakeBackend();
    const ids = fake.seedObligations();
    const d = await fake.dashboard();
    expect(d.directorate).toBe("dvp-tirane");
    expect(d.due_soon_days).toBe(14);
    expect(d.overdue.map((r) => r.file.surname)).toEqual(["Hoxha"]);
    expect(d.overdue[0]!.overdue_since).toBe("2026-01-10");
    expect(d.overdue[0]!.days_overdue).toBe(78);
    expect(d.due_soon.map((r) => r.file.surname)).toEqual(["Kola"]);
    expect(d.travelling.map((r) => r.file.surname).sort()).toEqual(["Leka", "Meta"]);
    expect(d.absconded.map((r) => r.file.surname)).toEqual(["Shehu"]);
    expect(d.counts).toContainEqual({ status: "overdue", count: 1 });
    // another directorate's person is not on this dashboard
    expect(JSON.stringify(d)).not.toContain(ids.durres);

    const t = await fake.timeline(ids.dueSoon);
    expect(t.compliance?.obligations.map((o) => [o.due, o.state])).toEqual([
      ["2024-04-05", "met"],
      ["2025-04-05", "met_late"],
      ["2026-04-05", "due_soon"],
      ["2027-04-05", "upcoming"],
    ]);
    expect(t.may_add).toBe(true);
    expect(t.may_confirm).toBe(false);
  });

  it("refuses incomplete records by field and the dashboard to an administrator", async () => {
    const fake = new FakeBackend();
    const { overdue } = fake.seedObligations();
    await expect(fake.addRecord(overdue, { kind: "trip", foreign: true, country: "" } as never)).rejects.toMatchObject({ code: "validation" });
    const { problems } = fake.validateRecord({
      kind: "trip", date: "01.04.2026", end_date: "30.03.2026", reported_on: "", officer: "", note: "", photo_taken: false, choice: "",
      municipality_code: "", street: "", foreign: true, country: "AL", destination: "", purpose: "", organisation: "", role: "", contact_with_children: false,
    });
    expect(problems.map((p) => `${p.field}:${p.code}`)).toEqual([
      "reported_on:required", "end_date:date_order", "destination:required", "country:trip_country_required",
    ]);
    fake.startSession("admin");
    await expect(fake.dashboard()).rejects.toMatchObject({ code: "forbidden" });
    fake.startSession("clerk");
    await expect(
      fake.addRecord(overdue, { ...blank(), kind: "status_change", choice: "deceased", date: "01.03.2026", note: "Certifikata e vdekjes" }),
    ).rejects.toMatchObject({ code: "forbidden" });
  });
});

function blank() {
  return {
    kind: "", date: "", end_date: "", reported_on: "", officer: "", note: "", photo_taken: false, choice: "", municipality_code: "", street: "",
    foreign: false, country: "", destination: "", purpose: "", organisation: "", role: "", contact_with_children: false,
  };
}
