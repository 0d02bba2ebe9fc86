// What the fake backend (tests only) knows of the central server: the conflicts waiting for a
// supervisor there, this station's changes the server did not simply apply, and the national
// index of other directorates' files with the full files the server would hand out online.
import type { AppError } from "../generated/AppError";
import type { ConflictField } from "../generated/ConflictField";
import type { FileRecord } from "../generated/FileRecord";
import type { FileStatus } from "../generated/FileStatus";
import type { RuleNotice } from "../generated/RuleNotice";
import type { SyncIssue } from "../generated/SyncIssue";

/**
 * The fake central server's address. Built from pieces: `architecture.test.ts` refuses a URL
 * literal in application sources (the app loads nothing remote), and this one is never loaded.
 */
export const FAKE_SERVER_URL = ["https:", "", "qendra.regjistri.local:8443"].join("/");

/** The fake station's code when enrolled (as `regjistri-server enrol-station st-tr-01` names it). */
export const FAKE_STATION = "st-tr-01";

/** When the fake station last synchronised: 28.03.2026 17:05 in Tirana (CET, UTC+1). */
export const FAKE_LAST_SYNC = "2026-03-28T16:05:00Z";

/** An open conflict on the fake server, with the directorate it belongs to. */
export interface FakeConflict {
  id: string;
  directorate: string;
  kind: string;
  file_id: string;
  file_label: string | null;
  station: string;
  actor: string;
  created_at: string;
  fields: ConflictField[];
  /** Decided (here or by someone else): no longer listed. */
  resolved: boolean;
}

/** Another directorate's file as the fake server holds it; the station knows only the index entry. */
export interface FakeRemote {
  id: string;
  owning_directorate: string;
  status: FileStatus;
  version: number;
  surname: string;
  given_name: string;
  father_name: string;
  date_of_birth: string;
  nid: string | null;
  municipality_code: string | null;
  /** The approval that stands (the first approval's instant, from which reports are owed); null: never approved. */
  approval: { by: string; at: string; first_at: string } | null;
  /** When an amendment waits: the scars and marks it would set (the rest is as approved). */
  amended_marks?: string;
  /** The file's records and rule notices as the server holds them (the station judges compliance from them). */
  records: FileRecord[];
  notices: RuleNotice[];
}

export const CONFLICT_IDS = {
  /** A clerk's change to "Hoxha Arben": father's name and date of birth. */
  clerk: "30000000-0000-4000-8000-000000000001",
  /** The fake supervisor's own change to "Kola Mirela": a street (four eyes: not theirs to decide). */
  own: "30000000-0000-4000-8000-000000000002",
  /** A conflict of dvp-durres, which supervisors of dvp-tirane never see. */
  durres: "30000000-0000-4000-8000-000000000003",
} as const;

export const CONFLICT_FILES = {
  hoxha: "40000000-0000-4000-8000-000000000001",
  kola: "40000000-0000-4000-8000-000000000002",
  durres: "40000000-0000-4000-8000-000000000003",
} as const;

export const KOLA_ADDRESS = "41000000-0000-4000-8000-000000000001";

export function seedConflicts(): FakeConflict[] {
  return [
    {
      id: CONFLICT_IDS.clerk,
      directorate: "dvp-tirane",
      kind: "same_field",
      file_id: CONFLICT_FILES.hoxha,
      file_label: "Hoxha Arben",
      station: "st-tr-02",
      actor: "clerk",
      created_at: "2026-03-28T09:15:00Z",
      fields: [
        { path: "identity.father_name", base: "Petrit", server: "Pjetër", station: "Petrit Ali" },
        { path: "identity.date_of_birth", base: "1980-02-29", server: "1980-03-01", station: "1980-02-28" },
        { path: "description.height_cm", base: 176, server: 178, station: 175 },
      ],
      resolved: false,
    },
    {
      id: CONFLICT_IDS.own,
      directorate: "dvp-tirane",
      kind: "same_field",
      file_id: CONFLICT_FILES.kola,
      file_label: "Kola Mirela",
      station: FAKE_STATION,
      actor: "supervisor",
      created_at: "2026-03-27T12:40:00Z",
      fields: [{ path: `addresses[${KOLA_ADDRESS}].street`, base: "Rr. Myslym Shyri 10", server: "Rr. Myslym Shyri 12", station: "Rr. e Durrësit 5" }],
      resolved: false,
    },
    {
      id: CONFLICT_IDS.durres,
      directorate: "dvp-durres",
      kind: "same_field",
      file_id: CONFLICT_FILES.durres,
      file_label: "Gjoka Sokol",
      station: "st-dr-01",
      actor: "clerk.durres",
      created_at: "2026-03-26T08:00:00Z",
      fields: [{ path: "identity.given_name", base: "Sokol", server: "Sokoli", station: "Sokol A." }],
      resolved: false,
    },
  ];
}

const OUT_OF_SCOPE: AppError = {
  code: "out_of_scope",
  message: { sq: "Dosja i përket një drejtorie tjetër: ndryshimi nuk u pranua.", en: "The file belongs to another directorate: the change was not accepted." },
  fields: [],
};

/** This station's answered changes that did not simply apply, newest first. */
export function seedIssues(): SyncIssue[] {
  return [
    {
      mutation_id: "50000000-0000-4000-8000-000000000001",
      kind: "conflict",
      file_id: CONFLICT_FILES.hoxha,
      file_label: "Hoxha Arben",
      paths: ["identity.father_name", "identity.date_of_birth"],
      conflict_id: CONFLICT_IDS.clerk,
      error: null,
      actor: "clerk",
      made_at: "2026-03-27T14:02:00Z",
      answered_at: "2026-03-28T09:15:00Z",
    },
    {
      mutation_id: "50000000-0000-4000-8000-000000000002",
      kind: "rejected",
      file_id: "40000000-0000-4000-8000-000000000009",
      file_label: null,
      paths: ["addresses[41000000-0000-4000-8000-000000000009].street"],
      conflict_id: null,
      error: OUT_OF_SCOPE,
      actor: "clerk",
      made_at: "2026-03-26T10:30:00Z",
      answered_at: "2026-03-27T08:00:00Z",
    },
  ];
}

export const REMOTE_IDS = {
  hoxha: "20000000-0000-4000-8000-000000000001",
  hoxhaj: "20000000-0000-4000-8000-000000000002",
} as const;

/** Persons of dvp-durres a search for "hoxha" finds in the national index. */
export function seedRemote(): FakeRemote[] {
  return [
    {
      id: REMOTE_IDS.hoxha,
      owning_directorate: "dvp-durres",
      status: "approved",
      version: 4,
      surname: "Hoxha",
      given_name: "Gjergj",
      father_name: "Ndue",
      date_of_birth: "1975-04-12",
      nid: "F50412033M",
      municipality_code: "durres",
      approval: { by: "mbikeqyres.durres", at: "2026-01-15T08:00:00Z", first_at: "2026-01-15T08:00:00Z" },
      records: [],
      notices: [],
    },
    {
      id: REMOTE_IDS.hoxhaj,
      owning_directorate: "dvp-durres",
      status: "pending",
      version: 1,
      surname: "Hoxhaj",
      given_name: "Elton",
      father_name: "Kujtim",
      date_of_birth: "1988-11-02",
      nid: null,
      municipality_code: null,
      approval: null,
      records: [],
      notices: [],
    },
  ];
}
