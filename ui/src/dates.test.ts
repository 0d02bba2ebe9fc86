import { describe, expect, it } from "vitest";
import { displayToIso, isoToDisplay, normaliseDisplayDate, timestampToDisplay } from "./dates";

describe("isoToDisplay", () => {
  it("turns ISO dates into dd.mm.yyyy", () => {
    expect(isoToDisplay("2024-02-29")).toBe("29.02.2024");
    expect(isoToDisplay("1980-01-05")).toBe("05.01.1980");
  });
  it("gives empty text for no date and leaves other text alone", () => {
    expect(isoToDisplay(null)).toBe("");
    expect(isoToDisplay("")).toBe("");
    expect(isoToDisplay("29.02.2024")).toBe("29.02.2024");
  });
});

describe("displayToIso", () => {
  it("reads dd.mm.yyyy, with or without leading zeros", () => {
    expect(displayToIso("29.02.2024")).toBe("2024-02-29");
    expect(displayToIso("5.1.1980")).toBe("1980-01-05");
    expect(displayToIso(" 31.12.1999 ")).toBe("1999-12-31");
  });
  it("refuses days that do not exist", () => {
    expect(displayToIso("29.02.2023")).toBeNull();
    expect(displayToIso("29.02.1900")).toBeNull();
    expect(displayToIso("29.02.2000")).toBe("2000-02-29");
    expect(displayToIso("31.04.2024")).toBeNull();
    expect(displayToIso("00.01.2024")).toBeNull();
    expect(displayToIso("01.13.2024")).toBeNull();
  });
  it("refuses other formats", () => {
    expect(displayToIso("2024-02-29")).toBeNull();
    expect(displayToIso("29/02/2024")).toBeNull();
    expect(displayToIso("29.02.24")).toBeNull();
    expect(displayToIso("")).toBeNull();
  });
  it("round-trips with isoToDisplay", () => {
    for (const iso of ["2024-02-29", "1999-12-31", "2000-01-01"]) {
      expect(displayToIso(isoToDisplay(iso))).toBe(iso);
    }
  });
});

describe("timestampToDisplay (Europe/Tirane)", () => {
  it("adds one hour in winter and two in summer", () => {
    expect(timestampToDisplay("2026-01-15T10:00:00Z")).toBe("15.01.2026 11:00");
    expect(timestampToDisplay("2026-07-15T10:00:00Z")).toBe("15.07.2026 12:00");
  });
  it("jumps over the spring gap (29.03.2026, 02:00 → 03:00)", () => {
    expect(timestampToDisplay("2026-03-29T00:30:00Z")).toBe("29.03.2026 01:30");
    expect(timestampToDisplay("2026-03-29T01:30:00Z")).toBe("29.03.2026 03:30");
  });
  it("shows the autumn repeat (25.10.2026, 03:00 → 02:00)", () => {
    expect(timestampToDisplay("2026-10-25T00:30:00Z")).toBe("25.10.2026 02:30");
    expect(timestampToDisplay("2026-10-25T01:30:00Z")).toBe("25.10.2026 02:30");
  });
  it("rolls the date over at local midnight and uses a 24-hour clock", () => {
    expect(timestampToDisplay("2025-12-31T23:30:00Z")).toBe("01.01.2026 00:30");
    expect(timestampToDisplay("2026-06-01T20:05:00Z")).toBe("01.06.2026 22:05");
  });
  it("accepts microseconds and offsets as chrono writes them", () => {
    expect(timestampToDisplay("2026-03-29T01:30:00.123456Z")).toBe("29.03.2026 03:30");
    expect(timestampToDisplay("2026-03-29T01:30:00+00:00")).toBe("29.03.2026 03:30");
  });
  it("leaves text that is not a timestamp alone", () => {
    expect(timestampToDisplay("not a time")).toBe("not a time");
  });
});

describe("timestampToDisplay with seconds", () => {
  it("adds the seconds of Tirana time (the audit trail wants them)", () => {
    expect(timestampToDisplay("2026-03-29T01:30:07.123456Z", true)).toBe("29.03.2026 03:30:07");
    expect(timestampToDisplay("2026-03-29T01:30:07.123456Z")).toBe("29.03.2026 03:30");
  });
});

describe("normaliseDisplayDate", () => {
  it("gives null for nothing, dd.mm.yyyy for a real day, undefined for anything else", () => {
    expect(normaliseDisplayDate("  ")).toBeNull();
    expect(normaliseDisplayDate("1.3.2026")).toBe("01.03.2026");
    expect(normaliseDisplayDate("29.02.2025")).toBeUndefined();
    expect(normaliseDisplayDate("2026-03-01")).toBeUndefined();
  });
});
