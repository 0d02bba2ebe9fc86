// An in-memory Backend for unit tests only (the app always uses tauri.ts). It keeps users, one
// session, files with their approval state and an audit trail; it pages searches, validates
// drafts with a few of the real rules, asks the same role table as the Rust side before every
// operation, records every call and can be told to fail, so screens can be tested against
// the same contract the Rust side keeps.
import type { AppError } from "../generated/AppError";
import type { AppInfo } from "../generated/AppInfo";
import type { AuditEntry } from "../generated/AuditEntry";
import type { AuditPage } from "../generated/AuditPage";
import type { AuditQuery } from "../generated/AuditQuery";
import type { ConflictDecision } from "../generated/ConflictDecision";
import type { ConflictItem } from "../generated/ConflictItem";
import type { Compliance } from "../generated/Compliance";
import type { Dashboard } from "../generated/Dashboard";
import type { DashboardRow } from "../generated/DashboardRow";
import type { EditForm } from "../generated/EditForm";
import type { EnrolRequest } from "../generated/EnrolRequest";
import type { FieldChange } from "../generated/FieldChange";
import type { FieldError } from "../generated/FieldError";
import type { FileData } from "../generated/FileData";
import type { FileDraft } from "../generated/FileDraft";
import type { FileRecord } from "../generated/FileRecord";
import type { FileSummary } from "../generated/FileSummary";
import type { FileView } from "../generated/FileView";
import type { NationalHit } from "../generated/NationalHit";
import type { OffenderFile } from "../generated/OffenderFile";
import type { OneTimePassword } from "../generated/OneTimePassword";
import type { Photo } from "../generated/Photo";
import type { PhotoImage } from "../generated/PhotoImage";
import type { PhotoUpload } from "../generated/PhotoUpload";
import type { RecordData } from "../generated/RecordData";
import type { RecordDraft } from "../generated/RecordDraft";
import type { ReferenceSet } from "../generated/ReferenceSet";
import type { RemoteFileView } from "../generated/RemoteFileView";
import type { Role } from "../generated/Role";
import type { RuleBookView } from "../generated/RuleBookView";
import type { RuleDraft } from "../generated/RuleDraft";
import type { RuleNotice } from "../generated/RuleNotice";
import type { RulePreview } from "../generated/RulePreview";
import type { RuleSaved } from "../generated/RuleSaved";
import type { RuleSet } from "../generated/RuleSet";
import type { StatusCount } from "../generated/StatusCount";
import type { Saved } from "../generated/Saved";
import type { SearchPage } from "../generated/SearchPage";
import type { SearchQuery } from "../generated/SearchQuery";
import type { SessionInfo } from "../generated/SessionInfo";
import type { StationView } from "../generated/StationView";
import type { SyncIssue } from "../generated/SyncIssue";
import type { SyncPhase } from "../generated/SyncPhase";
import type { SyncProgress } from "../generated/SyncProgress";
import type { SyncReport } from "../generated/SyncReport";
import type { SyncStatus } from "../generated/SyncStatus";
import type { Text } from "../generated/Text";
import type { Timeline } from "../generated/Timeline";
import type { TripUnderWay } from "../generated/TripUnderWay";
import type { UserSummary } from "../generated/UserSummary";
import { sniff, fromBase64, MAX_PHOTO_BYTES } from "../photo";
import { displayToIso, isoToDisplay, timestampToDisplay } from "../dates";
import type { Backend } from "./backend";
import { AUDIT_PAGE_SIZE, PAGE_SIZE } from "./backend";
import { addDays, byDate, compute, daysBetween, inEffect, itineraries, needsConfirmation, provisionalValues, tiraneDate, tiraneDayStart, tiraneInstant, touchedBy } from "./fakeCompliance";
import { FAKE_LAST_SYNC, FAKE_SERVER_URL, FAKE_STATION, seedConflicts, seedIssues, seedRemote } from "./fakeSync";
import type { FakeConflict, FakeRemote } from "./fakeSync";

export type Method = keyof Backend;
export interface Call {
  method: Method;
  args: unknown[];
}

const FIXED_NOW = "2026-03-29T01:30:00Z";

/** The password of every user the fake starts with. */
export const FAKE_PASSWORD = "Lule-Bore-2026!";

export const fakeReference: ReferenceSet = {
  version: "test-1",
  articles: [
    { code: "100", title_sq: "Marrëdhënie seksuale me të mitur nën 14 vjeç", title_en: "Sexual intercourse with a minor under 14", validity: { valid_from: "1995-06-01", valid_to: null }, confirmed: true },
    { code: "101", title_sq: "Marrëdhënie seksuale me dhunë me të mitur 14–18 vjeç", title_en: "Violent sexual intercourse with a minor aged 14 to 18", validity: { valid_from: "1995-06-01", valid_to: null }, confirmed: true },
    { code: "108", title_sq: "Vepra të turpshme me fëmijë", title_en: "Indecent acts with a child", validity: { valid_from: "1995-06-01", valid_to: null }, confirmed: true },
    { code: "108/a", title_sq: "Ngacmimi seksual (i pakonfirmuar)", title_en: "Sexual harassment (unconfirmed)", validity: { valid_from: "1995-06-01", valid_to: null }, confirmed: false },
  ],
  counties: [
    { code: "tirane", name: "Tiranë" },
    { code: "durres", name: "Durrës" },
  ],
  municipalities: [
    { code: "tirane", name: "Tiranë", county_code: "tirane" },
    { code: "kamez", name: "Kamëz", county_code: "tirane" },
    { code: "kavaje", name: "Kavajë", county_code: "tirane" },
    { code: "durres", name: "Durrës", county_code: "durres" },
  ],
  directorates: [
    { code: "dvp-tirane", name: "Drejtoria Vendore e Policisë Tiranë", county_code: "tirane" },
    { code: "dvp-durres", name: "Drejtoria Vendore e Policisë Durrës", county_code: "durres" },
  ],
  jurisdictions: [],
  courts: [
    { code: "gj-tirane", name: "Gjykata e Shkallës së Parë Tiranë", kind: "first_instance", validity: { valid_from: "1900-01-01", valid_to: null }, confirmed: true },
    { code: "gj-durres", name: "Gjykata e Shkallës së Parë Durrës", kind: "first_instance", validity: { valid_from: "1900-01-01", valid_to: null }, confirmed: true },
    { code: "gj-kavaje", name: "Gjykata e Shkallës së Parë Kavajë", kind: "first_instance", validity: { valid_from: "1900-01-01", valid_to: "2023-09-01" }, confirmed: false },
  ],
  countries: [
    { code: "AL", name_sq: "Shqipëri", name_en: "Albania" },
    { code: "IT", name_sq: "Itali", name_en: "Italy" },
    { code: "GR", name_sq: "Greqi", name_en: "Greece" },
  ],
};

const MESSAGES: Record<string, Text> = {
  required: { sq: "Fusha është e detyrueshme.", en: "This field is required." },
  date_invalid: { sq: "Data duhet të jetë dd.mm.vvvv.", en: "The date must be dd.mm.yyyy." },
  sex_invalid: { sq: "Gjinia duhet të jetë M ose F.", en: "Sex must be M or F." },
  nid_format: { sq: "Numri personal duhet të ketë 10 shenja.", en: "The personal number must have 10 characters." },
  nid_check_letter: {
    sq: "Shkronja e kontrollit nuk përputhet me rregullin jozyrtar.",
    en: "The check letter does not match the unofficial rule.",
  },
  convictions_required: { sq: "Dosja duhet të ketë të paktën një dënim.", en: "A file needs at least one conviction." },
  articles_required: { sq: "Zgjidhni të paktën një nen.", en: "Choose at least one article." },
  article_unknown: { sq: "Neni nuk njihet.", en: "Unknown article." },
  number_invalid: { sq: "Duhet të jetë numër.", en: "Must be a number." },
  foreign_country_required: { sq: "Zgjidhni shtetin.", en: "Choose the country." },
  foreign_court_required: { sq: "Shkruani gjykatën.", en: "Enter the court." },
  date_in_future: { sq: "Data nuk mund të jetë në të ardhmen.", en: "The date cannot be in the future." },
  date_order: { sq: "Data e mbarimit duhet të jetë pas datës së fillimit.", en: "The end date must come after the start date." },
  trip_country_required: { sq: "Për një udhëtim jashtë shtetit duhet shteti.", en: "A trip abroad needs the country." },
  country_unknown: { sq: "Shteti nuk njihet.", en: "Unknown country." },
  municipality_unknown: { sq: "Bashkia nuk njihet.", en: "Unknown municipality." },
  kind_invalid: { sq: "Lloji nuk njihet.", en: "Unknown kind." },
  photo_or_reason_required: {
    sq: "Paraqitja periodike kërkon një foto të re, ose arsyen pse nuk u bë.",
    en: "A check-in needs a new photo, or the reason why none was taken.",
  },
  photo_unknown: { sq: "Fotoja nuk gjendet në këtë dosje (ose është shfuqizuar).", en: "The photo is not in this file (or it was voided)." },
  photo_too_large: {
    sq: "Fotoja është shumë e madhe: lejohen deri në 512 KB dhe 4096 piksela për anë.",
    en: "The photo is too large: at most 512 KB and 4096 pixels a side are allowed.",
  },
  photo_format: { sq: "Skedari nuk është një foto JPEG ose PNG e plotë.", en: "The file is not a whole JPEG or PNG photo." },
  number_range: { sq: "Numri është jashtë kufijve.", en: "The number is out of range." },
  band_order: { sq: "Kufijtë e dënimit duhet të rriten nga një rresht te tjetri.", en: "Sentence limits must increase from one row to the next." },
  band_open_end: { sq: "Rreshti i fundit duhet të mbulojë çdo dënim më të gjatë (pa kufi).", en: "The last row must cover every longer sentence (no limit)." },
  rule_effective_past: { sq: "Rregullat e reja hyjnë në fuqi sot ose më vonë, jo në të kaluarën.", en: "New rules take effect today or later, never in the past." },
  time_format: { sq: "Ora duhet të jetë në formatin oo:mm (p.sh. 09:30).", en: "The time must be written hh:mm (e.g. 09:30)." },
  trip_unknown: { sq: "Zgjidhni një udhëtim të deklaruar të kësaj dosjeje (jo të shfuqizuar).", en: "Choose a declared trip of this file (not a voided one)." },
  trip_unchanged: { sq: "Ndryshimi nuk ndryshon asgjë në udhëtim (data, vendi).", en: "The change changes nothing in the trip (dates, destination)." },
  change_before_trip: { sq: "Ndryshimi nuk mund të jetë deklaruar para vetë udhëtimit.", en: "The change cannot have been declared before the trip itself." },
  name_unchanged: { sq: "Emri i ri është i njëjtë me të vjetrin.", en: "The new name is the same as the old one." },
  invalid_characters: { sq: "Përmban shenja të palejuara.", en: "Contains characters that are not allowed." },
};

function problem(field: string, code: string, severity: "error" | "warning" = "error"): FieldError {
  return { field, code, severity, message: MESSAGES[code] ?? { sq: code, en: code } };
}

function appError(code: string, message: Text, fields: FieldError[] = []): AppError {
  return { code, message, fields };
}

const NID_ALPHABET = "WABCDEFGHIJKLMNOPQRSTUV";
const NID_WEIGHTS = [1, 1, 2, 3, 4, 5, 6, 7, 8];

/** The check letter as open-source validators compute it (DOMAIN.md §6). */
export function nidCheckLetter(first9: string): string {
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    const ch = first9[i]!;
    const v = /\d/.test(ch) ? Number(ch) : NID_ALPHABET.indexOf(ch);
    sum += v * NID_WEIGHTS[i]!;
  }
  return NID_ALPHABET[sum % 23]!;
}

/** Diacritics and case aside, as the real search compares names. */
export function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

export interface PersonSeed {
  surname: string;
  given_name: string;
  father_name?: string;
  sex?: "M" | "F";
  date_of_birth?: string; // ISO
  nid?: string | null;
  municipality_code?: string | null;
  /** "approved" (the default: registered) or "pending" (new, waiting for a supervisor). */
  status?: "approved" | "pending";
  /** Who wrote the stored version (for the four-eyes rule). */
  author?: string;
  owning_directorate?: string;
  /** The conviction's final date (ISO): the registration starts on it. Default 2019-07-01. */
  final_date?: string;
  /** The conviction's sentence in months. Default 60. */
  sentence_months?: number;
  /**
   * The day the file was first approved (ISO), from which reports are owed unless a
   * registration notice says otherwise. Default: the final date (registered from the start).
   */
  approved_on?: string;
}


/** The content of a seeded person's file (one conviction, a residence when the seed names a municipality). */
function personData(id: string, seed: PersonSeed): FileData {
  return {
    identity: {
      surname: seed.surname,
      given_name: seed.given_name,
      father_name: seed.father_name ?? "Petrit",
      mother_name: "",
      sex: seed.sex ?? "M",
      date_of_birth: seed.date_of_birth ?? "1980-02-29",
      place_of_birth: "Tiranë",
      nid: seed.nid === undefined ? null : seed.nid,
      nid_check_overridden: false,
      citizenships: ["AL"],
      aliases: [],
    },
    description: { height_cm: 178, eye_colour: "kafe", hair_colour: "zeza", marks: "" },
    convictions: [
      {
        id: `${id}-c0`,
        foreign: false,
        country: "AL",
        court_code: "gj-tirane",
        court_name: "",
        decision_number: "123/2019",
        decision_date: "2019-05-10",
        final_date: seed.final_date ?? "2019-07-01",
        articles: ["100"],
        sentence_months: seed.sentence_months ?? 60,
        sentence_text: "",
        custody_from: null,
        release_date: null,
        recognition: "",
        victim_age: 12,
        victim_relationship: "",
      },
    ],
    addresses: seed.municipality_code
      ? [{ id: `${id}-a0`, kind: "residence", municipality_code: seed.municipality_code, street: "Rr. e Kavajës 1", from: "2024-01-15", to: null }]
      : [],
  };
}

/** Who may do what, as crates/regjistri-domain/src/access.rs says (the UI only mirrors it). */
type Scope = "national" | "own";
type Op =
  | "read_reference_data"
  | "search_files"
  | "view_file"
  | "open_edit_form"
  | "check_draft"
  | "create_file"
  | "update_file"
  | "view_approval_queue"
  | "approve_file"
  | "return_file"
  | "read_audit"
  | "verify_audit"
  | "manage_users"
  | "release_locked_account"
  | "view_compliance"
  | "add_record"
  | "confirm_record"
  | "serve_notice"
  | "manage_rules"
  | "view_sync_status"
  | "synchronise"
  | "enrol_station"
  | "resolve_conflicts"
  | "fetch_remote_file"
  | "view_photo";

export function scope(role: Role, op: Op): Scope | null {
  switch (op) {
    case "read_reference_data":
      return "national";
    case "search_files":
    case "view_file":
      return role === "auditor" ? null : "national";
    case "open_edit_form":
    case "check_draft":
    case "create_file":
    case "update_file":
      return role === "clerk" || role === "supervisor" ? "own" : null;
    case "view_approval_queue":
    case "approve_file":
    case "return_file":
      return role === "supervisor" ? "own" : null;
    case "read_audit":
      return role === "auditor" ? "national" : null;
    case "verify_audit":
      return role === "auditor" || role === "administrator" ? "national" : null;
    case "manage_users":
      return role === "administrator" ? "national" : null;
    case "release_locked_account":
      return role === "supervisor" ? "own" : role === "administrator" ? "national" : null;
    case "view_compliance":
      return role === "clerk" || role === "supervisor" ? "national" : null;
    case "add_record":
    case "serve_notice":
      return role === "clerk" || role === "supervisor" ? "own" : null;
    case "confirm_record":
      return role === "supervisor" ? "own" : null;
    case "manage_rules":
      return role === "administrator" ? "national" : null;
    case "view_sync_status":
      return "national";
    case "synchronise":
      return role === "auditor" ? null : "national";
    case "enrol_station":
      return role === "administrator" ? "national" : null;
    case "resolve_conflicts":
      return role === "supervisor" ? "own" : null;
    case "fetch_remote_file":
      return role === "clerk" || role === "supervisor" ? "national" : null;
    case "view_photo":
      return role === "clerk" || role === "supervisor" ? "own" : null;
  }
}

export function emptyRecordDraft(): RecordDraft {
  return {
    kind: "", date: "", end_date: "", reported_on: "", reported_time: "", trip_id: "", old_surname: "", old_given_name: "", new_surname: "",
    new_given_name: "", officer: "", note: "", photo_id: "", no_photo_reason: "", choice: "", municipality_code: "", street: "", foreign: false,
    country: "", destination: "", purpose: "", organisation: "", role: "", contact_with_children: false,
  };
}

export interface FakeUser {
  id: string;
  user_name: string;
  role: Role;
  directorate: string;
  password: string;
  disabled: boolean;
  locked: boolean;
  must_change_password: boolean;
  failures: number;
}

interface Stored {
  file: OffenderFile;
  history: FileView["history"];
  /** The version that stands, if the file was ever approved. */
  approvedData: FileData | null;
  approved: FileView["approved"];
  /** The day of the first approval (Europe/Tirane): reports are owed from it, absent a registration notice. */
  firstApprovedOn: string | null;
  /** Who wrote versions since the last approval: they may not decide on them. */
  authors: string[];
  records: FileRecord[];
  notices: RuleNotice[];
  /** Photos with their images (base64), oldest first. */
  photos: { photo: Photo; data: string }[];
}

/** A 1 × 1 PNG: the fake's photos (nobody's face). */
export const FAKE_PHOTO_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/** Width and height of a JPEG or PNG, as the Rust side reads them (0 × 0 if not found). */
function imageSize(bytes: Uint8Array): { width: number; height: number } {
  const be = (i: number, n: number) => {
    let v = 0;
    for (let k = 0; k < n; k++) v = v * 256 + (bytes[i + k] ?? 0);
    return v;
  };
  if (sniff(bytes) === "image/png") return { width: be(16, 4), height: be(20, 4) };
  let i = 2;
  while (i + 9 < bytes.length && bytes[i] === 0xff) {
    const marker = bytes[i + 1] ?? 0;
    const length = be(i + 2, 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { width: be(i + 7, 2), height: be(i + 5, 2) };
    }
    i += 2 + length;
  }
  return { width: 0, height: 0 };
}

const ERR = {
  noSession: { sq: "Hyni në sistem për të vazhduar.", en: "Sign in to continue." },
  locked: {
    sq: "Ekrani është kyçur. Shkruani fjalëkalimin për të vazhduar.",
    en: "The screen is locked. Enter your password to continue.",
  },
  expired: { sq: "Sesioni mbaroi pas 12 orësh. Hyni përsëri.", en: "The session ended after 12 hours. Sign in again." },
  forbidden: { sq: "Nuk keni të drejtë për këtë veprim.", en: "You are not allowed to do this." },
  mustChange: {
    sq: "Duhet të ndryshoni fjalëkalimin para se të vazhdoni.",
    en: "You must change your password before continuing.",
  },
  refused: {
    sq: "Emri i përdoruesit ose fjalëkalimi nuk është i saktë.",
    en: "The user name or password is not correct.",
  },
  accountLocked: {
    sq: "Llogaria është bllokuar pas shumë përpjekjeve të gabuara. Një mbikëqyrës ose administrator duhet ta zhbllokojë.",
    en: "The account is locked after too many failed attempts. A supervisor or administrator must release it.",
  },
  tooShort: { sq: "Fjalëkalimi duhet të ketë të paktën 12 shenja.", en: "The password needs at least 12 characters." },
  common: { sq: "Ky fjalëkalim është shumë i zakonshëm.", en: "This password is too common." },
  containsName: {
    sq: "Fjalëkalimi nuk duhet të përmbajë emrin e përdoruesit.",
    en: "The password must not contain the user name.",
  },
  repetitive: { sq: "Fjalëkalimi është shumë i thjeshtë.", en: "The password is too simple." },
  notFound: { sq: "Dosja nuk u gjet.", en: "File not found." },
  userNotFound: { sq: "Përdoruesi nuk u gjet.", en: "User not found." },
  conflict: { sq: "Dosja u ndryshua nga dikush tjetër ndërkohë.", en: "Someone else changed the file meanwhile." },
  ownWork: {
    sq: "Nuk mund të miratoni ose ktheni një version që e keni krijuar apo ndryshuar vetë.",
    en: "You cannot approve or return a version you created or changed yourself.",
  },
  reasonRequired: { sq: "Kthimi kërkon një arsye.", en: "Returning needs a reason." },
  notAwaiting: { sq: "Kjo dosje nuk pret miratim.", en: "This file is not awaiting approval." },
  decisionRequired: {
    sq: "Çdo dënim duhet të ketë gjykatën dhe numrin e vendimit para miratimit.",
    en: "Every conviction needs the court and decision number before approval.",
  },
  duplicate: { sq: "Ky emër përdoruesi ekziston.", en: "This user name exists already." },
  invalid: { sq: "Të dhënat kanë probleme.", en: "The data have problems." },
  recordNotFound: { sq: "Shënimi nuk u gjet.", en: "Record not found." },
  noticeNotFound: { sq: "Njoftimi nuk u gjet.", en: "Notice not found." },
  voidReason: { sq: "Anulimi kërkon një arsye.", en: "Voiding needs a reason." },
  ownRecord: {
    sq: "Nuk mund të konfirmoni ose shfuqizoni një regjistrim që e keni bërë vetë.",
    en: "You cannot confirm or void a record you made yourself.",
  },
  nothingToConfirm: { sq: "Ky regjistrim nuk ka nevojë për konfirmim.", en: "This record needs no confirmation." },
  alreadyConfirmed: { sq: "Ky regjistrim është konfirmuar tashmë.", en: "This record has been confirmed already." },
  recordConflict: { sq: "Shënimi u ndryshua nga dikush tjetër ndërkohë.", en: "Someone else changed the record meanwhile." },
  notEnrolled: {
    sq: "Ky kompjuter nuk është regjistruar ende si stacion i serverit qendror.",
    en: "This workstation is not enrolled as a station of the central server yet.",
  },
  syncRunning: { sq: "Një sinkronizim është duke u kryer.", en: "A synchronisation is under way." },
  unreachable: {
    sq: "Serveri qendror nuk u arrit. Puna vazhdon në këtë stacion; sinkronizimi provohet përsëri.",
    en: "The central server could not be reached. Work goes on at this station; synchronisation will be tried again.",
  },
  badUrl: {
    sq: "Adresa e serverit duhet të jetë https://host:port.",
    en: "The server address must be https://host:port.",
  },
  badBundle: {
    sq: "Paketa e regjistrimit duhet të përmbajë certifikatën e stacionit, çelësin privat dhe CA-në e serverit.",
    en: "The enrolment bundle must hold the station certificate, its private key and the server CA.",
  },
  conflictNotFound: { sq: "Konflikti nuk u gjet.", en: "Conflict not found." },
  conflictResolved: {
    sq: "Konflikti u vendos ndërkohë nga dikush tjetër.",
    en: "Someone else decided the conflict meanwhile.",
  },
  ownConflict: {
    sq: "Nuk mund të vendosni për një konflikt të krijuar nga ndryshimi juaj.",
    en: "You cannot decide a conflict that your own change created.",
  },
  badChoice: { sq: "Zgjedhja nuk i përket këtij konflikti.", en: "The choice does not belong to this conflict." },
  fetchReason: {
    sq: "Marrja e dosjes së një drejtorie tjetër kërkon një arsye (deri në 500 shenja).",
    en: "Fetching another directorate's file needs a reason (up to 500 characters).",
  },
} satisfies Record<string, Text>;

/** Audited actions that write the change log, so wait to be pushed. */
const CHANGES = new Set(["file.create", "file.update", "file.approve", "file.return", "record.add", "record.void", "record.confirm", "notice.serve", "rules.save"]);

const IDLE_MINUTES = 15;
const SESSION_HOURS = 12;
const MAX_FAILURES = 5;
const COMMON_PASSWORDS = ["password1234", "123456789012", "qwertyuiop12", "fjalekalimi1"];

/** Leaves of a JSON value by path; lists of objects with ids are keyed by id (as diff.rs). */
function flatten(prefix: string, value: unknown, out: Map<string, unknown>): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(prefix ? `${prefix}.${k}` : k, v, out);
  } else if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => v !== null && typeof v === "object" && typeof (v as { id?: unknown }).id === "string")
  ) {
    for (const item of value as { id: string }[]) flatten(`${prefix}[${item.id}]`, item, out);
  } else {
    out.set(prefix, value);
  }
}

/** The changed leaves between two versions, sorted by path, as crates/regjistri-domain/src/diff.rs. */
/** As ComplianceStatus::counts_as_registered: removed, deceased and ended persons are never registered. */
function countsAsRegistered(c: Compliance | null): boolean {
  const status = c?.status;
  return status !== "deceased" && status !== "removed" && status !== "period_ended";
}

export function diff(old: unknown, now: unknown): FieldChange[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flatten("", old, a);
  flatten("", now, b);
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  const out: FieldChange[] = [];
  for (const [path, v] of b) if (!a.has(path) || !same(a.get(path), v)) out.push({ path, old: a.has(path) ? a.get(path) : null, new: v });
  for (const [path, v] of a) if (!b.has(path)) out.push({ path, old: v, new: null });
  return out.filter((c) => !(c.old === null && c.new === null)).sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

export interface FakeOptions {
  /** The user whose session is live when the app starts (as after a reload of the window); null: nobody. Default "clerk". */
  signedInAs?: string | null;
  /** Whether this workstation is enrolled as a station (default true: "st-tr-01", last synchronised 28.03.2026 17:05 Tirana time). */
  enrolled?: boolean;
  /** Whether the central server answers (default true); `setOnline()` changes it. */
  online?: boolean;
}

/** The station's synchronisation as the fake keeps it; `syncStatus()` reports it. */
export interface FakeSync {
  enrolled: boolean;
  /** Whether the server answers now (the test's switch). */
  reachable: boolean;
  station: string;
  directorate: string;
  /** A station of the central administration (default false: a regional station). */
  administration: boolean;
  server_url: string | null;
  /** What the last attempt found (null: no attempt since start). */
  online: boolean | null;
  running: boolean;
  progress: SyncProgress | null;
  pending: number;
  last_success_at: string | null;
  last_attempt_at: string | null;
  last_error: AppError | null;
  /** Open conflicts as of the last synchronisation (null before the first). */
  open_conflicts: number | null;
}

export class FakeBackend implements Backend {
  readonly calls: Call[] = [];
  info: AppInfo = {
    version: "0.1.0-test",
    database_path: "/tmp/regjistri-test.db",
    station: "Komisariati Tiranë 1",
    directorate_code: "dvp-tirane",
    reference_version: "test-1",
    file_count: 0,
  };
  reference: ReferenceSet = fakeReference;
  readonly users: FakeUser[] = [];
  readonly audit: AuditEntry[] = [];
  private files = new Map<string, Stored>();
  private order: string[] = [];
  private nextId = 1;
  private nextUser = 1;
  private nextOtp = 1;
  private current: { userId: string; signedInAt: string; locked: boolean; expired: boolean } | null = null;
  private failures = new Map<Method, unknown[]>();
  private nextRecord = 1;
  /** Today in Europe/Tirane, as the Rust clock would say (FIXED_NOW's day). */
  today = "2026-03-29";
  /** The rule book, oldest first; version 1 holds the provisional defaults. */
  readonly rules: RuleSet[] = [
    { version: 1, effective_from: "1995-06-01", values: provisionalValues(), provisional: true, note: "" },
  ];
  private holds = new Map<Method, Promise<void>>();
  /** The station's synchronisation state (tests may set fields directly). */
  readonly sync: FakeSync;
  /** This station's changes the server did not simply apply, newest first. */
  issues: SyncIssue[] = seedIssues();
  /** Conflicts on the fake server (every directorate's; resolved ones stay, marked). */
  readonly serverConflicts: FakeConflict[] = seedConflicts();
  /** What supervisors decided, in order. */
  readonly decisions: ConflictDecision[] = [];
  /** Other directorates' files on the fake server; the station knows their index entries once enrolled. */
  readonly remote: FakeRemote[] = seedRemote();
  /** The station an enrolment bundle makes of this workstation. */
  enrolAs = { code: "st-tr-07", directorate: "dvp-tirane" };
  private roundHeld = false;
  private roundDone: (() => void) | null = null;

  constructor(options: FakeOptions = {}) {
    const enrolled = options.enrolled ?? true;
    const online = options.online ?? true;
    this.sync = {
      enrolled,
      reachable: online,
      // as the Rust side: the workstation's own name until an enrolment gives it a code
      station: enrolled ? FAKE_STATION : this.info.station,
      directorate: "dvp-tirane",
      administration: false,
      server_url: enrolled ? FAKE_SERVER_URL : null,
      online: enrolled ? online : null,
      running: false,
      progress: null,
      pending: enrolled ? 2 : 0,
      last_success_at: enrolled ? FAKE_LAST_SYNC : null,
      last_attempt_at: enrolled ? FAKE_LAST_SYNC : null,
      last_error: null,
      open_conflicts: null,
    };
    if (!enrolled) this.issues = [];
    else this.sync.open_conflicts = this.openConflictsOf("dvp-tirane").length;
    if (enrolled && !online) this.setOnline(false);
    this.addUser("admin", "administrator", "dvp-tirane");
    this.addUser("clerk", "clerk", "dvp-tirane");
    this.addUser("supervisor", "supervisor", "dvp-tirane");
    this.addUser("auditor", "auditor", "dvp-tirane");
    this.addUser("supervisor.durres", "supervisor", "dvp-durres");
    const who = options.signedInAs === undefined ? "clerk" : options.signedInAs;
    if (who !== null) this.startSession(who);
  }

  // --- test controls -------------------------------------------------------------------

  /** The next call of `method` rejects with `error`, exactly as given (not normalised). */
  failNext(method: Method, error: unknown): this {
    const list = this.failures.get(method) ?? [];
    list.push(error);
    this.failures.set(method, list);
    return this;
  }

  /** Calls of `method` wait until the returned function is called. */
  hold(method: Method): () => void {
    let release = () => {};
    this.holds.set(method, new Promise<void>((r) => (release = r)));
    return () => {
      this.holds.delete(method);
      release();
    };
  }

  callsOf(method: Method): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  /** A user with FAKE_PASSWORD (unless given); returns it. */
  addUser(user_name: string, role: Role, directorate: string, extra: Partial<FakeUser> = {}): FakeUser {
    const user: FakeUser = {
      id: `10000000-0000-4000-8000-${String(this.nextUser++).padStart(12, "0")}`,
      user_name,
      role,
      directorate,
      password: FAKE_PASSWORD,
      disabled: false,
      locked: false,
      must_change_password: false,
      failures: 0,
      ...extra,
    };
    this.users.push(user);
    return user;
  }

  user(name: string): FakeUser {
    const u = this.users.find((x) => x.user_name === name);
    if (!u) throw new Error(`no fake user ${name}`);
    return u;
  }

  /** A live session for `userName`, as if they had signed in (no call recorded). */
  startSession(userName: string): void {
    this.current = { userId: this.user(userName).id, signedInAt: FIXED_NOW, locked: false, expired: false };
  }

  /** The idle time ran out: the next operation finds the screen locked. */
  lockSession(): void {
    if (this.current) this.current.locked = true;
  }

  /** The 12 hours ran out: the next operation finds no session. */
  expireSession(): void {
    if (this.current) this.current.expired = true;
  }

  /** The signed-in user's name, or null. */
  get signedIn(): string | null {
    return this.current ? (this.users.find((u) => u.id === this.current!.userId)?.user_name ?? null) : null;
  }

  /** `n` audit events by `actor`, seq ascending, for paging. */
  addAuditEvents(n: number, actor = "clerk", action = "file.view"): void {
    for (let i = 0; i < n; i++) this.record(actor, action, "file", `obj-${this.audit.length + 1}`);
  }

  private async enter(method: Method, args: unknown[]): Promise<void> {
    this.calls.push({ method, args: structuredClone(args) });
    await this.holds.get(method);
    const list = this.failures.get(method);
    if (list && list.length > 0) throw list.shift();
  }

  private record(actor: string, action: string, object_type: string, object_id: string, outcome = "ok"): void {
    if (outcome === "ok" && CHANGES.has(action)) this.sync.pending++;
    this.audit.push({
      seq: this.audit.length + 1,
      at: FIXED_NOW,
      actor,
      station: this.info.station,
      action,
      object_type,
      object_id,
      outcome,
    });
  }

  private sessionUser(): FakeUser | null {
    return this.current ? (this.users.find((u) => u.id === this.current!.userId) ?? null) : null;
  }

  private sessionInfo(): SessionInfo {
    const u = this.sessionUser()!;
    const start = Date.parse(this.current!.signedInAt);
    return {
      user_id: u.id,
      user_name: u.user_name,
      role: u.role,
      directorate: u.directorate,
      must_change_password: u.must_change_password,
      locked: this.current!.locked,
      signed_in_at: this.current!.signedInAt,
      expires_at: new Date(start + SESSION_HOURS * 3600_000).toISOString(),
      idle_minutes: IDLE_MINUTES,
    };
  }

  /** As Registry::authorize: a live, unlocked session whose role (and directorate) may do `op`. */
  private authorize(op: Op, target?: string): FakeUser {
    const u = this.sessionUser();
    if (!this.current || !u) throw appError("no_session", ERR.noSession);
    if (this.current.expired) {
      this.current = null;
      throw appError("session_expired", ERR.expired);
    }
    if (this.current.locked) throw appError("session_locked", ERR.locked);
    if (u.must_change_password) throw appError("password_change_required", ERR.mustChange);
    const s = scope(u.role, op);
    if (s === null || (s === "own" && target !== undefined && target !== u.directorate)) {
      this.record(u.user_name, "access.denied", "operation", op, s === null ? "refused" : "refused_other_directorate");
      throw appError("forbidden", ERR.forbidden);
    }
    return u;
  }

  private stored(id: string): Stored {
    const s = this.files.get(id);
    if (!s) throw appError("not_found", ERR.notFound);
    return s;
  }

  private userById(id: string): FakeUser {
    const u = this.users.find((x) => x.id === id);
    if (!u) throw appError("not_found", ERR.userNotFound);
    return u;
  }

  private summaryOf(u: FakeUser): UserSummary {
    return {
      id: u.id,
      user_name: u.user_name,
      role: u.role,
      directorate: u.directorate,
      disabled: u.disabled,
      locked: u.locked,
      must_change_password: u.must_change_password,
    };
  }

  /** Checks a password as the store does, counting failures towards the lockout. */
  private checkPassword(u: FakeUser | undefined, password: string): "ok" | "refused" | "locked" {
    if (!u || u.disabled) return "refused";
    if (u.locked) return "locked";
    if (u.password === password) {
      u.failures = 0;
      return "ok";
    }
    u.failures++;
    if (u.failures >= MAX_FAILURES) u.locked = true;
    return u.locked ? "locked" : "refused";
  }

  private oneTimePassword(): string {
    return `Nj${String(this.nextOtp++).padStart(4, "0")}-kXv7-pQ2m`;
  }

  // --- files ----------------------------------------------------------------------------

  /** Adds a stored file (approved unless the seed says pending) and returns its id. */
  addPerson(seed: PersonSeed): string {
    const id = `00000000-0000-4000-8000-${String(this.nextId++).padStart(12, "0")}`;
    const status = seed.status ?? "approved";
    const author = seed.author ?? "test";
    const file: OffenderFile = {
      id,
      version: 1,
      status,
      owning_directorate: seed.owning_directorate ?? "dvp-tirane",
      data: personData(id, seed),
      created_at: FIXED_NOW,
      created_by: author,
      updated_at: FIXED_NOW,
      updated_by: author,
    };
    const approved = status === "approved";
    this.files.set(id, {
      file,
      history: [{ version: 1, at: FIXED_NOW, actor: author, action: "create", reason: null, changes: [] }],
      approvedData: approved ? structuredClone(file.data) : null,
      approved: approved ? { version: 1, approved_by: "test.supervisor", approved_at: FIXED_NOW } : null,
      firstApprovedOn: approved ? (seed.approved_on ?? file.data.convictions[0]!.final_date) : null,
      authors: approved ? [] : [author],
      records: [],
      notices: [],
      photos: [],
    });
    this.order.push(id);
    this.info = { ...this.info, file_count: this.files.size };
    return id;
  }

  /** `n` synthetic persons, "Person0001"…, for paging. */
  addMany(n: number, municipality_code: string | null = "tirane"): void {
    for (let i = 1; i <= n; i++) {
      this.addPerson({ surname: `Person${String(i).padStart(4, "0")}`, given_name: "Test", municipality_code });
    }
  }

  /** The stored file as it stands (for assertions). */
  file(id: string): OffenderFile {
    return structuredClone(this.stored(id).file);
  }

  private summary(id: string, matched: FileSummary["matched"]): FileSummary {
    const s = this.files.get(id)!;
    const f = s.file;
    const who = f.data.identity;
    const current = f.data.addresses.find((a) => a.kind === "residence" && a.to === null);
    return {
      id,
      version: f.version,
      status: f.status,
      surname: who.surname,
      given_name: who.given_name,
      father_name: who.father_name,
      date_of_birth: who.date_of_birth,
      nid: who.nid,
      municipality_code: current?.municipality_code ?? null,
      municipality_name: current ? (this.reference.municipalities.find((m) => m.code === current.municipality_code)?.name ?? null) : null,
      owning_directorate: f.owning_directorate,
      matched,
      registered: this.registered(s),
      compliance: this.complianceOf(s)?.status ?? null,
    };
  }

  /** Writes a new version (as Store::write_file): version + 1, history, audit. */
  private write(s: Stored, actor: string, action: "update" | "approve" | "return", data: FileData, status: OffenderFile["status"], reason: string | null): Saved {
    const version = s.file.version + 1;
    const changes = diff(s.file.data, data);
    s.file = { ...s.file, version, status, data, updated_at: FIXED_NOW, updated_by: actor };
    s.history.push({ version, at: FIXED_NOW, actor, action, reason, changes });
    this.record(actor, `file.${action}`, "file", s.file.id);
    return { id: s.file.id, version };
  }

  // --- public ---------------------------------------------------------------------------

  async appInfo(): Promise<AppInfo> {
    await this.enter("appInfo", []);
    const live = this.current !== null && !this.current.expired;
    return { ...this.info, file_count: live ? this.files.size : null };
  }

  // --- session --------------------------------------------------------------------------

  async signIn(userName: string, password: string): Promise<SessionInfo> {
    await this.enter("signIn", [userName, password]);
    const u = this.users.find((x) => x.user_name === userName.trim());
    const answer = this.checkPassword(u, password);
    this.record(u?.user_name ?? userName.trim(), "auth.sign_in", "user", u?.id ?? "", answer === "ok" ? "ok" : answer);
    if (answer === "refused") throw appError("sign_in_refused", ERR.refused);
    if (answer === "locked") throw appError("account_locked", ERR.accountLocked);
    this.current = { userId: u!.id, signedInAt: FIXED_NOW, locked: false, expired: false };
    return this.sessionInfo();
  }

  async signOut(): Promise<void> {
    await this.enter("signOut", []);
    const u = this.sessionUser();
    if (u) this.record(u.user_name, "auth.sign_out", "user", u.id);
    this.current = null;
  }

  async session(): Promise<SessionInfo> {
    await this.enter("session", []);
    if (!this.current) throw appError("no_session", ERR.noSession);
    if (this.current.expired) {
      this.current = null;
      throw appError("session_expired", ERR.expired);
    }
    return this.sessionInfo();
  }

  async lock(): Promise<void> {
    await this.enter("lock", []);
    if (!this.current) throw appError("no_session", ERR.noSession);
    this.current.locked = true;
  }

  async unlock(password: string): Promise<SessionInfo> {
    await this.enter("unlock", [password]);
    const u = this.sessionUser();
    if (!this.current || !u) throw appError("no_session", ERR.noSession);
    const answer = this.checkPassword(u, password);
    if (answer === "refused") throw appError("sign_in_refused", ERR.refused);
    if (answer === "locked") {
      this.current = null;
      throw appError("account_locked", ERR.accountLocked);
    }
    if (this.current.expired) {
      this.current = null;
      throw appError("session_expired", ERR.expired);
    }
    this.current.locked = false;
    return this.sessionInfo();
  }

  async changePassword(current: string, newPassword: string): Promise<SessionInfo> {
    await this.enter("changePassword", [current, newPassword]);
    const u = this.sessionUser();
    if (!this.current || !u) throw appError("no_session", ERR.noSession);
    if (this.current.locked) throw appError("session_locked", ERR.locked);
    if ([...newPassword].length < 12) throw appError("password_too_short", ERR.tooShort);
    if (newPassword.toLowerCase().includes(u.user_name.toLowerCase())) {
      throw appError("password_contains_user_name", ERR.containsName);
    }
    if (COMMON_PASSWORDS.includes(newPassword.toLowerCase())) throw appError("password_common", ERR.common);
    if (new Set(newPassword).size < 4 || newPassword === current) throw appError("password_repetitive", ERR.repetitive);
    const answer = this.checkPassword(u, current);
    if (answer === "refused") throw appError("sign_in_refused", ERR.refused);
    if (answer === "locked") throw appError("account_locked", ERR.accountLocked);
    u.password = newPassword;
    u.must_change_password = false;
    this.record(u.user_name, "user.change_password", "user", u.id);
    return this.sessionInfo();
  }

  // --- reading and writing files -------------------------------------------------------

  async referenceData(): Promise<ReferenceSet> {
    await this.enter("referenceData", []);
    this.authorize("read_reference_data");
    return this.reference;
  }

  async searchFiles(query: SearchQuery): Promise<SearchPage> {
    await this.enter("searchFiles", [query]);
    const u = this.authorize("search_files");
    const pageSize = query.page_size === 0 ? PAGE_SIZE : Math.min(200, query.page_size);
    const words = fold(query.text).split(/\s+/).filter(Boolean);
    const hits: FileSummary[] = [];
    for (const id of this.order) {
      const f = this.files.get(id)!.file;
      const who = f.data.identity;
      const current = f.data.addresses.find((a) => a.kind === "residence" && a.to === null);
      if (query.municipality_code && current?.municipality_code !== query.municipality_code) continue;
      let matched: FileSummary["matched"] = "listed";
      if (words.length > 0) {
        const names = [who.surname, who.given_name, who.father_name].map(fold);
        const keys = [...names, fold(who.nid ?? ""), isoToDisplay(who.date_of_birth)];
        const exact = words.every((w) => keys.includes(w));
        const prefix = words.every((w) => keys.some((k) => k.startsWith(w)));
        if (!prefix) continue;
        matched = exact ? "exact" : "prefix";
      }
      hits.push(this.summary(id, matched));
    }
    const rank = { exact: 0, variant: 1, prefix: 2, listed: 3 };
    hits.sort((a, b) => rank[a.matched] - rank[b.matched] || a.surname.localeCompare(b.surname, "sq"));
    this.record(u.user_name, "file.search", "search", "");
    return {
      total: hits.length,
      page: query.page,
      page_size: pageSize,
      items: hits.slice(query.page * pageSize, (query.page + 1) * pageSize),
      interpreted_as: words.length ? "name" : "none",
      national: query.page === 0 ? this.nationalHits(words).slice(0, pageSize) : [],
    };
  }

  async getFile(id: string): Promise<FileView> {
    await this.enter("getFile", [id]);
    const u = this.authorize("view_file");
    const s = this.stored(id);
    this.record(u.user_name, "file.view", "file", id);
    const mayViewPhotos = scope(u.role, "view_photo") !== null && u.directorate === s.file.owning_directorate;
    return structuredClone({
      file: s.file,
      history: s.history,
      approved: s.approved,
      pending_changes: s.approvedData && s.file.status === "amended" ? diff(s.approvedData, s.file.data) : [],
      registered: this.registered(s),
      compliance: this.complianceOf(s),
      // As the app layer: nothing of the photos for whoever may not see them.
      latest_photo: mayViewPhotos ? this.latestPhoto(s) : null,
      may_view_photos: mayViewPhotos,
    });
  }

  /** The latest photo that is not voided (by day taken, then by when recorded). */
  private latestPhoto(s: Stored): Photo | null {
    const live = s.photos.filter((p) => !p.photo.void).map((p) => p.photo);
    live.sort((a, b) => b.taken_on.localeCompare(a.taken_on) || b.recorded_at.localeCompare(a.recorded_at));
    return live[0] ?? null;
  }

  /**
   * Adds a photo as if an officer had taken it (no call recorded); returns it. `data` is the
   * image base64 (a 1 × 1 PNG unless given).
   */
  addPhotoTo(fileId: string, takenOn: string, data = FAKE_PHOTO_PNG, by = "test", voided: string | null = null): Photo {
    const s = this.stored(fileId);
    const bytes = fromBase64(data);
    const size = imageSize(bytes);
    const photo: Photo = {
      id: `40000000-0000-4000-8000-${String(this.nextRecord++).padStart(12, "0")}`,
      file_id: fileId,
      taken_on: takenOn,
      taken_by: by,
      media_type: sniff(bytes) ?? "image/png",
      byte_len: bytes.length,
      width: size.width,
      height: size.height,
      sha256: "0".repeat(64),
      recorded_at: FIXED_NOW,
      void: voided ? { reason: voided, by: "test.supervisor", at: FIXED_NOW } : null,
    };
    s.photos.push({ photo, data });
    return structuredClone(photo);
  }

  private photoById(photoId: string): { s: Stored; entry: { photo: Photo; data: string } } {
    for (const s of this.files.values()) {
      const entry = s.photos.find((p) => p.photo.id === photoId);
      if (entry) return { s, entry };
    }
    throw appError("not_found", ERR.notFound);
  }

  /** As Registry::add_photo: the bytes are checked by content and size; the day is dd.mm.yyyy, not in the future. */
  async addPhoto(fileId: string, upload: PhotoUpload): Promise<Photo> {
    await this.enter("addPhoto", [fileId, upload]);
    this.authorize("add_record");
    const s = this.stored(fileId);
    const u = this.authorize("add_record", s.file.owning_directorate);
    const iso = upload.taken_on.trim() ? displayToIso(upload.taken_on) : null;
    if (!upload.taken_on.trim()) throw appError("validation", ERR.invalid, [problem("taken_on", "required")]);
    if (!iso) throw appError("validation", ERR.invalid, [problem("taken_on", "date_invalid")]);
    if (iso > this.today) throw appError("validation", ERR.invalid, [problem("taken_on", "date_in_future")]);
    const refuse = (code: string) => {
      const field = problem("photo", code === "photo_required" ? "required" : code);
      return appError(code, field.message, [field]);
    };
    const text = upload.data_base64.trim();
    if (!text) throw refuse("photo_required");
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(text);
    } catch {
      throw refuse("photo_format");
    }
    if (bytes.length > MAX_PHOTO_BYTES) throw refuse("photo_too_large");
    if (!sniff(bytes)) throw refuse("photo_format");
    const photo = this.addPhotoTo(fileId, iso, text, u.user_name);
    this.record(u.user_name, "photo.add", "offender_file", fileId, `ok photo=${photo.id}`);
    return photo;
  }

  /** As Registry::photo: the owning directorate's clerks and supervisors; audited as a view. */
  async getPhoto(photoId: string): Promise<PhotoImage> {
    await this.enter("getPhoto", [photoId]);
    this.authorize("view_photo");
    const { s, entry } = this.photoById(photoId);
    const u = this.authorize("view_photo", s.file.owning_directorate);
    this.record(u.user_name, "photo.view", "offender_file", s.file.id, `ok photo=${photoId}`);
    return structuredClone({ photo: entry.photo, data_base64: entry.data });
  }

  async listPhotos(fileId: string): Promise<Photo[]> {
    await this.enter("listPhotos", [fileId]);
    this.authorize("view_photo");
    const s = this.stored(fileId);
    this.authorize("view_photo", s.file.owning_directorate);
    const newest = s.photos.map((p) => p.photo);
    newest.sort((a, b) => b.taken_on.localeCompare(a.taken_on) || b.recorded_at.localeCompare(a.recorded_at) || b.id.localeCompare(a.id));
    return structuredClone(newest);
  }

  /** As Registry::void_photo: a supervisor other than who took it, with a reason. */
  async voidPhoto(photoId: string, reason: string): Promise<Photo> {
    await this.enter("voidPhoto", [photoId, reason]);
    this.authorize("confirm_record");
    const { s, entry } = this.photoById(photoId);
    const u = this.authorize("confirm_record", s.file.owning_directorate);
    const why = reason.trim();
    if (!why || [...why].length > 1000) throw appError("reason_required", ERR.voidReason, [problem("reason", "required")]);
    if (entry.photo.taken_by === u.user_name) throw appError("own_work", ERR.ownRecord);
    if (entry.photo.void) throw appError("version_conflict", ERR.recordConflict);
    entry.photo.void = { reason: why, by: u.user_name, at: FIXED_NOW };
    this.record(u.user_name, "photo.void", "offender_file", s.file.id, `ok photo=${photoId}`);
    return structuredClone(entry.photo);
  }

  async editFile(id: string): Promise<EditForm> {
    await this.enter("editFile", [id]);
    this.authorize("open_edit_form");
    const v = this.stored(id);
    this.authorize("open_edit_form", v.file.owning_directorate);
    const d = v.file.data;
    const draft: FileDraft = {
      identity: {
        surname: d.identity.surname,
        given_name: d.identity.given_name,
        father_name: d.identity.father_name,
        mother_name: d.identity.mother_name,
        sex: d.identity.sex,
        date_of_birth: isoToDisplay(d.identity.date_of_birth),
        place_of_birth: d.identity.place_of_birth,
        nid: d.identity.nid ?? "",
        citizenships: [...d.identity.citizenships],
        aliases: d.identity.aliases.map((a) => ({ ...a, id: a.id })),
      },
      description: {
        height_cm: d.description.height_cm === null ? "" : String(d.description.height_cm),
        eye_colour: d.description.eye_colour,
        hair_colour: d.description.hair_colour,
        marks: d.description.marks,
      },
      convictions: d.convictions.map((c) => ({
        id: c.id,
        foreign: c.foreign,
        country: c.country,
        court_code: c.court_code ?? "",
        court_name: c.court_name,
        decision_number: c.decision_number,
        decision_date: isoToDisplay(c.decision_date),
        final_date: isoToDisplay(c.final_date),
        articles: [...c.articles],
        sentence_months: String(c.sentence_months),
        sentence_text: c.sentence_text,
        custody_from: isoToDisplay(c.custody_from),
        release_date: isoToDisplay(c.release_date),
        recognition: c.recognition,
        victim_age: c.victim_age === null ? "" : String(c.victim_age),
        victim_relationship: c.victim_relationship,
      })),
      addresses: d.addresses.map((a) => ({
        id: a.id,
        kind: a.kind,
        municipality_code: a.municipality_code,
        street: a.street,
        from: isoToDisplay(a.from),
        to: isoToDisplay(a.to),
      })),
      confirm_warnings: d.identity.nid_check_overridden,
    };
    return { id, base_version: v.file.version, draft };
  }

  async checkDraft(draft: FileDraft): Promise<FieldError[]> {
    await this.enter("checkDraft", [draft]);
    this.authorize("check_draft");
    return this.validate(draft);
  }

  /** The directorate of the residence's county, or the officer's own (as Registry::owning_directorate). */
  private owningDirectorate(draft: FileDraft, own: string): string {
    const m = this.reference.municipalities.find((x) => x.code === draft.addresses.find((a) => a.kind === "residence" && !a.to.trim())?.municipality_code);
    return (m && this.reference.directorates.find((d) => d.county_code === m.county_code)?.code) ?? own;
  }

  async createFile(draft: FileDraft): Promise<Saved> {
    await this.enter("createFile", [draft]);
    const u = this.authorize("create_file");
    this.refuseInvalid(draft);
    const owning = this.owningDirectorate(draft, u.directorate);
    this.authorize("create_file", owning);
    const id = this.addPerson({
      surname: draft.identity.surname.trim(),
      given_name: draft.identity.given_name.trim(),
      father_name: draft.identity.father_name.trim(),
      sex: draft.identity.sex as "M" | "F",
      date_of_birth: displayToIso(draft.identity.date_of_birth)!,
      nid: draft.identity.nid.trim() ? draft.identity.nid.replace(/\s/g, "").toUpperCase() : null,
      municipality_code: draft.addresses[0]?.municipality_code ?? null,
      status: "pending",
      author: u.user_name,
      owning_directorate: owning,
    });
    this.record(u.user_name, "file.create", "file", id);
    return { id, version: 1 };
  }

  async updateFile(id: string, baseVersion: number, draft: FileDraft): Promise<Saved> {
    await this.enter("updateFile", [id, baseVersion, draft]);
    this.authorize("update_file");
    const s = this.stored(id);
    const u = this.authorize("update_file", s.file.owning_directorate);
    this.refuseInvalid(draft);
    if (baseVersion !== s.file.version) throw appError("version_conflict", ERR.conflict);
    const surname = draft.identity.surname.trim();
    const data: FileData = { ...s.file.data, identity: { ...s.file.data.identity, surname } };
    const saved = this.write(s, u.user_name, "update", data, s.approvedData ? "amended" : "pending", null);
    if (!s.authors.includes(u.user_name)) s.authors.push(u.user_name);
    return saved;
  }

  private refuseInvalid(draft: FileDraft): void {
    const problems = this.validate(draft);
    const errors = problems.some((p) => p.severity === "error");
    const unconfirmed = !draft.confirm_warnings && problems.some((p) => p.severity === "warning");
    if (errors || unconfirmed) {
      throw appError("validation", { sq: "Dosja ka probleme.", en: "The file has problems." }, problems);
    }
  }

  // --- four eyes ------------------------------------------------------------------------

  async approvalQueue(): Promise<FileSummary[]> {
    await this.enter("approvalQueue", []);
    const u = this.authorize("view_approval_queue");
    return this.order
      .filter((id) => {
        const f = this.files.get(id)!.file;
        return (f.status === "pending" || f.status === "amended") && f.owning_directorate === u.directorate;
      })
      .map((id) => this.summary(id, "listed"));
  }

  async approveFile(id: string, version: number): Promise<Saved> {
    await this.enter("approveFile", [id, version]);
    return this.decide(id, version, "approve", null);
  }

  async returnFile(id: string, version: number, reason: string): Promise<Saved> {
    await this.enter("returnFile", [id, version, reason]);
    const why = reason.trim();
    if (!why || [...why].length > 1000) {
      throw appError("reason_required", ERR.reasonRequired, [problem("reason", "required")]);
    }
    return this.decide(id, version, "return", why);
  }

  private decide(id: string, version: number, decision: "approve" | "return", reason: string | null): Saved {
    const op = decision === "approve" ? "approve_file" : "return_file";
    this.authorize(op);
    const s = this.stored(id);
    const u = this.authorize(op, s.file.owning_directorate);
    if (s.file.status !== "pending" && s.file.status !== "amended") throw appError("not_awaiting_approval", ERR.notAwaiting);
    if (s.file.version !== version) throw appError("version_conflict", ERR.conflict);
    if (s.authors.includes(u.user_name)) {
      this.record(u.user_name, `file.${decision}`, "file", id, "refused_own_work");
      throw appError("own_work", ERR.ownWork);
    }
    if (decision === "approve") {
      const missing = s.file.data.convictions
        .map((c, i) => ({ c, i }))
        .filter(({ c }) => !c.decision_number.trim() || (c.court_code === null && !c.court_name.trim()))
        .map(({ i }) => problem(`convictions.${i}.decision_number`, "required"));
      if (missing.length > 0 || s.file.data.convictions.length === 0) {
        throw appError("decision_reference_required", ERR.decisionRequired, missing);
      }
      const saved = this.write(s, u.user_name, "approve", s.file.data, "approved", null);
      s.approvedData = structuredClone(s.file.data);
      s.approved = { version: saved.version, approved_by: u.user_name, approved_at: FIXED_NOW };
      s.firstApprovedOn ??= this.today;
      s.authors = [];
      return saved;
    }
    return this.write(s, u.user_name, "return", s.file.data, "returned", reason);
  }

  // --- audit ----------------------------------------------------------------------------

  async auditEvents(query: AuditQuery): Promise<AuditPage> {
    await this.enter("auditEvents", [query]);
    this.authorize("read_audit");
    const day = (text: string | null): string | null => {
      if (!text || !text.trim()) return null;
      const iso = displayToIso(text);
      if (!iso) throw appError("invalid_input", { sq: "Data duhet të jetë dd.mm.vvvv.", en: "date must be dd.mm.yyyy" });
      return iso;
    };
    const from = day(query.from);
    const to = day(query.to);
    const tiraneDay = (at: string) => displayToIso(timestampToDisplay(at).slice(0, 10)) ?? "";
    const action = query.action || null;
    const hits = this.audit
      .filter((e) => !query.user || e.actor === query.user)
      .filter((e) => !action || (action.endsWith(".") ? e.action.startsWith(action) : e.action === action))
      .filter((e) => !query.object_id || e.object_id === query.object_id)
      .filter((e) => !from || tiraneDay(e.at) >= from)
      .filter((e) => !to || tiraneDay(e.at) <= to)
      .reverse();
    const size = query.page_size === 0 ? AUDIT_PAGE_SIZE : Math.min(200, query.page_size);
    return { total: hits.length, items: hits.slice(query.page * size, (query.page + 1) * size) };
  }

  async verifyAudit(): Promise<number> {
    await this.enter("verifyAudit", []);
    this.authorize("verify_audit");
    return this.audit.length;
  }

  // --- users ----------------------------------------------------------------------------

  async listUsers(): Promise<UserSummary[]> {
    await this.enter("listUsers", []);
    this.authorize("manage_users");
    return this.users.map((u) => this.summaryOf(u));
  }

  async createUser(userName: string, role: Role, directorate: string): Promise<OneTimePassword> {
    await this.enter("createUser", [userName, role, directorate]);
    const admin = this.authorize("manage_users");
    if (!/^[a-z0-9._-]{3,64}$/.test(userName)) {
      throw appError("invalid_input", {
        sq: "Emri i përdoruesit: 3–64 shkronja të vogla, shifra, '.', '-', '_'.",
        en: "user name: 3–64 lower-case letters, digits, '.', '-', '_'",
      });
    }
    if (!this.reference.directorates.some((d) => d.code === directorate)) {
      throw appError("invalid_input", { sq: "Drejtori e panjohur.", en: "unknown directorate" });
    }
    if (this.sync.enrolled && !this.sync.administration) {
      // as Rust's check_account_scope: a regional station makes its own directorate's clerks and supervisors
      if (role === "administrator" || role === "auditor") {
        throw appError("administration_only", {
          sq: "Llogaritë kombëtare (administrator, auditor) krijohen vetëm në një stacion të administratës qendrore.",
          en: "National accounts (administrator, auditor) are made only at a station of the central administration.",
        });
      }
      if (directorate !== this.sync.directorate) {
        throw appError("out_of_scope", {
          sq: "Llogaritë e një drejtorie tjetër i menaxhon ajo drejtori ose administrata qendrore.",
          en: "Accounts of another directorate are managed by that directorate or the central administration.",
        });
      }
    }
    if (this.users.some((u) => u.user_name === userName)) throw appError("duplicate", ERR.duplicate);
    const password = this.oneTimePassword();
    const u = this.addUser(userName, role, directorate, { password, must_change_password: true });
    this.record(admin.user_name, "user.create", "user", u.id);
    return { user_name: userName, password };
  }

  async resetPassword(id: string): Promise<OneTimePassword> {
    await this.enter("resetPassword", [id]);
    const admin = this.authorize("manage_users");
    const u = this.userById(id);
    u.password = this.oneTimePassword();
    u.must_change_password = true;
    this.record(admin.user_name, "user.reset_password", "user", id);
    return { user_name: u.user_name, password: u.password };
  }

  async setUserDisabled(id: string, disabled: boolean): Promise<void> {
    await this.enter("setUserDisabled", [id, disabled]);
    const admin = this.authorize("manage_users");
    this.userById(id).disabled = disabled;
    this.record(admin.user_name, disabled ? "user.disable" : "user.enable", "user", id);
  }

  async lockedUsers(): Promise<UserSummary[]> {
    await this.enter("lockedUsers", []);
    const me = this.authorize("release_locked_account");
    return this.users
      .filter((u) => u.locked && (me.role === "administrator" || u.directorate === me.directorate))
      .map((u) => this.summaryOf(u));
  }

  async releaseUser(id: string): Promise<void> {
    await this.enter("releaseUser", [id]);
    this.authorize("release_locked_account");
    const u = this.userById(id);
    const me = this.authorize("release_locked_account", u.directorate);
    u.locked = false;
    u.failures = 0;
    this.record(me.user_name, "auth.release", "user", id);
  }

  // --- obligations ----------------------------------------------------------------------

  /** The instant the fake stands at: FIXED_NOW on its day, else the last minute of `today` in Tirana. */
  private now(): string {
    if (tiraneDate(FIXED_NOW) === this.today) return FIXED_NOW;
    return new Date(Date.parse(tiraneDayStart(addDays(this.today, 1))) - 60_000).toISOString().replace(".000Z", "Z");
  }

  /** Compliance computed from the approved version, the records and the rules (null until approved). */
  private complianceOf(s: Stored): Compliance | null {
    if (!s.approvedData) return null;
    return compute(s.approvedData, s.records, s.notices, this.rules, this.today, s.firstApprovedOn);
  }

  /** Approved, and the person not removed, deceased or past the registration period. */
  private registered(s: Stored): boolean {
    if (!s.approvedData || s.file.status === "removed") return false;
    return countsAsRegistered(this.complianceOf(s));
  }

  /**
   * Adds a record as if an officer had saved it (no call recorded); returns it. A death or
   * removal awaits confirmation unless `confirmedBy` names the supervisor who confirmed it.
   */
  addRecordTo(
    fileId: string,
    data: RecordData,
    by = "test",
    voided: { reason: string; by?: string } | null = null,
    confirmedBy: string | null = null,
  ): FileRecord {
    const s = this.stored(fileId);
    const record: FileRecord = {
      id: `20000000-0000-4000-8000-${String(this.nextRecord++).padStart(12, "0")}`,
      file_id: fileId,
      data,
      recorded_at: FIXED_NOW,
      recorded_by: by,
      void: voided ? { reason: voided.reason, by: voided.by ?? "test.supervisor", at: FIXED_NOW } : null,
      confirmation: confirmedBy && needsConfirmation(data) ? { by: confirmedBy, at: FIXED_NOW } : null,
    };
    s.records.push(record);
    return structuredClone(record);
  }

  /** Adds a notice of rule version `version` to a file; returns it. */
  addNotice(fileId: string, version: number, servedOn: string | null = null): RuleNotice {
    const s = this.stored(fileId);
    const notice: RuleNotice = {
      id: `30000000-0000-4000-8000-${String(this.nextRecord++).padStart(12, "0")}`,
      file_id: fileId,
      rule_version: version,
      created_at: FIXED_NOW,
      served_on: servedOn,
      served_by: servedOn ? "test" : null,
    };
    s.notices.push(notice);
    return structuredClone(notice);
  }

  /** The records of a file as stored (for assertions). */
  recordsOf(fileId: string): FileRecord[] {
    return structuredClone(this.stored(fileId).records);
  }

  /**
   * Believable persons of dvp-tirane on 29.03.2026 (and one of dvp-durres): an overdue one
   * with a check-in, one due soon with a late check-in, one travelling abroad with a voided
   * record, one who absconded, one compliant on a domestic trip working with children.
   */
  seedObligations(): Record<"overdue" | "dueSoon" | "travelling" | "absconded" | "compliant" | "durres", string> {
    const overdue = this.addPerson({ surname: "Hoxha", given_name: "Arben", nid: "G80218157A", municipality_code: "tirane", final_date: "2024-01-10" });
    this.addRecordTo(overdue, { kind: "check_in", date: "2025-01-08", officer: "Insp. Kola", photo_id: this.addPhotoTo(overdue, "2025-01-08").id, note: "" });

    const dueSoon = this.addPerson({ surname: "Kola", given_name: "Mirela", sex: "F", date_of_birth: "1975-11-30", municipality_code: "kamez", final_date: "2023-04-05" });
    this.addRecordTo(dueSoon, { kind: "check_in", date: "2024-04-02", officer: "Insp. Dema", photo_taken: true, note: "" });
    this.addRecordTo(dueSoon, { kind: "check_in", date: "2025-04-20", officer: "Insp. Dema", no_photo_reason: "Kamera e prishur", note: "Erdhi me vonesë" });

    const travelling = this.addPerson({ surname: "Leka", given_name: "Gentian", date_of_birth: "1969-06-15", municipality_code: "tirane", final_date: "2022-09-01", sentence_months: 150 });
    this.addRecordTo(travelling, { kind: "check_in", date: "2023-08-30", officer: "Insp. Kola", photo_taken: true, note: "" });
    this.addRecordTo(travelling, { kind: "check_in", date: "2024-08-28", officer: "Insp. Kola", photo_id: this.addPhotoTo(travelling, "2024-08-28").id, note: "" });
    this.addRecordTo(travelling, { kind: "check_in", date: "2024-09-02", officer: "Insp. Kola", no_photo_reason: "Regjistruar dy herë", note: "" }, "clerk", { reason: "Regjistruar dy herë" });
    this.addRecordTo(travelling, { kind: "check_in", date: "2025-08-29", officer: "Insp. Kola", photo_id: this.addPhotoTo(travelling, "2025-08-29").id, note: "" });
    this.addRecordTo(travelling, { kind: "address_change", address_kind: "residence", municipality_code: "tirane", street: "Rr. Myslym Shyri 12", moved_on: "2025-10-01", reported_on: "2025-10-09" });
    this.addRecordTo(travelling, { kind: "trip", foreign: true, country: "IT", destination: "Bari", departure: "2026-03-20", return_date: "2026-04-05", purpose: "Vizitë familjare", notice_date: "2026-03-10" });

    const absconded = this.addPerson({ surname: "Shehu", given_name: "Dritan", date_of_birth: "1988-01-31", municipality_code: "kavaje", final_date: "2021-02-15" });
    this.addRecordTo(absconded, { kind: "verification", date: "2026-02-10", officer: "Insp. Dema", result: "not_found", note: "Fqinjët nuk e kanë parë prej një muaji" });
    this.addRecordTo(absconded, { kind: "status_change", state: "absconded", effective: "2026-02-14", reason: "Nuk gjendet në adresë" });

    const compliant = this.addPerson({ surname: "Meta", given_name: "Ilir", date_of_birth: "1991-03-03", municipality_code: "tirane", final_date: "2025-06-20", sentence_months: 30 });
    this.addRecordTo(compliant, { kind: "occupation", occupation: "volunteering", organisation: "Kampi veror Dajti", role: "kuzhinier", from: "2026-03-01", to: null, contact_with_children: true, reported_on: "2026-03-02" });
    this.addRecordTo(compliant, { kind: "trip", foreign: false, country: "AL", destination: "durres", departure: "2026-03-28", return_date: "2026-03-30", purpose: "", notice_date: "2026-03-27" });

    const durres = this.addPerson({ surname: "Durrësaku", given_name: "Besnik", municipality_code: "durres", owning_directorate: "dvp-durres", final_date: "2024-02-01" });
    return { overdue, dueSoon, travelling, absconded, compliant, durres };
  }

  private recordById(id: string): { s: Stored; record: FileRecord } {
    for (const s of this.files.values()) {
      const record = s.records.find((r) => r.id === id);
      if (record) return { s, record };
    }
    throw appError("not_found", ERR.recordNotFound);
  }

  async dashboard(): Promise<Dashboard> {
    await this.enter("dashboard", []);
    const u = this.authorize("view_compliance");
    const rules = inEffect(this.rules, this.today);
    const counts = new Map<Compliance["status"], number>();
    const board: Dashboard = {
      directorate: u.directorate,
      today: this.today,
      due_soon_days: rules.values.due_soon_days,
      counts: [],
      overdue: [],
      due_soon: [],
      travelling: [],
      departing: [],
      awaiting_notice: [],
      absconded: [],
    };
    for (const id of this.order) {
      const s = this.files.get(id)!;
      if (s.file.owning_directorate !== u.directorate || !s.approvedData || s.file.status === "removed") continue;
      const c = this.complianceOf(s)!;
      counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
      // the trips as they stand, after any declared change
      const trips = (ids: string[]): TripUnderWay[] =>
        itineraries(s.records)
          .filter((t) => ids.includes(t.trip_id))
          .map((t) => ({ record_id: t.trip_id, foreign: t.foreign, country: t.country, destination: t.destination, departure: t.departure, return_date: t.return_date, changed: t.changed_by !== null }))
          .sort((a, b) => a.departure.localeCompare(b.departure));
      const row: DashboardRow = {
        file: this.summary(id, "listed"),
        status: c.status,
        overdue_since: c.overdue_since,
        days_overdue: c.overdue_since ? daysBetween(c.overdue_since, this.today) : null,
        next_due: c.next_due,
        trips: trips(c.trips_under_way),
        departures: trips(c.departures_ahead),
        awaiting_since: c.awaiting_since,
        unserved_notices: c.unserved_notices,
      };
      const registered = c.status !== "deceased" && c.status !== "removed" && c.status !== "period_ended";
      if (row.trips.length > 0) board.travelling.push(row);
      if (row.departures.length > 0) board.departing.push(row);
      if (row.awaiting_since !== null && registered) board.awaiting_notice.push(row);
      if (c.status === "overdue") board.overdue.push(row);
      if (c.status === "due_soon") board.due_soon.push(row);
      if (c.status === "absconded") board.absconded.push(row);
    }
    const key = (a: string | null | undefined) => a ?? "9999-12-31";
    board.overdue.sort((a, b) => key(a.overdue_since).localeCompare(key(b.overdue_since)) || a.file.surname.localeCompare(b.file.surname));
    board.due_soon.sort((a, b) => key(a.next_due).localeCompare(key(b.next_due)) || a.file.surname.localeCompare(b.file.surname));
    board.travelling.sort((a, b) => key(a.trips[0]?.return_date).localeCompare(key(b.trips[0]?.return_date)));
    board.departing.sort((a, b) => key(a.departures[0]?.departure).localeCompare(key(b.departures[0]?.departure)) || a.file.surname.localeCompare(b.file.surname));
    board.awaiting_notice.sort((a, b) => key(a.awaiting_since).localeCompare(key(b.awaiting_since)) || a.file.surname.localeCompare(b.file.surname));
    board.counts = [...counts.entries()].map(([status, count]): StatusCount => ({ status, count })).sort((a, b) => a.status.localeCompare(b.status));
    this.record(u.user_name, "dashboard.view", "directorate", u.directorate);
    return board;
  }

  async timeline(id: string): Promise<Timeline> {
    await this.enter("timeline", [id]);
    const u = this.authorize("view_compliance");
    const s = this.stored(id);
    const owner = s.file.owning_directorate;
    this.record(u.user_name, "file.timeline", "offender_file", id);
    return structuredClone({
      file_id: id,
      compliance: this.complianceOf(s),
      records: byDate(s.records),
      trips: itineraries(s.records),
      notices: s.notices,
      may_add: scope(u.role, "add_record") !== null && u.directorate === owner,
      may_confirm: scope(u.role, "confirm_record") !== null && u.directorate === owner,
      may_serve: scope(u.role, "serve_notice") !== null && u.directorate === owner,
    });
  }

  async addRecord(fileId: string, draft: RecordDraft): Promise<FileRecord> {
    await this.enter("addRecord", [fileId, draft]);
    this.authorize("add_record");
    const s = this.stored(fileId);
    const u = this.authorize("add_record", s.file.owning_directorate);
    const { data, problems } = this.validateRecord(draft, s.records, fileId);
    if (!data || problems.length > 0) throw appError("validation", ERR.invalid, problems);
    // a death or removal by anyone who may add records: it awaits a second supervisor's confirmation
    const record = this.addRecordTo(fileId, data, u.user_name);
    this.record(u.user_name, "record.add", "record", record.id);
    return record;
  }

  async voidRecord(recordId: string, reason: string): Promise<FileRecord> {
    await this.enter("voidRecord", [recordId, reason]);
    this.authorize("confirm_record");
    const { s, record } = this.recordById(recordId);
    const u = this.authorize("confirm_record", s.file.owning_directorate);
    const why = reason.trim();
    if (!why || [...why].length > 1000) throw appError("reason_required", ERR.voidReason, [problem("reason", "required")]);
    if (record.recorded_by === u.user_name) {
      this.record(u.user_name, "record.void", "record", recordId, "refused_own_work");
      throw appError("own_work", ERR.ownRecord);
    }
    record.void = { reason: why, by: u.user_name, at: FIXED_NOW };
    this.record(u.user_name, "record.void", "record", recordId);
    return structuredClone(record);
  }

  /** As Registry::confirm_record: a supervisor of the owning directorate other than the record's author. */
  async confirmRecord(recordId: string): Promise<FileRecord> {
    await this.enter("confirmRecord", [recordId]);
    this.authorize("confirm_record");
    const { s, record } = this.recordById(recordId);
    const u = this.authorize("confirm_record", s.file.owning_directorate);
    if (!needsConfirmation(record.data)) throw appError("nothing_to_confirm", ERR.nothingToConfirm);
    if (record.recorded_by === u.user_name) {
      this.record(u.user_name, "record.confirm", "record", recordId, "refused_own_work");
      throw appError("own_work", ERR.ownRecord);
    }
    if (record.confirmation) throw appError("nothing_to_confirm", ERR.alreadyConfirmed);
    // the store refuses a voided record as changed meanwhile
    if (record.void) throw appError("version_conflict", ERR.recordConflict);
    record.confirmation = { by: u.user_name, at: FIXED_NOW };
    this.record(u.user_name, "record.confirm", "record", recordId);
    return structuredClone(record);
  }

  async serveNotice(noticeId: string, servedOn: string): Promise<RuleNotice> {
    await this.enter("serveNotice", [noticeId, servedOn]);
    this.authorize("serve_notice");
    const s = [...this.files.values()].find((x) => x.notices.some((n) => n.id === noticeId));
    if (!s) throw appError("not_found", ERR.noticeNotFound);
    const u = this.authorize("serve_notice", s.file.owning_directorate);
    const iso = displayToIso(servedOn);
    if (!servedOn.trim()) throw appError("validation", ERR.invalid, [problem("served_on", "required")]);
    if (!iso) throw appError("validation", ERR.invalid, [problem("served_on", "date_invalid")]);
    if (iso > this.today) throw appError("validation", ERR.invalid, [problem("served_on", "date_in_future")]);
    const notice = s.notices.find((n) => n.id === noticeId)!;
    notice.served_on = iso;
    notice.served_by = u.user_name;
    this.record(u.user_name, "notice.serve", "notice", noticeId);
    return structuredClone(notice);
  }

  async ruleBook(): Promise<RuleBookView> {
    await this.enter("ruleBook", []);
    this.authorize("read_reference_data");
    const sorted = [...this.rules].sort((a, b) => a.effective_from.localeCompare(b.effective_from) || a.version - b.version);
    return structuredClone({ versions: sorted, in_effect_today: inEffect(sorted, this.today).version });
  }

  /** As RuleValues::check and check_effective_date. */
  private checkRules(draft: RuleDraft): FieldError[] {
    const out: FieldError[] = [];
    const v = draft.values;
    if (v.registration.length === 0) out.push(problem("registration", "required"));
    let previous: number | null = null;
    v.registration.forEach((b, i) => {
      const last = i + 1 === v.registration.length;
      if (b.up_to_months === null && !last) out.push(problem(`registration[${i}].up_to_months`, "band_order"));
      else if (b.up_to_months !== null && last) out.push(problem(`registration[${i}].up_to_months`, "band_open_end"));
      else if (b.up_to_months !== null && previous !== null && b.up_to_months <= previous) out.push(problem(`registration[${i}].up_to_months`, "band_order"));
      previous = b.up_to_months ?? previous;
      if (b.years !== null && (b.years < 1 || b.years > 100)) out.push(problem(`registration[${i}].years`, "number_range"));
      else if (b.years === null && b.review_after_years === null) out.push(problem(`registration[${i}].review_after_years`, "required"));
      else if (b.review_after_years !== null && (b.review_after_years < 1 || b.review_after_years > 100)) out.push(problem(`registration[${i}].review_after_years`, "number_range"));
    });
    const range = (field: string, n: number, max: number) => {
      if (!(n >= 1 && n <= max)) out.push(problem(field, "number_range"));
    };
    range("report_change_days", v.report_change_days, 60);
    range("foreign_travel_notice_days", v.foreign_travel_notice_days, 90);
    range("travel_change_notice_hours", v.travel_change_notice_hours, 240);
    range("reporting_months.standard", v.reporting_months.standard, 60);
    range("reporting_months.medium", v.reporting_months.medium, 60);
    range("reporting_months.high", v.reporting_months.high, 60);
    range("due_soon_days", v.due_soon_days, 90);
    const iso = displayToIso(draft.effective_from);
    if (!draft.effective_from.trim()) out.push(problem("effective_from", "required"));
    else if (!iso) out.push(problem("effective_from", "date_invalid"));
    else if (iso < this.today) out.push(problem("effective_from", "rule_effective_past"));
    return out;
  }

  /** Registered files the new version concerns (compliance::touched_by). */
  private touchedBy(draft: RuleDraft): string[] {
    const from = displayToIso(draft.effective_from)!;
    const version = Math.max(...this.rules.map((r) => r.version)) + 1;
    const after = [...this.rules, { version, effective_from: from, values: draft.values, provisional: false, note: "" }];
    return this.order.filter((id) => {
      const s = this.files.get(id)!;
      return this.registered(s) && touchedBy(s.approvedData!, s.records, this.rules, after, from);
    });
  }

  async previewRules(draft: RuleDraft): Promise<RulePreview> {
    await this.enter("previewRules", [draft]);
    this.authorize("manage_rules");
    const problems = this.checkRules(draft);
    if (problems.length > 0) return { registered_total: 0, touched_total: 0, touched: [], problems };
    const touched = this.touchedBy(draft);
    return {
      registered_total: this.order.filter((id) => this.registered(this.files.get(id)!)).length,
      touched_total: touched.length,
      touched: touched.slice(0, 100).map((id) => this.summary(id, "listed")),
      problems: [],
    };
  }

  async saveRules(draft: RuleDraft): Promise<RuleSaved> {
    await this.enter("saveRules", [draft]);
    const u = this.authorize("manage_rules");
    const problems = this.checkRules(draft);
    if (problems.length > 0) throw appError("validation", ERR.invalid, problems);
    const touched = this.touchedBy(draft);
    const version = Math.max(...this.rules.map((r) => r.version)) + 1;
    this.rules.push({ version, effective_from: displayToIso(draft.effective_from)!, values: structuredClone(draft.values), provisional: false, note: draft.note.trim() });
    for (const id of touched) this.addNotice(id, version);
    this.record(u.user_name, "rules.save", "rule_set", String(version));
    return { version, notices: touched.length };
  }

  // --- the station and the central server ------------------------------------------------

  /** The server answers again (true) or not (false); as the background worker would find, the status says so at once. */
  setOnline(online: boolean): void {
    this.sync.reachable = online;
    if (!this.sync.enrolled) return;
    this.sync.online = online;
    this.sync.last_attempt_at = FIXED_NOW;
    this.sync.last_error = online ? null : appError("server_unreachable", ERR.unreachable);
  }

  /** A round is under way (started by the background worker, or held by `holdNextRound`). */
  startRound(progress: SyncProgress = { phase: "push", done: 0, total: this.sync.pending }): void {
    this.sync.running = true;
    this.sync.progress = progress;
  }

  /** Moves the running round's progress bar. */
  setProgress(phase: SyncPhase, done: number, total: number | null): void {
    this.sync.progress = { phase, done, total };
  }

  /** The next `syncNow` starts a round and waits until `finishRound()`. */
  holdNextRound(): void {
    this.roundHeld = true;
  }

  /** The running round ends well: everything pushed, the status up to date. */
  finishRound(): void {
    this.sync.running = false;
    this.sync.progress = null;
    this.completeRound();
    const done = this.roundDone;
    this.roundDone = null;
    done?.();
  }

  /** Someone else decided a conflict on the server (the next decision on it is refused `conflict_resolved`). */
  resolveElsewhere(conflictId: string): void {
    const c = this.serverConflicts.find((x) => x.id === conflictId);
    if (c) c.resolved = true;
  }

  private openConflictsOf(directorate: string): FakeConflict[] {
    return this.serverConflicts.filter((c) => !c.resolved && c.directorate === directorate);
  }

  private completeRound(): SyncReport {
    const pushed = this.sync.pending;
    this.sync.pending = 0;
    this.sync.online = true;
    this.sync.last_success_at = FIXED_NOW;
    this.sync.last_attempt_at = FIXED_NOW;
    this.sync.last_error = null;
    this.sync.open_conflicts = this.openConflictsOf(this.sync.directorate).length;
    return { pushed, conflicts: 0, rejected: 0, pulled: 3, resnapshot: false, audit_stored: 12, audit_refused: null };
  }

  private refuseOffline(): void {
    if (!this.sync.enrolled) throw appError("not_enrolled", ERR.notEnrolled);
    if (!this.sync.reachable) {
      this.sync.online = false;
      this.sync.last_attempt_at = FIXED_NOW;
      this.sync.last_error = appError("server_unreachable", ERR.unreachable);
      throw appError("server_unreachable", ERR.unreachable);
    }
    this.sync.online = true;
  }

  /** The national index entries matching the search words (no names ever leave it). */
  private nationalHits(words: string[]): NationalHit[] {
    if (!this.sync.enrolled || words.length === 0) return [];
    const out: NationalHit[] = [];
    for (const r of this.remote) {
      const keys = [r.surname, r.given_name, r.father_name].map(fold).concat([fold(r.nid ?? ""), isoToDisplay(r.date_of_birth)]);
      if (!words.every((w) => keys.some((k) => k.startsWith(w)))) continue;
      const exact = words.every((w) => keys.includes(w));
      out.push({ id: r.id, owning_directorate: r.owning_directorate, status: r.status, nid: r.nid, date_of_birth: r.date_of_birth, matched: exact ? "exact" : "prefix" });
    }
    return out.sort((a, b) => (a.matched === b.matched ? 0 : a.matched === "exact" ? -1 : 1));
  }

  async syncStatus(): Promise<SyncStatus> {
    await this.enter("syncStatus", []);
    this.authorize("view_sync_status");
    const s = this.sync;
    return structuredClone({
      enrolled: s.enrolled,
      station: s.station,
      directorate: s.directorate,
      administration: s.administration,
      server_url: s.server_url,
      online: s.online,
      running: s.running,
      progress: s.running ? s.progress : null,
      pending: s.pending,
      rejected: this.issues.filter((i) => i.kind === "rejected").length,
      open_conflicts: s.enrolled ? s.open_conflicts : null,
      last_success_at: s.last_success_at,
      last_attempt_at: s.last_attempt_at,
      last_error: s.last_error,
      national_files: s.enrolled ? this.remote.length : 0,
    });
  }

  async syncNow(): Promise<SyncReport> {
    await this.enter("syncNow", []);
    const u = this.authorize("synchronise");
    if (!this.sync.enrolled) throw appError("not_enrolled", ERR.notEnrolled);
    if (this.sync.running) throw appError("sync_running", ERR.syncRunning);
    this.refuseOffline();
    this.record(u.user_name, "sync.run", "station", this.sync.station);
    if (this.roundHeld) {
      this.roundHeld = false;
      const pushed = this.sync.pending;
      this.startRound();
      await new Promise<void>((resolve) => (this.roundDone = resolve));
      return { pushed, conflicts: 0, rejected: 0, pulled: 3, resnapshot: false, audit_stored: 12, audit_refused: null };
    }
    return this.completeRound();
  }

  async syncIssues(): Promise<SyncIssue[]> {
    await this.enter("syncIssues", []);
    this.authorize("synchronise");
    return structuredClone(this.issues);
  }

  async enrolStation(request: EnrolRequest): Promise<StationView> {
    await this.enter("enrolStation", [request]);
    const u = this.authorize("enrol_station");
    const url = request.server_url.trim();
    if (!/^https:\/\/[a-z0-9.-]+(:\d+)?\/?$/i.test(url)) throw appError("invalid_input", ERR.badUrl);
    const b = request.bundle;
    if (!b.includes("-----BEGIN CERTIFICATE-----") || !b.includes("PRIVATE KEY-----")) throw appError("invalid_input", ERR.badBundle);
    if (!this.sync.reachable) throw appError("server_unreachable", ERR.unreachable);
    const { code, directorate } = this.enrolAs;
    this.sync.enrolled = true;
    this.sync.station = code;
    this.sync.directorate = directorate;
    this.sync.server_url = url;
    this.sync.online = true;
    this.sync.last_attempt_at = FIXED_NOW;
    this.sync.last_error = null;
    this.record(u.user_name, "station.enrol", "station", code);
    return { code, directorate, server_url: url, administration: this.sync.administration };
  }

  async conflicts(): Promise<ConflictItem[]> {
    await this.enter("conflicts", []);
    const u = this.authorize("resolve_conflicts");
    this.refuseOffline();
    return structuredClone(
      this.openConflictsOf(u.directorate).map(({ directorate: _, resolved: __, ...c }) => ({ ...c, may_resolve: c.actor !== u.user_name })),
    );
  }

  async resolveConflict(decision: ConflictDecision): Promise<void> {
    await this.enter("resolveConflict", [decision]);
    this.authorize("resolve_conflicts");
    this.refuseOffline();
    const c = this.serverConflicts.find((x) => x.id === decision.conflict_id);
    if (!c) throw appError("conflict_not_found", ERR.conflictNotFound);
    const u = this.authorize("resolve_conflicts", c.directorate);
    if (c.resolved) throw appError("conflict_resolved", ERR.conflictResolved);
    if (c.actor === u.user_name) {
      this.record(u.user_name, "conflict.resolve", "conflict", c.id, "refused_own_work");
      throw appError("own_work", ERR.ownConflict);
    }
    const problems: FieldError[] = [];
    for (const choice of decision.choices) {
      if (!c.fields.some((f) => f.path === choice.path)) throw appError("invalid_input", ERR.badChoice);
      const leaf = choice.path.split(".").pop() ?? "";
      if (/date/.test(leaf) && (typeof choice.value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(choice.value))) problems.push(problem(choice.path, "date_invalid"));
      if (/(surname|given_name|father_name|street)$/.test(leaf) && (typeof choice.value !== "string" || !choice.value.trim())) problems.push(problem(choice.path, "required"));
    }
    if (problems.length > 0) throw appError("validation", ERR.invalid, problems);
    c.resolved = true;
    this.decisions.push(structuredClone(decision));
    if (this.sync.open_conflicts !== null) this.sync.open_conflicts = this.openConflictsOf(this.sync.directorate).length;
    this.record(u.user_name, "conflict.resolve", "conflict", c.id);
  }

  async fetchRemoteFile(id: string, reason: string): Promise<RemoteFileView> {
    await this.enter("fetchRemoteFile", [id, reason]);
    const u = this.authorize("fetch_remote_file");
    const why = reason.trim();
    if (!why || [...why].length > 500) throw appError("reason_required", ERR.fetchReason, [problem("reason", "required")]);
    this.refuseOffline();
    const r = this.remote.find((x) => x.id === id);
    if (!r) throw appError("not_found", ERR.notFound);
    this.record(u.user_name, "file.fetch_remote", "file", id);
    const current = personData(id, { surname: r.surname, given_name: r.given_name, father_name: r.father_name, date_of_birth: r.date_of_birth, nid: r.nid, municipality_code: r.municipality_code });
    current.identity.place_of_birth = "Durrës";
    current.convictions[0]!.court_code = "gj-durres";
    const approved = r.approval ? structuredClone(current) : null;
    if (r.amended_marks !== undefined) current.description.marks = r.amended_marks;
    // as station.rs: judged here from the approved data, the records and notices, this station's rules and today
    const compliance = approved ? compute(approved, r.records, r.notices, this.rules, this.today, tiraneDate(r.approval!.first_at)) : null;
    const view: RemoteFileView = {
      id,
      version: r.version,
      status: r.status,
      owning_directorate: r.owning_directorate,
      shows: approved ? "approved" : "unapproved",
      data: approved ?? current,
      approved: r.approval ? { approved_by: r.approval.by, approved_at: r.approval.at, first_approved_at: r.approval.first_at } : null,
      pending_changes: approved ? diff(approved, current) : [],
      registered: approved !== null && r.status !== "removed" && countsAsRegistered(compliance),
      compliance,
      fetched_at: FIXED_NOW,
    };
    return structuredClone(view);
  }

  /** As records::validate_record: the record data, or every problem by draft field. */
  /** A photo of the file (any file when null) that is not voided. */
  private photoOf(fileId: string | null, photoId: string): Photo | null {
    for (const [id, s] of this.files) {
      if (fileId !== null && id !== fileId) continue;
      const found = s.photos.find((p) => p.photo.id === photoId && !p.photo.void);
      if (found) return found.photo;
    }
    return null;
  }

  validateRecord(partial: Partial<RecordDraft>, records: FileRecord[] = [], fileId: string | null = null): { data: RecordData | null; problems: FieldError[] } {
    // serde(default) on the Rust side: a missing field is empty
    const d: RecordDraft = { ...emptyRecordDraft(), ...partial };
    const out: FieldError[] = [];
    const text = (field: string, value: string, req: boolean) => {
      if (req && !value.trim()) out.push(problem(field, "required"));
      return value.trim();
    };
    const date = (field: string, value: string, req: boolean, max: string | null): string | null => {
      if (!value.trim()) {
        if (req) out.push(problem(field, "required"));
        return null;
      }
      const iso = displayToIso(value);
      if (!iso) {
        out.push(problem(field, "date_invalid"));
        return null;
      }
      if (max && iso > max) out.push(problem(field, "date_in_future"));
      return iso;
    };
    const choice = <T extends string>(allowed: readonly T[]): T | null => {
      const v = d.choice.trim();
      if (!v) out.push(problem("choice", "required"));
      else if (!allowed.includes(v as T)) out.push(problem("choice", "kind_invalid"));
      return allowed.includes(v as T) ? (v as T) : null;
    };
    const today = this.today;
    let data: RecordData | null = null;
    switch (d.kind) {
      case "registration_notice": {
        const date_ = date("date", d.date, true, today);
        const officer = text("officer", d.officer, true);
        if (date_) data = { kind: "registration_notice", date: date_, officer, note: d.note.trim() };
        break;
      }
      case "check_in": {
        const date_ = date("date", d.date, true, today);
        const officer = text("officer", d.officer, true);
        const photoId = d.photo_id.trim();
        const reason = d.no_photo_reason.trim();
        if (!photoId && !reason) out.push(problem("no_photo_reason", "photo_or_reason_required"));
        if (photoId && !this.photoOf(fileId, photoId)) out.push(problem("photo_id", "photo_unknown"));
        if (date_) {
          data = photoId
            ? { kind: "check_in", date: date_, officer, photo_id: photoId, note: d.note.trim() }
            : { kind: "check_in", date: date_, officer, no_photo_reason: reason, note: d.note.trim() };
        }
        break;
      }
      case "address_change": {
        const kind = choice(["residence", "temporary_stay", "work"] as const);
        const moved = date("date", d.date, true, today);
        const reported = date("reported_on", d.reported_on, true, today);
        const street = text("street", d.street, true);
        const code = d.municipality_code.trim();
        if (!code) out.push(problem("municipality_code", "required"));
        else if (!this.reference.municipalities.some((m) => m.code === code)) out.push(problem("municipality_code", "municipality_unknown"));
        if (kind && moved && reported) data = { kind: "address_change", address_kind: kind, municipality_code: code, street, moved_on: moved, reported_on: reported };
        break;
      }
      case "verification": {
        const result = choice(["confirmed", "not_found"] as const);
        const date_ = date("date", d.date, true, today);
        const officer = text("officer", d.officer, true);
        if (result && date_) data = { kind: "verification", date: date_, officer, result, note: d.note.trim() };
        break;
      }
      case "trip": {
        const departure = date("date", d.date, true, null);
        const back = date("end_date", d.end_date, true, null);
        const notice = date("reported_on", d.reported_on, true, today);
        if (departure && back && back < departure) out.push(problem("end_date", "date_order"));
        const country = d.country.trim().toUpperCase();
        const destination = text("destination", d.destination, true);
        if (d.foreign) {
          if (!country || country === "AL") out.push(problem("country", "trip_country_required"));
          else if (!this.reference.countries.some((c) => c.code === country)) out.push(problem("country", "country_unknown"));
        }
        if (departure && back && notice)
          data = { kind: "trip", foreign: d.foreign, country: d.foreign ? country : "AL", destination, departure, return_date: back, purpose: d.purpose.trim(), notice_date: notice };
        break;
      }
      case "occupation": {
        const kind = choice(["work", "education", "volunteering"] as const);
        const from = date("date", d.date, true, null);
        const to = date("end_date", d.end_date, false, null);
        if (from && to && to < from) out.push(problem("end_date", "date_order"));
        const reported = date("reported_on", d.reported_on, true, today);
        const organisation = text("organisation", d.organisation, true);
        if (kind && from && reported)
          data = { kind: "occupation", occupation: kind, organisation, role: d.role.trim(), from, to, contact_with_children: d.contact_with_children, reported_on: reported };
        break;
      }
      case "status_change": {
        const state = choice(["active", "in_custody", "absconded", "deceased", "removed"] as const);
        const effective = date("date", d.date, true, today);
        const reason = text("note", d.note, true);
        if (state && effective) data = { kind: "status_change", state, effective, reason };
        break;
      }
      case "risk_assessment": {
        const level = choice(["standard", "medium", "high"] as const);
        const date_ = date("date", d.date, true, today);
        const officer = text("officer", d.officer, true);
        if (level && date_) data = { kind: "risk_assessment", level, date: date_, officer };
        break;
      }
      case "trip_change": {
        const trips = itineraries(records);
        const trip = trips.find((t) => t.trip_id === d.trip_id.trim());
        if (!d.trip_id.trim()) out.push(problem("trip_id", "required"));
        else if (!trip) out.push(problem("trip_id", "trip_unknown"));
        const departure = date("date", d.date, true, null);
        const back = date("end_date", d.end_date, true, null);
        if (departure && back && back < departure) out.push(problem("end_date", "date_order"));
        const declaredOn = date("reported_on", d.reported_on, true, today);
        const time = /^(\d{1,2})[:.](\d{2})$|^(\d{2})(\d{2})$/.exec(d.reported_time.trim());
        const hh = time ? Number(time[1] ?? time[3]) : NaN;
        const mm = time ? Number(time[2] ?? time[4]) : NaN;
        if (!d.reported_time.trim()) out.push(problem("reported_time", "required"));
        else if (!(hh < 24 && mm < 60)) out.push(problem("reported_time", "time_format"));
        const declaredAt = declaredOn && hh < 24 && mm < 60 ? tiraneInstant(declaredOn, `${hh}:${mm}`) : null;
        if (declaredAt && Date.parse(declaredAt) > Date.parse(this.now())) out.push(problem("reported_time", "date_in_future"));
        if (!trip) break;
        if (declaredOn && declaredOn < trip.notice_date) out.push(problem("reported_on", "change_before_trip"));
        let country = "AL";
        const destination = d.destination.trim();
        if (trip.foreign) {
          country = d.country.trim().toUpperCase();
          if (!country || country === "AL") out.push(problem("country", "trip_country_required"));
          else if (!this.reference.countries.some((c) => c.code === country)) out.push(problem("country", "country_unknown"));
          if (!destination) out.push(problem("destination", "required"));
        } else if (!destination) out.push(problem("destination", "required"));
        else if (!this.reference.municipalities.some((m) => m.code === destination)) out.push(problem("destination", "municipality_unknown"));
        if (!departure || !back || !declaredAt) break;
        if (country === trip.country && destination === trip.destination && departure === trip.departure && back === trip.return_date) out.push(problem("trip_id", "trip_unchanged"));
        data = { kind: "trip_change", trip_id: trip.trip_id, country, destination, departure, return_date: back, declared_at: declaredAt };
        break;
      }
      case "name_change": {
        const name = (field: string, value: string) => {
          const v = text(field, value, true);
          if (v && !/^[\p{L}\p{M} '’.-]+$/u.test(v)) out.push(problem(field, "invalid_characters"));
          return v;
        };
        const oldSurname = name("old_surname", d.old_surname);
        const oldGiven = name("old_given_name", d.old_given_name);
        const newSurname = name("new_surname", d.new_surname);
        const newGiven = name("new_given_name", d.new_given_name);
        const changed = date("date", d.date, true, today);
        const reported = date("reported_on", d.reported_on, true, today);
        if (newSurname && oldSurname.toLowerCase() === newSurname.toLowerCase() && oldGiven.toLowerCase() === newGiven.toLowerCase()) out.push(problem("new_surname", "name_unchanged"));
        if (changed && reported)
          data = { kind: "name_change", old_surname: oldSurname, old_given_name: oldGiven, new_surname: newSurname, new_given_name: newGiven, changed_on: changed, reported_on: reported };
        break;
      }
      default:
        out.push(problem("kind", "kind_invalid"));
    }
    return { data: out.length > 0 ? null : data, problems: out };
  }

  /** A few of the real rules, enough to exercise the screens. */
  validate(d: FileDraft): FieldError[] {
    const out: FieldError[] = [];
    const required = (field: string, value: string) => {
      if (!value.trim()) out.push(problem(field, "required"));
    };
    const date = (field: string, value: string, req: boolean) => {
      if (!value.trim()) {
        if (req) out.push(problem(field, "required"));
      } else if (!displayToIso(value)) out.push(problem(field, "date_invalid"));
    };
    required("identity.surname", d.identity.surname);
    required("identity.given_name", d.identity.given_name);
    required("identity.father_name", d.identity.father_name);
    if (!d.identity.sex) out.push(problem("identity.sex", "required"));
    else if (d.identity.sex !== "M" && d.identity.sex !== "F") out.push(problem("identity.sex", "sex_invalid"));
    date("identity.date_of_birth", d.identity.date_of_birth, true);
    const nid = d.identity.nid.replace(/\s/g, "").toUpperCase();
    if (nid) {
      if (!/^[A-Z]\d{8}[A-Z]$/.test(nid)) out.push(problem("identity.nid", "nid_format"));
      else if (nidCheckLetter(nid.slice(0, 9)) !== nid[9]) out.push(problem("identity.nid", "nid_check_letter", "warning"));
    }
    if (d.convictions.length === 0) out.push(problem("convictions", "convictions_required"));
    d.convictions.forEach((c, i) => {
      const f = (n: string) => `convictions.${i}.${n}`;
      if (c.foreign) {
        if (!c.country || c.country === "AL") out.push(problem(f("country"), "foreign_country_required"));
        if (!c.court_name.trim()) out.push(problem(f("court_name"), "foreign_court_required"));
      } else required(f("court_code"), c.court_code);
      required(f("decision_number"), c.decision_number);
      date(f("decision_date"), c.decision_date, true);
      date(f("final_date"), c.final_date, true);
      if (c.articles.length === 0) out.push(problem(f("articles"), "articles_required"));
      c.articles.forEach((a, k) => {
        if (!this.reference.articles.some((x) => x.code === a)) out.push(problem(`${f("articles")}.${k}`, "article_unknown"));
      });
      if (!c.sentence_months.trim()) out.push(problem(f("sentence_months"), "required"));
      else if (!/^\d+$/.test(c.sentence_months.trim())) out.push(problem(f("sentence_months"), "number_invalid"));
    });
    d.addresses.forEach((a, i) => {
      const f = (n: string) => `addresses.${i}.${n}`;
      required(f("kind"), a.kind);
      required(f("municipality_code"), a.municipality_code);
      date(f("from"), a.from, true);
      date(f("to"), a.to, false);
    });
    return out;
  }
}
