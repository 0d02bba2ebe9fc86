import { describe, expect, it } from "vitest";
import type { FileData } from "./generated/FileData";
import { fakeReference } from "./backend/fake";
import { changeLabel, changeValueText, isIdChange, pathSegments, valueText } from "./changes";
import type { MessageKey } from "./i18n";

// labels as the keys themselves, so the test reads the mapping
const t = (k: MessageKey) => k;

const data = {
  identity: { aliases: [{ id: "al-1" }, { id: "al-2" }] },
  description: {},
  convictions: [{ id: "c-1" }, { id: "c-2" }],
  addresses: [{ id: "a-1" }],
} as unknown as FileData;

describe("change paths", () => {
  it("splits keyed list items", () => {
    expect(pathSegments("convictions[0190-ab].final_date")).toEqual([{ name: "convictions", id: "0190-ab" }, { name: "final_date" }]);
    expect(pathSegments("identity.surname")).toEqual([{ name: "identity" }, { name: "surname" }]);
  });

  it("labels fields by where they stand now, and items that are gone as removed", () => {
    expect(changeLabel("identity.surname", data, t)).toBe("surname");
    expect(changeLabel("description.height_cm", data, t)).toBe("heightCm");
    expect(changeLabel("convictions[c-2].final_date", data, t)).toBe("conviction 2 · finalDate");
    expect(changeLabel("addresses[a-1].kind", data, t)).toBe("address 1 · addressKind");
    expect(changeLabel("identity.aliases[al-2].kind", data, t)).toBe("alias 2 · aliasKind");
    expect(changeLabel("convictions[zz].court_code", data, t)).toBe("conviction (itemRemoved) · court");
    expect(changeLabel("identity.nid_check_overridden", data, t)).toBe("nidOverridden");
  });

  it("names list items without numbering them when the file is not at hand (sync issues, conflicts)", () => {
    expect(changeLabel("addresses[a-9].street", null, t)).toBe("address · street");
    expect(changeLabel("identity.father_name", null, t)).toBe("fatherName");
    expect(changeLabel("convictions[c-1]", null, t)).toBe("conviction");
  });

  it("labels a conflict's document paths without their data wrapper, and a record's void, confirmation and service", () => {
    expect(changeLabel("data.description.height_cm", null, t)).toBe("heightCm");
    expect(changeLabel("data.addresses[a-9].street", null, t)).toBe("address · street");
    expect(changeLabel("void.reason", null, t)).toBe("changeVoid · changeReason");
    expect(changeLabel("confirmation.at", null, t)).toBe("changeConfirmation · changeAt");
    expect(changeLabel("served_by", null, t)).toBe("changeServedBy");
  });

  it("treats only an item's id as an id change", () => {
    expect(isIdChange({ path: "convictions[c-1].id", old: "c-1", new: null })).toBe(true);
    expect(isIdChange({ path: "identity.nid", old: "x", new: "y" })).toBe(false);
  });
});

describe("change values", () => {
  const v = (path: string, value: unknown) => changeValueText(path, value, fakeReference, t, "sq");

  it("shows dates as dd.mm.yyyy, names for codes, yes/no and lists", () => {
    expect(v("identity.date_of_birth", "1980-02-29")).toBe("29.02.1980");
    expect(v("convictions[c-1].court_code", "gj-durres")).toBe("Gjykata e Shkallës së Parë Durrës");
    expect(v("addresses[a-1].municipality_code", "kamez")).toBe("Kamëz");
    expect(v("convictions[c-1].country", "IT")).toBe("Itali");
    expect(v("identity.citizenships", ["AL", "GR"])).toBe("Shqipëri, Greqi");
    expect(v("convictions[c-1].articles", ["100", "108"])).toBe("100, 108");
    expect(v("convictions[c-1].foreign", true)).toBe("yes");
    expect(v("identity.sex", "F")).toBe("sex_F");
    expect(v("addresses[a-1].kind", "temporary_stay")).toBe("address_temporary_stay");
    expect(v("convictions[c-1].sentence_months", 60)).toBe("60");
    expect(v("identity.nid", null)).toBe("none");
    expect(v("identity.mother_name", "")).toBe("none");
  });

  it("shows an instant (when a record was voided) in Tirana time", () => {
    expect(v("void.at", "2026-12-02T09:00:00.000000Z")).toBe("02.12.2026 10:00");
  });
});

describe("contested values", () => {
  it("reads a whole list item as its fields, and anything else as a change value", () => {
    const item = { id: "a-1", kind: "residence", municipality_code: "kamez", street: "Rr. Dibrës 4", from: "2024-01-15", to: null };
    expect(valueText("addresses[a-1]", item, fakeReference, t, "sq")).toBe(
      "addressKind: address_residence; municipality: Kamëz; street: Rr. Dibrës 4; from: 15.01.2024",
    );
    expect(valueText("identity.date_of_birth", "1980-03-01", fakeReference, t, "sq")).toBe("01.03.1980");
    expect(valueText("addresses[a-1]", null, fakeReference, t, "sq")).toBe("none");
  });
});
