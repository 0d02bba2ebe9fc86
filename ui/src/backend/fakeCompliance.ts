// Compliance as the fake backend computes it, for unit tests only (imported by fake.ts alone).
// A simplified port of crates/regjistri-domain/src/compliance.rs: registration from the
// earliest final date and the longest sentence, periodic reports from that anchor (computed
// from the anchor each time, clamped to the month's end) owed from the earliest registration
// notice or else the first approval, each check-in counted for the nearest due date (on time,
// late; an unmet report followed by a later check-in is missed history, not overdue), status
// changes (death and removal only once confirmed), trips under way, record deadlines and rule
// notices. One registration period (the Rust side keeps separate periods apart). Enough to exercise the
// screens with believable data; the Rust side is the one that decides.
import type { Compliance } from "../generated/Compliance";
import type { ComplianceStatus } from "../generated/ComplianceStatus";
import type { FileData } from "../generated/FileData";
import type { FileRecord } from "../generated/FileRecord";
import type { Obligation } from "../generated/Obligation";
import type { PersonState } from "../generated/PersonState";
import type { RecordAssessment } from "../generated/RecordAssessment";
import type { Registration } from "../generated/Registration";
import type { RiskLevel } from "../generated/RiskLevel";
import type { RuleNotice } from "../generated/RuleNotice";
import type { RuleSet } from "../generated/RuleSet";
import type { RuleValues } from "../generated/RuleValues";

export function provisionalValues(): RuleValues {
  return {
    registration: [
      { up_to_months: 36, years: 10, review_after_years: null },
      { up_to_months: 120, years: 20, review_after_years: null },
      { up_to_months: null, years: null, review_after_years: 15 },
    ],
    report_change_days: 3,
    foreign_travel_notice_days: 7,
    travel_change_notice_hours: 24,
    reporting_months: { standard: 12, medium: 6, high: 3 },
    due_soon_days: 14,
  };
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function parts(iso: string): [number, number, number] {
  const [y, m, d] = iso.split("-").map(Number);
  return [y!, m!, d!];
}

function daysIn(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** ISO date + n months, clamped to the month's last day (29.02.2016 + 120 months = 28.02.2026). */
export function addMonths(iso: string, n: number): string {
  const [y, m, d] = parts(iso);
  const total = y * 12 + (m - 1) + n;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  return `${pad(ny, 4)}-${pad(nm)}-${pad(Math.min(d, daysIn(ny, nm)))}`;
}

export function addDays(iso: string, n: number): string {
  const [y, m, d] = parts(iso);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

export function daysBetween(a: string, b: string): number {
  const [ay, am, ad] = parts(a);
  const [by, bm, bd] = parts(b);
  return Math.round((Date.UTC(by, bm - 1, bd) - Date.UTC(ay, am - 1, ad)) / 86_400_000);
}

/** The version in force on `date` (the first one for earlier dates). */
export function inEffect(book: RuleSet[], date: string): RuleSet {
  let found = book[0]!;
  for (const v of book) if (v.effective_from <= date) found = v;
  return found;
}

function recordDate(r: FileRecord): string {
  const d = r.data;
  switch (d.kind) {
    case "registration_notice":
    case "check_in":
    case "verification":
    case "risk_assessment":
      return d.date;
    case "address_change":
      return d.moved_on;
    case "trip":
      return d.departure;
    case "occupation":
      return d.from;
    case "status_change":
      return d.effective;
  }
}

/** Death and removal take effect only once a second supervisor confirmed them (RecordData::needs_confirmation). */
export function needsConfirmation(d: FileRecord["data"]): boolean {
  return d.kind === "status_change" && (d.state === "deceased" || d.state === "removed");
}

/** Records that count: not voided, and confirmed if they need it (FileRecord::in_force). */
const active = (records: FileRecord[]) => records.filter((r) => r.void === null && (!needsConfirmation(r.data) || r.confirmation !== null));

const final = (s: PersonState) => s === "deceased" || s === "removed";

function stateOn(records: FileRecord[], date: string): PersonState {
  let state: PersonState = "active";
  const changes = active(records)
    .flatMap((r) => (r.data.kind === "status_change" ? [{ at: r.recorded_at, d: r.data }] : []))
    .sort((a, b) => (a.d.effective + a.at < b.d.effective + b.at ? -1 : 1));
  // death and removal are for good
  for (const c of changes) if (c.d.effective <= date && !final(state)) state = c.d.state;
  return state;
}

function riskOn(records: FileRecord[], date: string): RiskLevel {
  let level: RiskLevel = "standard";
  const assessed = active(records)
    .flatMap((r) => (r.data.kind === "risk_assessment" && r.data.date <= date ? [r.data] : []))
    .sort((a, b) => (a.date < b.date ? -1 : 1));
  for (const a of assessed) level = a.level;
  return level;
}

export function registration(data: FileData, book: RuleSet[]): Registration | null {
  if (data.convictions.length === 0) return null;
  const start = data.convictions.map((c) => c.final_date).sort()[0]!;
  const months = Math.max(...data.convictions.map((c) => c.sentence_months));
  const rules = inEffect(book, start);
  const band = rules.values.registration.find((b) => b.up_to_months === null || months <= b.up_to_months);
  const years = (y: number | null | undefined) => (y ? { date: addMonths(start, y * 12), rule_version: rules.version } : null);
  return {
    start,
    end: years(band?.years),
    review: band?.years ? null : years(band?.review_after_years),
    longest_sentence_months: months,
    rule_version: rules.version,
  };
}

function assess(r: FileRecord, book: RuleSet[]): RecordAssessment {
  const out: RecordAssessment = {
    record_id: r.id,
    deadline: null,
    on_time: null,
    international_notification: false,
    child_contact: false,
    not_found: false,
  };
  const d = r.data;
  const deadline = (date: string, from: string) => {
    const v = inEffect(book, from);
    return { date, rule_version: v.version };
  };
  switch (d.kind) {
    case "address_change": {
      const v = inEffect(book, d.moved_on);
      out.deadline = deadline(addDays(d.moved_on, v.values.report_change_days), d.moved_on);
      out.on_time = d.reported_on <= out.deadline.date;
      break;
    }
    case "trip": {
      if (d.foreign) {
        const v = inEffect(book, d.notice_date);
        out.deadline = deadline(addDays(d.departure, -v.values.foreign_travel_notice_days), d.notice_date);
        out.on_time = d.notice_date <= out.deadline.date;
        out.international_notification = true;
      }
      break;
    }
    case "occupation": {
      const v = inEffect(book, d.from);
      out.deadline = deadline(addDays(d.from, v.values.report_change_days), d.from);
      out.on_time = d.reported_on <= out.deadline.date;
      out.child_contact = d.contact_with_children;
      break;
    }
    case "verification":
      out.not_found = d.result === "not_found";
      break;
    default:
      break;
  }
  return out;
}

/** The day reports are owed from: the earliest registration notice in force, else the first approval. */
export function owedFrom(records: FileRecord[], registeredOn: string | null): string | null {
  const notices = active(records)
    .flatMap((r) => (r.data.kind === "registration_notice" ? [r.data.date] : []))
    .sort();
  return notices[0] ?? registeredOn;
}

export function compute(
  data: FileData,
  records: FileRecord[],
  notices: RuleNotice[],
  book: RuleSet[],
  today: string,
  registeredOn: string | null,
): Compliance {
  const reg = registration(data, book);
  const horizon = addDays(today, inEffect(book, today).values.due_soon_days);
  const owed = owedFrom(records, registeredOn);
  const checkIns = active(records)
    .flatMap((r) => (r.data.kind === "check_in" ? [{ date: r.data.date, id: r.id }] : []))
    .sort((a, b) => (a.date < b.date ? -1 : 1));
  // the first day of a (confirmed) death or removal
  const stateEnds = active(records)
    .flatMap((r) => (r.data.kind === "status_change" && final(r.data.state) ? [r.data.effective] : []))
    .sort()[0];
  // every report owed, with the window its check-in must fall in
  const slots: { ob: Obligation; after: string; nextDue: string; awaiting: boolean }[] = [];
  if (reg) {
    const stops = [reg.end?.date, stateEnds].filter((x): x is string => Boolean(x));
    const stop = stops.sort()[0] ?? null;
    const dues: { date: string; version: number; interval: number; risk: RiskLevel }[] = [];
    let k = 1;
    let previous = reg.start;
    for (;;) {
      const rules = inEffect(book, previous);
      const risk = riskOn(records, previous);
      const interval = rules.values.reporting_months[risk];
      const date = addMonths(previous, interval);
      if (stop && date >= stop) break;
      dues.push({ date, version: rules.version, interval, risk });
      previous = date;
      if (date > horizon || ++k > 400) break;
    }
    dues.forEach((due, i) => {
      if (owed && due.date < owed) return;
      const ob: Obligation = {
        due: due.date,
        effective_due: due.date,
        rule_version: due.version,
        interval_months: due.interval,
        risk_level: due.risk,
        state: "upcoming",
        met_on: null,
        record_id: null,
      };
      let awaiting = false;
      for (const n of notices) {
        if (n.rule_version <= due.version && n.rule_version > reg.rule_version) {
          if (n.served_on === null) awaiting = true;
          else if (n.served_on > ob.effective_due) ob.effective_due = n.served_on;
        }
      }
      if (stateOn(records, due.date) === "in_custody") ob.state = "suspended";
      slots.push({ ob, after: i === 0 ? addDays(reg.start, -1) : dues[i - 1]!.date, nextDue: dues[i + 1]?.date ?? "9999-12-31", awaiting });
    });
  }
  // each check-in counts for the report whose due date is nearest (within its window)
  const attributed: number[][] = slots.map(() => []);
  checkIns.forEach((c, i) => {
    let best = -1;
    let bestKey: [number, number] = [Infinity, 1];
    slots.forEach((s, k) => {
      if (s.ob.state === "suspended" || !(s.after < c.date && c.date < s.nextDue)) return;
      const key: [number, number] = [Math.abs(daysBetween(s.ob.due, c.date)), s.ob.due < c.date ? 1 : 0];
      if (key[0] < bestKey[0] || (key[0] === bestKey[0] && key[1] < bestKey[1])) {
        best = k;
        bestKey = key;
      }
    });
    if (best >= 0) attributed[best]!.push(i);
  });
  // a report with two check-ins lends the earlier one to an unmet report just before it
  for (let k = 1; k < slots.length; k++) {
    const before = slots[k - 1]!;
    if (attributed[k - 1]!.length === 0 && before.ob.state !== "suspended" && before.nextDue === slots[k]!.ob.due && attributed[k]!.length > 1) {
      const first = attributed[k]![0]!;
      if (checkIns[first]!.date > before.ob.due) attributed[k - 1]!.push(attributed[k]!.shift()!);
    }
  }
  slots.forEach((slot, k) => {
    const i = attributed[k]![0];
    if (i === undefined) return;
    const c = checkIns[i]!;
    slot.ob.state = c.date <= slot.ob.effective_due || slot.awaiting ? "met" : "met_late";
    slot.ob.met_on = c.date;
    slot.ob.record_id = c.id;
  });
  const lastCheckIn = checkIns.at(-1)?.date ?? null;
  const obligations = slots.map(({ ob, awaiting }) => {
    if (ob.state === "upcoming") {
      if (ob.effective_due < today) ob.state = lastCheckIn && lastCheckIn > ob.effective_due ? "missed" : awaiting ? "awaiting_notice" : "overdue";
      else ob.state = ob.effective_due <= horizon ? "due_soon" : "upcoming";
    }
    return ob;
  });
  const state = stateOn(records, today);
  const ended = reg?.end ? today >= reg.end.date : false;
  const any = (s: Obligation["state"]) => obligations.some((o) => o.state === s);
  let status: ComplianceStatus;
  if (state === "deceased") status = "deceased";
  else if (state === "removed") status = "removed";
  else if (ended) status = "period_ended";
  else if (state === "in_custody") status = "in_custody";
  else if (state === "absconded") status = "absconded";
  else if (any("overdue")) status = "overdue";
  else if (any("due_soon") || any("awaiting_notice")) status = "due_soon";
  else status = "compliant";
  const registered = status !== "deceased" && status !== "removed" && status !== "period_ended";
  return {
    status,
    registration: reg,
    risk_level: riskOn(records, today),
    obligations,
    assessments: active(records).map((r) => assess(r, book)),
    overdue_since: obligations.find((o) => o.state === "overdue")?.effective_due ?? null,
    next_due: obligations.find((o) => (o.state === "due_soon" || o.state === "upcoming") && o.effective_due >= today)?.effective_due ?? null,
    // only registered persons are anywhere travelling
    trips_under_way: registered
      ? active(records)
          .filter((r) => r.data.kind === "trip" && r.data.departure <= today && today <= r.data.return_date)
          .map((r) => r.id)
      : [],
    unserved_notices: notices.filter((n) => n.served_on === null).length,
    owed_from: owed,
    today,
  };
}

/** Records in the timeline's order: by the day they are about, then when they were recorded. */
export function byDate(records: FileRecord[]): FileRecord[] {
  return [...records].sort((a, b) => {
    const x = recordDate(a);
    const y = recordDate(b);
    return x < y ? -1 : x > y ? 1 : a.recorded_at < b.recorded_at ? -1 : 1;
  });
}
