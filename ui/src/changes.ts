// Field changes (FieldChange from the Rust diff) as an officer reads them: "Dënimi 1 · Data e
// formës së prerë", "29.02.1980 → 01.03.1980", court and municipality names for codes.
import type { FieldChange } from "./generated/FieldChange";
import type { FileData } from "./generated/FileData";
import type { ReferenceSet } from "./generated/ReferenceSet";
import { isoToDisplay, timestampToDisplay } from "./dates";
import { FIELD_LABELS } from "./form/draft";
import type { Lang, MessageKey } from "./i18n";
import { countryName, courtName, municipalityName } from "./reference";

type T = (key: MessageKey, vars?: Record<string, string | number>) => string;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** The fields a record or notice changes once (its void, confirmation, service), which can
 * conflict when two stations set them differently. */
const SET_ONCE_LABELS: Record<string, MessageKey> = {
  void: "changeVoid",
  confirmation: "changeConfirmation",
  reason: "changeReason",
  by: "changeBy",
  at: "changeAt",
  served_on: "servedOn",
  served_by: "changeServedBy",
};
const ADDRESS_KINDS = new Set(["residence", "temporary_stay", "work"]);
const ALIAS_KINDS = new Set(["alias", "former_name", "maiden_name"]);

/** `convictions[0190…].final_date` → [{name: "convictions", id: "0190…"}, {name: "final_date"}]. */
export function pathSegments(path: string): { name: string; id?: string }[] {
  const out: { name: string; id?: string }[] = [];
  const re = /([^.[\]]+)(?:\[([^\]]*)\])?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) out.push(m[2] === undefined ? { name: m[1]! } : { name: m[1]!, id: m[2] });
  return out;
}

const ITEM_LABELS: Record<string, MessageKey> = {
  convictions: "conviction",
  addresses: "address",
  aliases: "alias",
};

/** The leaf field of a change (`final_date`), and the list it is in (`convictions`), if any. */
export function leafOf(path: string): { field: string; list: string | null } {
  const segs = pathSegments(path);
  const field = segs[segs.length - 1]?.name ?? path;
  const list = [...segs].reverse().find((s) => s.id !== undefined)?.name ?? null;
  return { field, list };
}

/** Whether a change is only the id of a list item appearing or going (the other fields say it). */
export function isIdChange(c: FieldChange): boolean {
  const segs = pathSegments(c.path);
  return segs.length > 1 && segs[segs.length - 1]!.name === "id" && segs[segs.length - 2]!.id !== undefined;
}

/**
 * A readable label for a change path; list items are numbered as they stand in `data`, or just
 * named when the file is not at hand (`null`: a synchronisation issue, a conflict on the server).
 */
export function changeLabel(path: string, data: FileData | null, t: T): string {
  const segs = pathSegments(path);
  const out: string[] = [];
  let here: unknown = data;
  segs.forEach((s, i) => {
    const container = here !== null && typeof here === "object" ? (here as Record<string, unknown>)[s.name] : undefined;
    if (s.id !== undefined && data === null) {
      const item = ITEM_LABELS[s.name];
      out.push(item ? t(item) : s.name);
      here = undefined;
      return;
    }
    if (s.id !== undefined) {
      const list = Array.isArray(container) ? (container as { id?: string }[]) : [];
      const index = list.findIndex((x) => x?.id === s.id);
      const item = ITEM_LABELS[s.name];
      const what = item ? t(item) : s.name;
      out.push(index >= 0 ? `${what} ${index + 1}` : `${what} (${t("itemRemoved")})`);
      here = index >= 0 ? list[index] : undefined;
      return;
    }
    here = container;
    const last = i === segs.length - 1;
    if (!last && (s.name === "identity" || s.name === "description")) return;
    // A server document's path starts at its `data` (a conflict): the officer's fields are inside.
    if (!last && i === 0 && s.name === "data") return;
    if (s.name === "kind") {
      out.push(t(segs.some((x) => x.name === "addresses") ? "addressKind" : "aliasKind"));
      return;
    }
    const key = FIELD_LABELS[s.name] ?? SET_ONCE_LABELS[s.name] ?? (s.name === "nid_check_overridden" ? "nidOverridden" : undefined);
    out.push(key ? t(key) : s.name);
  });
  return out.join(" · ");
}

/** A changed value, readable: dates dd.mm.yyyy, names for codes, yes/no, lists joined. */
export function changeValueText(path: string, v: unknown, ref: ReferenceSet, t: T, lang: Lang): string {
  const { field, list } = leafOf(path);
  const none = t("none");
  if (v === null || v === undefined || v === "") return none;
  if (Array.isArray(v)) {
    if (v.length === 0) return none;
    if (field === "citizenships") return v.map((c) => countryName(ref, String(c), lang)).join(", ");
    return v.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(", ");
  }
  if (typeof v === "boolean") return v ? t("yes") : t("no");
  if (typeof v === "number") return String(v);
  if (typeof v === "string") {
    if (ISO_DATE.test(v)) return isoToDisplay(v);
    switch (field) {
      case "at":
        // when a record was voided or confirmed: an instant, shown in Tirana time
        return timestampToDisplay(v);
      case "court_code":
        return courtName(ref, v);
      case "municipality_code":
        return municipalityName(ref, v);
      case "country":
        return countryName(ref, v, lang);
      case "sex":
        return v === "M" || v === "F" ? t(`sex_${v}`) : v;
      case "kind":
        if (list === "addresses" && ADDRESS_KINDS.has(v)) return t(`address_${v}` as MessageKey);
        if (list === "aliases" && ALIAS_KINDS.has(v)) return t(`alias_${v}` as MessageKey);
        return v;
    }
    return v;
  }
  return JSON.stringify(v);
}

/**
 * A contested value, readable: as `changeValueText`, and a whole list item (an address that
 * came or went) as its fields, "Bashkia: Tiranë; Rruga: …".
 */
export function valueText(path: string, v: unknown, ref: ReferenceSet, t: T, lang: Lang): string {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const parts = Object.entries(v as Record<string, unknown>)
      .filter(([k, x]) => k !== "id" && x !== null && x !== "" && !(Array.isArray(x) && x.length === 0))
      .map(([k, x]) => {
        const key = FIELD_LABELS[k];
        const label = k === "kind" ? t(path.includes("addresses") ? "addressKind" : "aliasKind") : key ? t(key) : k;
        return `${label}: ${changeValueText(`${path}.${k}`, x, ref, t, lang)}`;
      });
    return parts.length > 0 ? parts.join("; ") : t("none");
  }
  return changeValueText(path, v, ref, t, lang);
}
