// Compliance as the fake backend computes it, for unit tests only (imported by fake.ts alone).
// A port of crates/regjistri-domain/src/compliance.rs, kept in step with it: registration from
// the earliest final date and the longest sentence, its end re-examined at each later rule
// version; periodic reports at anchor + k × interval (the interval in force at each rule
// version or risk assessment, each date computed from the anchor, clamped to the month's end)
// owed from the earliest registration notice or else the first approval; each check-in counted
// for the nearest due date (on time, late; an unmet report followed by a later check-in is
// missed history, not overdue); status changes (death and removal only once confirmed); trips
// as they stand after their latest change, under way or departing abroad; deadlines of
// declarations under the rules the person had been told of, a trip change's in hours before
// the departure's start in Europe/Tirane; and rule notices, which hold back only the dates
// their version moved. One registration period (the Rust side keeps separate periods apart).
// Enough to exercise the screens with believable data; the Rust side is the one that decides.
import type { Compliance } from "../generated/Compliance";
import type { ComplianceStatus } from "../generated/ComplianceStatus";
import type { FileData } from "../generated/FileData";
import type { FileRecord } from "../generated/FileRecord";
import type { Itinerary } from "../generated/Itinerary";
import type { Obligation } from "../generated/Obligation";
import type { PersonState } from "../generated/PersonState";
import type { RecordAssessment } from "../generated/RecordAssessment";
import type { Registration } from "../generated/Registration";
import type { RiskLevel } from "../generated/RiskLevel";
import type { RuledDate } from "../generated/RuledDate";
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

const maxIso = (a: string, b: string) => (a > b ? a : b);

// ---- Europe/Tirane wall-clock time (dates::tirane_instant, tirane_day_start, local_date) ----

const tirane = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/Tirane",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** The Tirana wall clock of an instant (ms since the epoch) as "YYYY-MM-DDTHH:MM". */
function wallClock(ms: number): string {
  const p: Record<string, string> = {};
  for (const x of tirane.formatToParts(new Date(ms))) p[x.type] = x.value;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** A UTC timestamp as the Tirana day it falls on. */
export function tiraneDate(timestamp: string): string {
  return wallClock(Date.parse(timestamp.replace(/(\.\d{3})\d+/, "$1"))).slice(0, 10);
}

/**
 * The instant (ISO, UTC, "Z") of a Tirana wall-clock time: in the repeated autumn hour the
 * earlier instant, in the spring gap the first valid time after it (as tirane_instant).
 */
export function tiraneInstant(iso: string, time: string): string {
  const [y, m, d] = parts(iso);
  const [h, min] = time.split(":").map(Number);
  for (let step = 0; step < 3; step++) {
    const local = Date.UTC(y, m - 1, d, h!, min! + 30 * step);
    const wanted = new Date(local).toISOString().slice(0, 16);
    // Summer time (UTC+2) first: in the repeated hour that is the earlier instant.
    for (const offset of [2, 1]) {
      const ms = local - offset * 3_600_000;
      if (wallClock(ms) === wanted) return new Date(ms).toISOString().replace(".000Z", "Z");
    }
  }
  return new Date(Date.UTC(y, m - 1, d)).toISOString().replace(".000Z", "Z");
}

/** The start of a Tirana day as an instant (ISO, UTC). */
export const tiraneDayStart = (iso: string) => tiraneInstant(iso, "00:00");

// ---- the rule book ----

/** The version in force on `date` (the first one for earlier dates). */
export function inEffect(book: RuleSet[], date: string): RuleSet {
  const sorted = [...book].sort((a, b) => a.effective_from.localeCompare(b.effective_from) || a.version - b.version);
  let found = sorted[0]!;
  for (const v of sorted) if (v.effective_from <= date) found = v;
  return found;
}

/** The book without the versions `leftOut` names, never without its first (RuleBook::without). */
function without(book: RuleSet[], leftOut: (version: number) => boolean): RuleSet[] {
  const sorted = [...book].sort((a, b) => a.effective_from.localeCompare(b.effective_from) || a.version - b.version);
  return sorted.filter((v, i) => i === 0 || !leftOut(v.version));
}

/** The version the person is judged under for something on `date`: not one they had not been told of then. */
function told(book: RuleSet[], notices: RuleNotice[], version: RuleSet, date: string): RuleSet {
  const first = inEffect(book, "0000-01-01").effective_from;
  let v = version;
  for (;;) {
    const untold = notices.some((n) => n.rule_version === v.version && (n.served_on === null || n.served_on > date));
    if (!untold || v.effective_from <= first) return v;
    v = inEffect(book, addDays(v.effective_from, -1));
  }
}

// ---- records ----

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
    case "trip_change":
      return d.departure;
    case "occupation":
      return d.from;
    case "status_change":
      return d.effective;
    case "name_change":
      return d.changed_on;
  }
}

/** Death and removal take effect only once a second supervisor confirmed them (RecordData::needs_confirmation). */
export function needsConfirmation(d: FileRecord["data"]): boolean {
  return d.kind === "status_change" && (d.state === "deceased" || d.state === "removed");
}

/** Records that count: not voided, and confirmed if they need it (FileRecord::in_force). */
const active = (records: FileRecord[]) => records.filter((r) => r.void === null && (!needsConfirmation(r.data) || r.confirmation !== null));

/** Every trip in force as it stands: the latest change in force (declared last, then recorded last) applied. */
export function itineraries(records: FileRecord[]): Itinerary[] {
  const changes = active(records)
    .flatMap((r) => (r.data.kind === "trip_change" ? [{ r, d: r.data }] : []))
    .sort((a, b) => a.d.declared_at.localeCompare(b.d.declared_at) || a.r.recorded_at.localeCompare(b.r.recorded_at));
  return active(records).flatMap((r) => {
    if (r.data.kind !== "trip") return [];
    const t = r.data;
    const trip: Itinerary = {
      trip_id: r.id,
      foreign: t.foreign,
      country: t.country,
      destination: t.destination,
      departure: t.departure,
      return_date: t.return_date,
      notice_date: t.notice_date,
      changed_by: null,
    };
    for (const c of changes) {
      if (c.d.trip_id !== r.id) continue;
      Object.assign(trip, { country: c.d.country, destination: c.d.destination, departure: c.d.departure, return_date: c.d.return_date, changed_by: c.r.id });
    }
    return [trip];
  });
}

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

/** The first day of a (confirmed) death or removal. */
function endsOn(records: FileRecord[]): string | undefined {
  return active(records)
    .flatMap((r) => (r.data.kind === "status_change" && final(r.data.state) ? [r.data.effective] : []))
    .sort()[0];
}

function riskOn(records: FileRecord[], date: string): RiskLevel {
  let level: RiskLevel = "standard";
  const assessed = active(records)
    .flatMap((r) => (r.data.kind === "risk_assessment" && r.data.date <= date ? [r.data] : []))
    .sort((a, b) => (a.date < b.date ? -1 : 1));
  for (const a of assessed) level = a.level;
  return level;
}

// ---- registration and the schedule ----

export function registration(data: FileData, book: RuleSet[]): Registration | null {
  if (data.convictions.length === 0) return null;
  const start = data.convictions.map((c) => c.final_date).sort()[0]!;
  const months = Math.max(...data.convictions.map((c) => c.sentence_months));
  const compute = (v: RuleSet): [RuledDate | null, RuledDate | null] => {
    const band = v.values.registration.find((b) => b.up_to_months === null || months <= b.up_to_months);
    const years = (y: number | null | undefined) => (y ? { date: addMonths(start, y * 12), rule_version: v.version } : null);
    return band ? [years(band.years), years(band.review_after_years)] : [null, null];
  };
  const first = inEffect(book, start);
  let [end, review] = compute(first);
  // re-examined at every later version: only dates after its effective date may change
  const later = [...book].filter((v) => v.effective_from > start).sort((a, b) => a.effective_from.localeCompare(b.effective_from) || a.version - b.version);
  for (const v of later) {
    const e = v.effective_from;
    if (end && end.date <= e) break;
    const [ne, nr] = compute(v);
    end = ne ? { date: maxIso(ne.date, e), rule_version: ne.rule_version } : null;
    review = review && review.date <= e ? review : nr ? { date: maxIso(nr.date, e), rule_version: nr.rule_version } : null;
  }
  return { start, end, review, longest_sentence_months: months, rule_version: first.version };
}

interface Due {
  date: string;
  version: number;
  interval: number;
  risk: RiskLevel;
}

/** The report dates from `anchor`: anchor + k × (interval in force), until `stop`, and at least until the first date after `horizon`. */
function schedule(anchor: string, stop: string | null, horizon: string, book: RuleSet[], records: FileRecord[]): Due[] {
  const bounds = new Set<string>([anchor]);
  for (const v of book) if (v.effective_from > anchor) bounds.add(v.effective_from);
  for (const r of active(records)) if (r.data.kind === "risk_assessment" && r.data.date > anchor) bounds.add(r.data.date);
  const sorted = [...bounds].sort();
  const out: Due[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const from = sorted[i]!;
    const until = sorted[i + 1] ?? null;
    const v = inEffect(book, from);
    const risk = riskOn(records, from);
    const interval = Math.max(1, v.values.reporting_months[risk]);
    let k = 1;
    while (addMonths(anchor, interval * k) < from || (i === 0 && addMonths(anchor, interval * k) <= anchor)) k++;
    for (; k < 2000; k++) {
      const date = addMonths(anchor, interval * k);
      if (until && date >= until) break;
      if (stop && date >= stop) return out;
      out.push({ date, version: v.version, interval, risk });
      if (date > horizon) return out;
    }
  }
  return out;
}

function reportDates(data: FileData, records: FileRecord[], book: RuleSet[], horizon: string): { reg: Registration | null; dues: Due[] } {
  const reg = registration(data, book);
  if (!reg) return { reg, dues: [] };
  const stop = [reg.end?.date, endsOn(records)].filter((x): x is string => Boolean(x)).sort()[0] ?? null;
  return { reg, dues: schedule(reg.start, stop, horizon, book, records) };
}

/**
 * Which dates the person had been told of (compliance.rs `Told`): a due date is told when the
 * same date with the same interval is also a due date under the book without the versions
 * whose notice was not served (then) — a version that did not move it leaves it as it was.
 */
function toldDates(data: FileData, records: FileRecord[], notices: RuleNotice[], book: RuleSet[], horizon: string) {
  const datesWithout = (untold: (n: RuleNotice) => boolean) =>
    new Set(reportDates(data, records, without(book, (v) => notices.some((n) => n.rule_version === v && untold(n))), horizon).dues.map((d) => `${d.date}/${d.interval}`));
  const now = notices.some((n) => n.served_on === null) ? datesWithout((n) => n.served_on === null) : null;
  const days = [...new Set(notices.flatMap((n) => (n.served_on ? [n.served_on] : [])))].sort();
  const served = days.map((day) => ({ day, known: datesWithout((n) => n.served_on === null || n.served_on >= day) }));
  return (due: Due): { awaiting: boolean; effective: string } => {
    const key = `${due.date}/${due.interval}`;
    let effective = due.date;
    for (const s of served) if (!s.known.has(key)) effective = maxIso(effective, s.day);
    return { awaiting: now !== null && !now.has(key), effective };
  };
}

// ---- deadlines of declarations ----

function assess(r: FileRecord, trips: Itinerary[], book: RuleSet[], notices: RuleNotice[]): RecordAssessment {
  const out: RecordAssessment = {
    record_id: r.id,
    deadline: null,
    deadline_at: null,
    on_time: null,
    international_notification: false,
    child_contact: false,
    not_found: false,
  };
  const d = r.data;
  const reportWithin = (event: string, reported: string) => {
    const v = told(book, notices, inEffect(book, event), event);
    out.deadline = { date: addDays(event, v.values.report_change_days), rule_version: v.version };
    out.on_time = reported <= out.deadline.date;
  };
  /** The latest version already in force on the deadline it produces. */
  const applying = (deadline: (v: RuleSet) => string, start: (v: RuleSet) => string) =>
    [...book].sort((a, b) => b.effective_from.localeCompare(a.effective_from) || b.version - a.version).find((v) => start(v) <= deadline(v)) ?? inEffect(book, "0000-01-01");
  switch (d.kind) {
    case "address_change":
      reportWithin(d.moved_on, d.reported_on);
      break;
    case "name_change":
      reportWithin(d.changed_on, d.reported_on);
      break;
    case "occupation":
      reportWithin(d.from, d.reported_on);
      out.child_contact = d.contact_with_children;
      break;
    case "trip": {
      if (d.foreign) {
        const before = (v: RuleSet) => addDays(d.departure, -v.values.foreign_travel_notice_days);
        const v = told(book, notices, applying(before, (x) => x.effective_from), d.notice_date);
        out.deadline = { date: before(v), rule_version: v.version };
      } else {
        // domestic trips are declared by the day of departure
        out.deadline = { date: d.departure, rule_version: told(book, notices, inEffect(book, d.departure), d.notice_date).version };
      }
      out.on_time = d.notice_date <= out.deadline.date;
      out.international_notification = d.foreign;
      break;
    }
    case "trip_change": {
      const trip = trips.find((t) => t.trip_id === d.trip_id);
      if (!trip) break;
      const declaredOn = tiraneDate(d.declared_at);
      out.international_notification = trip.foreign;
      if (!trip.foreign) {
        const v = told(book, notices, inEffect(book, d.departure), declaredOn);
        out.deadline = { date: d.departure, rule_version: v.version };
        out.on_time = declaredOn <= d.departure;
        break;
      }
      // `hours` before the departure day starts in Tirana (real hours, across DST)
      const before = (v: RuleSet) => new Date(Date.parse(tiraneDayStart(d.departure)) - v.values.travel_change_notice_hours * 3_600_000).toISOString().replace(".000Z", "Z");
      const v = told(book, notices, applying(before, (x) => tiraneDayStart(x.effective_from)), declaredOn);
      out.deadline_at = before(v);
      out.deadline = { date: tiraneDate(out.deadline_at), rule_version: v.version };
      out.on_time = Date.parse(d.declared_at) <= Date.parse(out.deadline_at);
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
  const horizon = addDays(today, inEffect(book, today).values.due_soon_days);
  const { reg, dues } = reportDates(data, records, book, horizon);
  const judge = toldDates(data, records, notices, book, horizon);
  const owed = owedFrom(records, registeredOn);
  const checkIns = active(records)
    .flatMap((r) => (r.data.kind === "check_in" ? [{ date: r.data.date, id: r.id }] : []))
    .sort((a, b) => (a.date < b.date ? -1 : 1));
  // every report owed, with the window its check-in must fall in
  const slots: { ob: Obligation; after: string; nextDue: string; awaiting: boolean }[] = [];
  if (reg) {
    dues.forEach((due, i) => {
      if (owed && due.date < owed) return;
      const { awaiting, effective } = judge(due);
      const ob: Obligation = {
        due: due.date,
        effective_due: effective,
        rule_version: due.version,
        interval_months: due.interval,
        risk_level: due.risk,
        state: "upcoming",
        met_on: null,
        record_id: null,
      };
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
  // a report awaiting a notice changes nothing here: it is counted apart
  let status: ComplianceStatus;
  if (state === "deceased") status = "deceased";
  else if (state === "removed") status = "removed";
  else if (ended) status = "period_ended";
  else if (state === "in_custody") status = "in_custody";
  else if (state === "absconded") status = "absconded";
  else if (any("overdue")) status = "overdue";
  else if (any("due_soon")) status = "due_soon";
  else status = "compliant";
  const registered = status !== "deceased" && status !== "removed" && status !== "period_ended";
  const trips = itineraries(records);
  const awaiting = obligations.filter((o) => o.state === "awaiting_notice");
  return {
    status,
    registration: reg,
    risk_level: riskOn(records, today),
    obligations,
    assessments: active(records).map((r) => assess(r, trips, book, notices)),
    overdue_since: obligations.find((o) => o.state === "overdue")?.effective_due ?? null,
    next_due: obligations.find((o) => (o.state === "due_soon" || o.state === "upcoming") && o.effective_due >= today)?.effective_due ?? null,
    // only registered persons are anywhere travelling, or about to
    trips_under_way: registered ? trips.filter((t) => t.departure <= today && today <= t.return_date).map((t) => t.trip_id) : [],
    departures_ahead: registered ? trips.filter((t) => t.foreign && today < t.departure && t.departure <= horizon).map((t) => t.trip_id) : [],
    unserved_notices: notices.filter((n) => n.served_on === null).length,
    awaiting_notice: awaiting.length,
    awaiting_since: awaiting[0]?.due ?? null,
    owed_from: owed,
    today,
  };
}

/**
 * Whether a new rule book concerns a person from `from` on (compliance::touched_by): still
 * registered after it, and a change to the declaration deadlines or any reporting interval on
 * some day from `from` on, or to the end or review of their registration.
 */
export function touchedBy(data: FileData, records: FileRecord[], before: RuleSet[], after: RuleSet[], from: string): boolean {
  const ends = endsOn(records);
  if (ends && ends <= from) return false;
  const [a, b] = [registration(data, before), registration(data, after)];
  const runsPast = (r: Registration | null) => r !== null && (r.end === null || r.end.date > from);
  if (!runsPast(a) && !runsPast(b)) return false;
  const days = new Set([from, ...[...before, ...after].map((v) => v.effective_from).filter((d) => d > from)]);
  const values = (v: RuleValues) => JSON.stringify([v.report_change_days, v.foreign_travel_notice_days, v.travel_change_notice_hours, v.reporting_months]);
  for (const day of days) if (values(inEffect(before, day).values) !== values(inEffect(after, day).values)) return true;
  const dates = (r: Registration | null) => JSON.stringify([r?.start, r?.end?.date, r?.review?.date]);
  return dates(a) !== dates(b);
}

/** Records in the timeline's order: by the day they are about, then when they were recorded. */
export function byDate(records: FileRecord[]): FileRecord[] {
  return [...records].sort((a, b) => {
    const x = recordDate(a);
    const y = recordDate(b);
    return x < y ? -1 : x > y ? 1 : a.recorded_at < b.recorded_at ? -1 : 1;
  });
}
