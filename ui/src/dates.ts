// Dates as a registry officer reads and types them: dd.mm.yyyy. Stored dates are ISO
// (YYYY-MM-DD, date only); timestamps are UTC and shown in Europe/Tirane.

export const TIME_ZONE = "Europe/Tirane";

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DISPLAY_DATE = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;

function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  return d <= days;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** "2024-02-29" → "29.02.2024". Empty or null gives ""; text that is not an ISO date is returned as it is. */
export function isoToDisplay(iso: string | null | undefined): string {
  if (!iso) return "";
  const m = ISO_DATE.exec(iso);
  if (!m) return iso;
  return `${m[3]}.${m[2]}.${m[1]}`;
}

/** "29.02.2024" (or "9.2.2024") → "2024-02-29"; null when it is not a real calendar date. */
export function displayToIso(display: string): string | null {
  const m = DISPLAY_DATE.exec(display.trim());
  if (!m) return null;
  const d = Number(m[1]);
  const mo = Number(m[2]);
  const y = Number(m[3]);
  if (!isRealDate(y, mo, d)) return null;
  return `${m[3]}-${pad2(mo)}-${pad2(d)}`;
}

const tiraneFormat = new Intl.DateTimeFormat("en-GB", {
  timeZone: TIME_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

/**
 * A UTC timestamp ("2026-03-29T01:30:00Z", fractions of a second allowed) as Tirana wall-clock
 * time "29.03.2026 03:30" ("29.03.2026 03:30:00" with `seconds`). Text that is not a
 * timestamp is returned as it is.
 */
export function timestampToDisplay(ts: string, seconds = false): string {
  // Date.parse is only specified for up to milliseconds; chrono may send microseconds.
  const trimmed = ts.replace(/(\.\d{3})\d+/, "$1");
  const ms = Date.parse(trimmed);
  if (Number.isNaN(ms)) return ts;
  const parts: Record<string, string> = {};
  for (const p of tiraneFormat.formatToParts(new Date(ms))) parts[p.type] = p.value;
  const time = `${parts.hour}:${parts.minute}${seconds ? `:${parts.second}` : ""}`;
  return `${parts.day}.${parts.month}.${parts.year} ${time}`;
}

/** What a person typed as a day, as the backend wants it: "" → null, "1.2.2026" → "01.02.2026"; undefined when it is not a real date. */
export function normaliseDisplayDate(typed: string): string | null | undefined {
  if (!typed.trim()) return null;
  const iso = displayToIso(typed);
  return iso ? isoToDisplay(iso) : undefined;
}
