// An in-memory Backend for unit tests only (the app always uses tauri.ts). It keeps files,
// pages searches, validates drafts with a few of the real rules, records every call and can
// be told to fail, so screens can be tested against the same contract the Rust side keeps.
import type { AppError } from "../generated/AppError";
import type { AppInfo } from "../generated/AppInfo";
import type { EditForm } from "../generated/EditForm";
import type { FieldError } from "../generated/FieldError";
import type { FileDraft } from "../generated/FileDraft";
import type { FileSummary } from "../generated/FileSummary";
import type { FileView } from "../generated/FileView";
import type { HistoryEntry } from "../generated/HistoryEntry";
import type { OffenderFile } from "../generated/OffenderFile";
import type { ReferenceSet } from "../generated/ReferenceSet";
import type { Saved } from "../generated/Saved";
import type { SearchPage } from "../generated/SearchPage";
import type { SearchQuery } from "../generated/SearchQuery";
import type { Text } from "../generated/Text";
import { displayToIso, isoToDisplay } from "../dates";
import type { Backend } from "./backend";
import { PAGE_SIZE } from "./backend";

export type Method = keyof Backend;
export interface Call {
  method: Method;
  args: unknown[];
}

const FIXED_NOW = "2026-03-29T01:30:00Z";

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
  private files = new Map<string, FileView>();
  private order: string[] = [];
  private nextId = 1;
  private failures = new Map<Method, unknown[]>();
  private holds = new Map<Method, Promise<void>>();

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

  private async enter(method: Method, args: unknown[]): Promise<void> {
    this.calls.push({ method, args: structuredClone(args) });
    await this.holds.get(method);
    const list = this.failures.get(method);
    if (list && list.length > 0) throw list.shift();
  }

  /** Adds a stored, approved file and returns its id. */
  addPerson(seed: PersonSeed): string {
    const id = `00000000-0000-4000-8000-${String(this.nextId++).padStart(12, "0")}`;
    const file: OffenderFile = {
      id,
      version: 1,
      status: "approved",
      owning_directorate: "dvp-tirane",
      data: {
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
            final_date: "2019-07-01",
            articles: ["100"],
            sentence_months: 60,
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
      },
      created_at: FIXED_NOW,
      created_by: "test",
      updated_at: FIXED_NOW,
      updated_by: "test",
    };
    this.files.set(id, {
      file,
      history: [{ version: 1, at: FIXED_NOW, actor: "test", action: "create", changes: [] }],
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

  async appInfo(): Promise<AppInfo> {
    await this.enter("appInfo", []);
    return { ...this.info };
  }

  async referenceData(): Promise<ReferenceSet> {
    await this.enter("referenceData", []);
    return this.reference;
  }

  async searchFiles(query: SearchQuery): Promise<SearchPage> {
    await this.enter("searchFiles", [query]);
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
      hits.push({
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
      });
    }
    const rank = { exact: 0, variant: 1, prefix: 2, listed: 3 };
    hits.sort((a, b) => rank[a.matched] - rank[b.matched] || a.surname.localeCompare(b.surname, "sq"));
    return {
      total: hits.length,
      page: query.page,
      page_size: pageSize,
      items: hits.slice(query.page * pageSize, (query.page + 1) * pageSize),
      interpreted_as: words.length ? "name" : "none",
    };
  }

  async getFile(id: string): Promise<FileView> {
    await this.enter("getFile", [id]);
    const v = this.files.get(id);
    if (!v) throw appError("not_found", { sq: "Dosja nuk u gjet.", en: "File not found." });
    return structuredClone(v);
  }

  async editFile(id: string): Promise<EditForm> {
    await this.enter("editFile", [id]);
    const v = this.files.get(id);
    if (!v) throw appError("not_found", { sq: "Dosja nuk u gjet.", en: "File not found." });
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
    return this.validate(draft);
  }

  async createFile(draft: FileDraft): Promise<Saved> {
    await this.enter("createFile", [draft]);
    this.refuseInvalid(draft);
    const id = this.addPerson({
      surname: draft.identity.surname.trim(),
      given_name: draft.identity.given_name.trim(),
      father_name: draft.identity.father_name.trim(),
      sex: draft.identity.sex as "M" | "F",
      date_of_birth: displayToIso(draft.identity.date_of_birth)!,
      nid: draft.identity.nid.trim() ? draft.identity.nid.replace(/\s/g, "").toUpperCase() : null,
      municipality_code: draft.addresses[0]?.municipality_code ?? null,
    });
    return { id, version: 1 };
  }

  async updateFile(id: string, baseVersion: number, draft: FileDraft): Promise<Saved> {
    await this.enter("updateFile", [id, baseVersion, draft]);
    const v = this.files.get(id);
    if (!v) throw appError("not_found", { sq: "Dosja nuk u gjet.", en: "File not found." });
    if (baseVersion !== v.file.version) {
      throw appError("version_conflict", {
        sq: "Dosja u ndryshua nga dikush tjetër ndërkohë.",
        en: "Someone else changed the file meanwhile.",
      });
    }
    this.refuseInvalid(draft);
    const who = v.file.data.identity;
    const changes: HistoryEntry["changes"] = [];
    const surname = draft.identity.surname.trim();
    if (surname !== who.surname) changes.push({ path: "identity.surname", old: who.surname, new: surname });
    const version = v.file.version + 1;
    v.file = { ...v.file, version, data: { ...v.file.data, identity: { ...who, surname } } };
    v.history.push({ version, at: FIXED_NOW, actor: "test", action: "update", changes });
    return { id, version };
  }

  private refuseInvalid(draft: FileDraft): void {
    const problems = this.validate(draft);
    const errors = problems.some((p) => p.severity === "error");
    const unconfirmed = !draft.confirm_warnings && problems.some((p) => p.severity === "warning");
    if (errors || unconfirmed) {
      throw appError("validation", { sq: "Dosja ka probleme.", en: "The file has problems." }, problems);
    }
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
