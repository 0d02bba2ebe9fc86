import type { AppError } from "../generated/AppError";
import type { FieldError } from "../generated/FieldError";
import type { Text } from "../generated/Text";

/** Error codes the screens act on; any other code is shown as it is. */
export const ErrorCode = {
  validation: "validation",
  versionConflict: "version_conflict",
  /** Four eyes: the officer made the version or record themselves (approve, return, confirm, void). */
  ownWork: "own_work",
  /** Confirming a record that needs no confirmation (or has it already). */
  nothingToConfirm: "nothing_to_confirm",
  forbidden: "forbidden",
  notFound: "not_found",
  /** A reason (returning, voiding, fetching another directorate's file) is required. */
  reasonRequired: "reason_required",
  /** Input the Rust side could not read (a bad server URL, a bad bundle); the message says which. */
  invalidInput: "invalid_input",
  internal: "internal",
  // synchronisation with the central server
  /** This workstation is not enrolled as a station yet. */
  notEnrolled: "not_enrolled",
  /** A round is already under way: keep polling the status. */
  syncRunning: "sync_running",
  /** The central server could not be reached (offline). */
  serverUnreachable: "server_unreachable",
  /** The station's certificate, key or CA are missing or do not fit. */
  stationIdentityInvalid: "station_identity_invalid",
  /** The server does not know this station's certificate. */
  stationUnknown: "station_unknown",
  /** Someone decided the conflict meanwhile: reload the list. */
  conflictResolved: "conflict_resolved",
  conflictNotFound: "conflict_not_found",
  // photos (the problem is also on the field "photo")
  /** Not a whole JPEG or PNG (told by content, not by name). */
  photoFormat: "photo_format",
  /** More than 512 KB, or a side longer than 4096 pixels, even after the downscale. */
  photoTooLarge: "photo_too_large",
  photoRequired: "photo_required",
} as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

function isText(v: unknown): v is Text {
  return isRecord(v) && typeof v.sq === "string" && typeof v.en === "string";
}

function isFieldError(v: unknown): v is FieldError {
  return (
    isRecord(v) &&
    typeof v.field === "string" &&
    typeof v.code === "string" &&
    (v.severity === "error" || v.severity === "warning") &&
    isText(v.message)
  );
}

/** True when `v` already has the exact shape the Rust side sends. */
export function isAppError(v: unknown): v is AppError {
  return (
    isRecord(v) &&
    typeof v.code === "string" &&
    v.code.length > 0 &&
    isText(v.message) &&
    Array.isArray(v.fields) &&
    v.fields.every(isFieldError)
  );
}

function detailOf(e: unknown): string {
  if (typeof e === "string") return e;
  if (e instanceof Error) return e.message || e.name;
  if (isRecord(e) && typeof e.message === "string") return e.message;
  try {
    const s = JSON.stringify(e);
    return s === undefined ? String(e) : s;
  } catch {
    return String(e);
  }
}

/**
 * Whatever a command rejected with, as an AppError. A well-formed AppError passes through
 * (field problems that are malformed are dropped); anything else (a string from the Tauri
 * runtime, a JavaScript Error, a bare object) becomes code "internal" with the detail kept.
 */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return { code: e.code, message: e.message, fields: e.fields };
  if (isRecord(e) && typeof e.code === "string" && e.code.length > 0 && isText(e.message)) {
    const fields = Array.isArray(e.fields) ? e.fields.filter(isFieldError) : [];
    return { code: e.code, message: e.message, fields };
  }
  const detail = detailOf(e);
  return {
    code: ErrorCode.internal,
    message: {
      sq: `Gabim i brendshëm: ${detail}`,
      en: `Internal error: ${detail}`,
    },
    fields: [],
  };
}

/**
 * Whether a refusal says the central server is out of reach for now (this workstation is not
 * enrolled, or the server did not answer): the screen offers to try again, nothing was done.
 */
export function needsServer(error: AppError): boolean {
  return error.code === ErrorCode.serverUnreachable || error.code === ErrorCode.notEnrolled;
}
