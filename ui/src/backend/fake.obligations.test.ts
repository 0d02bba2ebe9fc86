import { describe, expect, it } from "vitest";
import { FakeBackend } from "./fake";
import type { RuleSet } from "../generated/RuleSet";
import type { RuleValues } from "../generated/RuleValues";
import { addMonths, provisionalValues, tiraneInstant } from "./fakeCompliance";

/** A rule version from `from` with the provisional values changed by `edit`. */
function version(n: number, from: string, edit: (v: RuleValues) => void): RuleSet {
  const values = provisionalValues();
  edit(values);
  return { version: n, effective_from: from, values, provisional: false, note: "" };
}

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
      kind: "trip", date: "01.04.2026", end_date: "30.03.2026", reported_on: "", officer: "", note: "", photo_id: "", no_photo_reason: "", choice: "",
      municipality_code: "", street: "", foreign: true, country: "AL", destination: "", purpose: "", organisation: "", role: "", contact_with_children: false,
    });
    expect(problems.map((p) => `${p.field}:${p.code}`)).toEqual([
      "reported_on:required", "end_date:date_order", "destination:required", "country:trip_country_required",
    ]);
    fake.startSession("admin");
    await expect(fake.dashboard()).rejects.toMatchObject({ code: "forbidden" });
  });

  it("owes reports from the first approval, or from an earlier registration notice, and says from when", async () => {
    const fake = new FakeBackend();
    // registered since 10.01.2024, but the file was first approved on 01.06.2025
    const id = fake.addPerson({ surname: "Gjoka", given_name: "Ardit", final_date: "2024-01-10", approved_on: "2025-06-01" });
    fake.addRecordTo(id, { kind: "check_in", date: "2025-01-08", officer: "Insp. Kola", photo_taken: true, note: "" });
    let c = (await fake.timeline(id)).compliance!;
    expect(c.owed_from).toBe("2025-06-01");
    // the report of 10.01.2025 was not owed yet; the check-in before it counts for none
    expect(c.obligations.map((o) => [o.due, o.state])).toEqual([
      ["2026-01-10", "overdue"],
      ["2027-01-10", "upcoming"],
    ]);
    // the person was told in person earlier: reports are owed from that day
    fake.addRecordTo(id, { kind: "registration_notice", date: "2024-12-01", officer: "Insp. Kola", note: "Marrë nga dosja letër" });
    c = (await fake.timeline(id)).compliance!;
    expect(c.owed_from).toBe("2024-12-01");
    expect(c.obligations.map((o) => [o.due, o.state])).toEqual([
      ["2025-01-10", "met"],
      ["2026-01-10", "overdue"],
      ["2027-01-10", "upcoming"],
    ]);
    // a voided notice counts for nothing
    const notice = fake.addRecordTo(id, { kind: "registration_notice", date: "2024-01-15", officer: "Insp. Kola", note: "" }, "test", { reason: "Data e gabuar" });
    expect((await fake.timeline(id)).records.find((r) => r.id === notice.id)?.void?.reason).toBe("Data e gabuar");
    expect((await fake.timeline(id)).compliance!.owed_from).toBe("2024-12-01");
  });

  it("counts each check-in for the nearest report, and an unmet report before a later check-in as missed", async () => {
    const fake = new FakeBackend();
    const id = fake.addPerson({ surname: "Marku", given_name: "Erion", final_date: "2022-03-01" });
    fake.addRecordTo(id, { kind: "check_in", date: "2023-03-01", officer: "Insp. Kola", photo_taken: true, note: "" });
    fake.addRecordTo(id, { kind: "check_in", date: "2025-03-02", officer: "Insp. Kola", photo_taken: true, note: "" });
    const c = (await fake.timeline(id)).compliance!;
    expect(c.obligations.map((o) => [o.due, o.state, o.met_on])).toEqual([
      ["2023-03-01", "met", "2023-03-01"],
      ["2024-03-01", "missed", null],
      ["2025-03-01", "met_late", "2025-03-02"],
      ["2026-03-01", "overdue", null],
      ["2027-03-01", "upcoming", null],
    ]);
    expect(c.status).toBe("overdue");
    expect(c.overdue_since).toBe("2026-03-01");
  });

  it("lets a clerk record a death, which awaits a second supervisor's confirmation before it counts", async () => {
    const fake = new FakeBackend();
    const { overdue } = fake.seedObligations();
    const death = await fake.addRecord(overdue, { ...blank(), kind: "status_change", choice: "deceased", date: "01.03.2026", note: "Certifikata e vdekjes" });
    expect(death.recorded_by).toBe("clerk");
    expect(death.confirmation).toBeNull();
    // not yet in force: still overdue, still on the dashboard
    expect((await fake.timeline(overdue)).compliance!.status).toBe("overdue");
    expect((await fake.dashboard()).overdue.map((r) => r.file.id)).toContain(overdue);
    // a clerk cannot confirm
    await expect(fake.confirmRecord(death.id)).rejects.toMatchObject({ code: "forbidden" });

    fake.startSession("supervisor");
    const confirmed = await fake.confirmRecord(death.id);
    expect(confirmed.confirmation).toEqual({ by: "supervisor", at: "2026-03-29T01:30:00Z" });
    const c = (await fake.timeline(overdue)).compliance!;
    expect(c.status).toBe("deceased");
    // no report owed after the death
    expect(c.obligations.every((o) => o.due < "2026-03-01")).toBe(true);
    expect((await fake.dashboard()).overdue).toEqual([]);
    expect(fake.audit.filter((e) => e.action === "record.confirm")).toEqual([
      expect.objectContaining({ actor: "supervisor", object_id: death.id, outcome: "ok" }),
    ]);
    // once is enough
    await expect(fake.confirmRecord(death.id)).rejects.toMatchObject({ code: "nothing_to_confirm" });
  });

  it("refuses to confirm one's own record, a record that needs no confirmation, and another directorate's", async () => {
    const fake = new FakeBackend();
    const { overdue, absconded } = fake.seedObligations();
    fake.startSession("supervisor");
    const removal = await fake.addRecord(overdue, { ...blank(), kind: "status_change", choice: "removed", date: "20.03.2026", note: "Vendim gjykate" });
    const own = fake.confirmRecord(removal.id);
    await expect(own).rejects.toMatchObject({ code: "own_work" });
    await expect(own).rejects.toMatchObject({ message: { sq: expect.stringContaining("vetë"), en: expect.stringContaining("yourself") } });
    expect(fake.audit.at(-1)).toMatchObject({ action: "record.confirm", outcome: "refused_own_work" });
    expect(fake.recordsOf(overdue).at(-1)!.confirmation).toBeNull();
    // nor void it
    await expect(fake.voidRecord(removal.id, "Gabim")).rejects.toMatchObject({ code: "own_work" });

    const abscondedRecord = fake.recordsOf(absconded).find((r) => r.data.kind === "status_change")!;
    await expect(fake.confirmRecord(abscondedRecord.id)).rejects.toMatchObject({ code: "nothing_to_confirm" });
    const checkIn = fake.recordsOf(overdue)[0]!;
    await expect(fake.confirmRecord(checkIn.id)).rejects.toMatchObject({ code: "nothing_to_confirm" });

    fake.startSession("supervisor.durres");
    await expect(fake.confirmRecord(removal.id)).rejects.toMatchObject({ code: "forbidden" });
    fake.startSession("admin");
    await expect(fake.confirmRecord(removal.id)).rejects.toMatchObject({ code: "forbidden" });
  });

  it("says who may add, confirm and serve on the timeline", async () => {
    const fake = new FakeBackend();
    const { overdue, durres } = fake.seedObligations();
    const flags = async (id: string) => {
      const t = await fake.timeline(id);
      return [t.may_add, t.may_confirm, t.may_serve];
    };
    expect(await flags(overdue)).toEqual([true, false, true]);
    expect(await flags(durres)).toEqual([false, false, false]);
    fake.startSession("supervisor");
    expect(await flags(overdue)).toEqual([true, true, true]);
    expect(await flags(durres)).toEqual([false, false, false]);
  });

  it("validates a registration notice by draft field", () => {
    const fake = new FakeBackend();
    expect(fake.validateRecord({ kind: "registration_notice", date: "", officer: " " }).problems.map((p) => `${p.field}:${p.code}`)).toEqual([
      "date:required", "officer:required",
    ]);
    expect(fake.validateRecord({ kind: "registration_notice", date: "30.03.2026", officer: "Insp. Kola" }).problems.map((p) => p.code)).toEqual([
      "date_in_future",
    ]);
    expect(fake.validateRecord({ kind: "registration_notice", date: "02.03.2026", officer: "Insp. Kola", note: " Në stacion " }).data).toEqual({
      kind: "registration_notice", date: "2026-03-02", officer: "Insp. Kola", note: "Në stacion",
    });
  });
});

describe("fake backend: notices hold back only the dates their version moved", () => {
  const person = (fake: FakeBackend) => {
    const id = fake.addPerson({ surname: "Dedja", given_name: "Klodian", municipality_code: "tirane", final_date: "2024-01-10" });
    fake.addRecordTo(id, { kind: "check_in", date: "2025-01-08", officer: "Insp. Kola", photo_taken: true, note: "" });
    return id;
  };

  it("leaves reports to fall overdue when the version changed only declaration deadlines", async () => {
    const fake = new FakeBackend();
    const id = person(fake);
    fake.rules.push(version(2, "2025-06-01", (v) => (v.report_change_days = 1)));
    fake.addNotice(id, 2);
    const c = (await fake.timeline(id)).compliance!;
    expect(c.obligations.find((o) => o.due === "2026-01-10")).toMatchObject({ rule_version: 2, state: "overdue", effective_due: "2026-01-10" });
    expect([c.status, c.awaiting_notice, c.unserved_notices]).toEqual(["overdue", 0, 1]);
  });

  it("awaits the notice for the moved dates only, counts them apart and lists the person to be served", async () => {
    const fake = new FakeBackend();
    const id = person(fake);
    // version 2 makes high-risk reports two-monthly; the person was assessed high afterwards
    fake.rules.push(version(2, "2025-06-01", (v) => (v.reporting_months.high = 2)));
    fake.addRecordTo(id, { kind: "risk_assessment", level: "high", date: "2025-09-01", officer: "Insp. Kola" });
    const notice = fake.addNotice(id, 2);
    let c = (await fake.timeline(id)).compliance!;
    expect(c.obligations.map((o) => [o.due, o.interval_months, o.state])).toEqual([
      ["2025-01-10", 12, "met"],
      ["2025-09-10", 2, "awaiting_notice"],
      ["2025-11-10", 2, "awaiting_notice"],
      ["2026-01-10", 2, "awaiting_notice"],
      ["2026-03-10", 2, "awaiting_notice"],
      ["2026-05-10", 2, "upcoming"],
    ]);
    // not the person's doing: not overdue, and not "due soon" either
    expect([c.status, c.awaiting_notice, c.awaiting_since]).toEqual(["compliant", 4, "2025-09-10"]);
    const d = await fake.dashboard();
    expect(d.awaiting_notice.map((r) => [r.file.id, r.awaiting_since, r.unserved_notices])).toEqual([[id, "2025-09-10", 1]]);
    expect(d.due_soon.concat(d.overdue).map((r) => r.file.id)).not.toContain(id);

    // served on 01.02.2026: the moved dates before it are due from that day, so overdue since
    await fake.serveNotice(notice.id, "01.02.2026");
    c = (await fake.timeline(id)).compliance!;
    expect(c.obligations.filter((o) => o.state === "overdue").map((o) => [o.due, o.effective_due])).toEqual([
      ["2025-09-10", "2026-02-01"],
      ["2025-11-10", "2026-02-01"],
      ["2026-01-10", "2026-02-01"],
      ["2026-03-10", "2026-03-10"],
    ]);
    expect([c.status, c.overdue_since, c.awaiting_notice]).toEqual(["overdue", "2026-02-01", 0]);
  });

  it("gives a notice to every registered person for an interval of any risk level, none for the look-ahead", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    fake.seedObligations();
    fake.startSession("admin");
    const draft = (edit: (v: RuleValues) => void) => ({ effective_from: "01.05.2026", values: version(2, "2026-05-01", edit).values, note: "" });
    const registered = (await fake.previewRules(draft(() => {}))).registered_total;
    expect((await fake.previewRules(draft((v) => (v.reporting_months.high = 2)))).touched_total).toBe(registered);
    expect((await fake.previewRules(draft((v) => (v.travel_change_notice_hours = 48)))).touched_total).toBe(registered);
    expect((await fake.previewRules(draft((v) => (v.due_soon_days = 30)))).touched_total).toBe(0);
    // only those whose registration end moves: the sentences of up to 36 months
    const short = (await fake.previewRules(draft((v) => (v.registration[0]!.years = 12)))).touched_total;
    expect(short).toBeGreaterThan(0);
    expect(short).toBeLessThan(registered);
  });
});

describe("fake backend: changes to trips and of name", () => {
  it("turns Tirana wall-clock times into instants across the DST gap and the repeated hour", () => {
    expect(tiraneInstant("2026-03-29", "02:30")).toBe("2026-03-29T01:00:00Z");
    expect(tiraneInstant("2026-10-25", "02:30")).toBe("2026-10-25T00:30:00Z");
    expect(tiraneInstant("2026-12-03", "00:00")).toBe("2026-12-02T23:00:00Z");
    expect(tiraneInstant("2026-07-01", "00:00")).toBe("2026-06-30T22:00:00Z");
  });

  it("judges a trip change against the hours before its departure day starts in Tirana, and refuses bad ones by field", async () => {
    const fake = new FakeBackend();
    const { overdue } = fake.seedObligations();
    const trip = await fake.addRecord(overdue, { ...blank(), kind: "trip", foreign: true, country: "IT", destination: "Bari", date: "10.04.2026", end_date: "20.04.2026", reported_on: "20.03.2026" });
    const change = (patch: Record<string, string>) => ({ ...blank(), kind: "trip_change", trip_id: trip.id, country: "IT", destination: "Roma", date: "30.03.2026", end_date: "02.04.2026", reported_on: "29.03.2026", reported_time: "03:00", ...patch });
    const codes = (patch: Record<string, string>) => fake.validateRecord(change(patch), fake.recordsOf(overdue)).problems.map((p) => `${p.field}:${p.code}`);
    expect(codes({})).toEqual([]);
    expect(codes({ trip_id: "" })).toEqual(["trip_id:required"]);
    expect(codes({ trip_id: overdue })).toEqual(["trip_id:trip_unknown"]);
    expect(codes({ reported_time: "25:00" })).toEqual(["reported_time:time_format"]);
    // it is 03:30 in Tirana (29.03.2026, the first hour of summer time)
    expect(codes({ reported_time: "04:00" })).toEqual(["reported_time:date_in_future"]);
    expect(codes({ reported_on: "19.03.2026" })).toEqual(["reported_on:change_before_trip"]);
    expect(codes({ destination: "Bari", date: "10.04.2026", end_date: "20.04.2026" })).toEqual(["trip_id:trip_unchanged"]);
    expect(codes({ country: "AL" })).toEqual(["country:trip_country_required"]);

    // 30.03 begins at 29.03 22:00 UTC; 24 hours before is 28.03 23:00 in Tirana (winter time)
    const late = await fake.addRecord(overdue, change({}));
    expect(late.data).toMatchObject({ kind: "trip_change", declared_at: "2026-03-29T01:00:00Z", departure: "2026-03-30" });
    const onTime = await fake.addRecord(overdue, change({ date: "01.04.2026" }));
    const t = await fake.timeline(overdue);
    const judged = (id: string) => t.compliance!.assessments.find((a) => a.record_id === id)!;
    expect(judged(late.id)).toMatchObject({ deadline_at: "2026-03-28T22:00:00Z", deadline: { date: "2026-03-28", rule_version: 1 }, on_time: false, international_notification: true });
    expect(judged(onTime.id)).toMatchObject({ deadline_at: "2026-03-30T22:00:00Z", on_time: true });
    // the trip stands as the change declared last says, and departs within the look-ahead
    expect(t.trips).toEqual([expect.objectContaining({ trip_id: trip.id, departure: "2026-04-01", destination: "Roma", changed_by: onTime.id })]);
    expect(t.compliance!.departures_ahead).toEqual([trip.id]);
    const d = await fake.dashboard();
    expect(d.departing.map((r) => r.departures.map((x) => [x.departure, x.changed]))).toEqual([[["2026-04-01", true]]]);
  });

  it("records a change of name judged like a change of address, and refuses an unchanged one", async () => {
    const fake = new FakeBackend();
    const { overdue } = fake.seedObligations();
    const name = { ...blank(), kind: "name_change", old_surname: "Hoxha", old_given_name: "Arben", new_surname: "Hoxhaj", new_given_name: "Arben", date: "20.03.2026", reported_on: "24.03.2026" };
    expect(fake.validateRecord({ ...name, new_surname: "HOXHA" }).problems.map((p) => `${p.field}:${p.code}`)).toEqual(["new_surname:name_unchanged"]);
    expect(fake.validateRecord({ ...name, new_surname: "Hoxhaj2" }).problems.map((p) => `${p.field}:${p.code}`)).toEqual(["new_surname:invalid_characters"]);
    const r = await fake.addRecord(overdue, name);
    const a = (await fake.timeline(overdue)).compliance!.assessments.find((x) => x.record_id === r.id)!;
    expect([a.deadline?.date, a.on_time]).toEqual(["2026-03-23", false]);
  });
});

function blank() {
  return {
    kind: "", date: "", end_date: "", reported_on: "", reported_time: "", trip_id: "", old_surname: "", old_given_name: "", new_surname: "",
    new_given_name: "", officer: "", note: "", photo_id: "", no_photo_reason: "", choice: "", municipality_code: "", street: "", foreign: false,
    country: "", destination: "", purpose: "", organisation: "", role: "", contact_with_children: false,
  };
}
