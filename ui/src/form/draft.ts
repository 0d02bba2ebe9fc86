// The draft being edited and how its field paths map to steps, labels and inputs.
import type { AddressDraft } from "../generated/AddressDraft";
import type { AliasDraft } from "../generated/AliasDraft";
import type { ConvictionDraft } from "../generated/ConvictionDraft";
import type { FieldError } from "../generated/FieldError";
import type { FileDraft } from "../generated/FileDraft";
import type { MessageKey } from "../i18n";

export const STEPS = ["identity", "description", "convictions", "addresses", "review"] as const;
export type StepName = (typeof STEPS)[number];
export const REVIEW = STEPS.length - 1;

export const STEP_TITLES: Record<StepName, MessageKey> = {
  identity: "stepIdentity",
  description: "stepDescription",
  convictions: "stepConvictions",
  addresses: "stepAddresses",
  review: "stepReview",
};

export function emptyConviction(): ConvictionDraft {
  return {
    id: null,
    foreign: false,
    country: "AL",
    court_code: "",
    court_name: "",
    decision_number: "",
    decision_date: "",
    final_date: "",
    articles: [],
    sentence_months: "",
    sentence_text: "",
    custody_from: "",
    release_date: "",
    recognition: "",
    victim_age: "",
    victim_relationship: "",
  };
}

export function emptyAddress(): AddressDraft {
  return { id: null, kind: "residence", municipality_code: "", street: "", from: "", to: "" };
}

export function emptyAlias(): AliasDraft {
  return { id: null, kind: "alias", surname: "", given_name: "" };
}

/** A new file starts with one empty conviction (every file has one) and no address. */
export function emptyDraft(): FileDraft {
  return {
    identity: {
      surname: "",
      given_name: "",
      father_name: "",
      mother_name: "",
      sex: "",
      date_of_birth: "",
      place_of_birth: "",
      nid: "",
      citizenships: [],
      aliases: [],
    },
    description: { height_cm: "", eye_colour: "", hair_colour: "", marks: "" },
    convictions: [emptyConviction()],
    addresses: [],
    confirm_warnings: false,
  };
}

/** A copy of `obj` with the value at a dotted path ("convictions.0.articles") replaced. */
export function setIn<T>(obj: T, path: string, value: unknown): T {
  const keys = path.split(".");
  const rec = (o: unknown, i: number): unknown => {
    const key = keys[i]!;
    if (Array.isArray(o)) {
      const copy = [...o];
      const idx = Number(key);
      copy[idx] = i === keys.length - 1 ? value : rec(copy[idx], i + 1);
      return copy;
    }
    const rec0 = (o ?? {}) as Record<string, unknown>;
    return { ...rec0, [key]: i === keys.length - 1 ? value : rec(rec0[key], i + 1) };
  };
  return rec(obj, 0) as T;
}

/** Which step shows the field at `path`; problems of no known step belong to the review. */
export function stepOf(path: string): number {
  const head = path.split(".")[0];
  const i = STEPS.indexOf(head as StepName);
  return i >= 0 && i < REVIEW ? i : REVIEW;
}

export const FIELD_LABELS: Record<string, MessageKey> = {
  surname: "surname",
  given_name: "givenName",
  father_name: "fatherName",
  mother_name: "motherName",
  sex: "sex",
  date_of_birth: "dateOfBirth",
  place_of_birth: "placeOfBirth",
  nid: "nid",
  citizenships: "citizenships",
  aliases: "aliases",
  kind: "aliasKind",
  height_cm: "heightCm",
  eye_colour: "eyeColour",
  hair_colour: "hairColour",
  marks: "marks",
  foreign: "foreign",
  country: "country",
  court_code: "court",
  court_name: "courtName",
  decision_number: "decisionNumber",
  decision_date: "decisionDate",
  final_date: "finalDate",
  articles: "articles",
  sentence_months: "sentenceMonths",
  sentence_text: "sentenceText",
  custody_from: "custodyFrom",
  release_date: "releaseDate",
  recognition: "recognition",
  victim_age: "victimAge",
  victim_relationship: "victimRelationship",
  municipality_code: "municipality",
  street: "street",
  from: "from",
  to: "to",
  convictions: "convictions",
  addresses: "addresses",
  identity: "identity",
  description: "description",
};

/** "convictions.0.final_date" → "Dënimi 1 · Data e formës së prerë". */
export function fieldLabel(path: string, t: (k: MessageKey) => string): string {
  const parts = path.split(".");
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const next = parts[i + 1];
    if (/^\d+$/.test(p)) continue;
    if (next !== undefined && /^\d+$/.test(next)) {
      const n = Number(next) + 1;
      if (p === "convictions") out.push(`${t("conviction")} ${n}`);
      else if (p === "addresses") out.push(`${t("address")} ${n}`);
      else if (p === "aliases") out.push(`${t("alias")} ${n}`);
      else if (p === "citizenships") out.push(`${t("citizenship")} ${n}`);
      else if (p === "articles") out.push(`${t("articles")} ${n}`);
      else out.push(p);
      continue;
    }
    if (i === 0 && parts.length > 1 && (p === "identity" || p === "description")) continue;
    if (p === "kind" && parts[0] === "addresses") out.push(t("addressKind"));
    else {
      const key = FIELD_LABELS[p];
      out.push(key ? t(key) : p);
    }
  }
  return out.join(" · ");
}

export function problemsAt(problems: FieldError[], path: string): FieldError[] {
  return problems.filter((p) => p.field === path);
}

export function hasErrors(problems: FieldError[]): boolean {
  return problems.some((p) => p.severity === "error");
}

/** An id for the input of a field path, usable in `for`, `id` and CSS. */
export function fieldId(path: string): string {
  return `f-${path.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}
