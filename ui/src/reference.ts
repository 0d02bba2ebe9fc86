// Names from the reference tables; codes are shown as they are when a table lacks them.
import type { Lang } from "./i18n";
import type { Article } from "./generated/Article";
import type { Municipality } from "./generated/Municipality";
import type { ReferenceSet } from "./generated/ReferenceSet";

export function courtName(ref: ReferenceSet, code: string | null): string {
  if (!code) return "";
  return ref.courts.find((c) => c.code === code)?.name ?? code;
}

export function article(ref: ReferenceSet, code: string): Article | undefined {
  return ref.articles.find((a) => a.code === code);
}

export function articleTitle(ref: ReferenceSet, code: string, lang: Lang): string {
  const a = article(ref, code);
  if (!a) return "";
  return lang === "en" ? a.title_en : a.title_sq;
}

export function municipalityName(ref: ReferenceSet, code: string | null): string {
  if (!code) return "";
  return ref.municipalities.find((m) => m.code === code)?.name ?? code;
}

export function countyName(ref: ReferenceSet, code: string): string {
  return ref.counties.find((c) => c.code === code)?.name ?? code;
}

export function countryName(ref: ReferenceSet, code: string, lang: Lang): string {
  const c = ref.countries.find((x) => x.code === code);
  if (!c) return code;
  return lang === "en" ? c.name_en : c.name_sq;
}

export function directorateName(ref: ReferenceSet, code: string): string {
  return ref.directorates.find((d) => d.code === code)?.name ?? code;
}

/** Municipalities grouped by county, both in Albanian alphabetical order. */
export function municipalitiesByCounty(ref: ReferenceSet): { county: string; items: Municipality[] }[] {
  const collator = new Intl.Collator("sq");
  const groups = new Map<string, Municipality[]>();
  for (const m of ref.municipalities) {
    const list = groups.get(m.county_code) ?? [];
    list.push(m);
    groups.set(m.county_code, list);
  }
  return [...groups.entries()]
    .map(([county, items]) => ({
      county: countyName(ref, county),
      items: [...items].sort((a, b) => collator.compare(a.name, b.name)),
    }))
    .sort((a, b) => collator.compare(a.county, b.county));
}
