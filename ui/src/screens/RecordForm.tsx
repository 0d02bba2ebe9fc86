// One form per record kind (registration notice, check-in, address change, verification visit,
// trip, a change to a declared trip, occupation, status change, risk assessment, change of
// name), keyboard-first: the first field has the focus, Ctrl+Enter saves, Escape cancels.
// Problems come back from Rust by draft field ("date", "reported_on", "reported_time",
// "trip_id", "choice", "country", "end_date", …) and are shown at the field. Anyone who may
// add records may record a death or removal; it takes effect once a second supervisor confirms
// it. A trip change starts from the trip as it stands (chosen from the file's trips), so only
// what changed is typed; a name change starts from the name on the file. A check-in takes a
// new photo (picked, recognised by content, downscaled and previewed here; sent first, then
// named by the record) or the reason why none was taken.
import { useEffect, useRef, useState } from "react";
import type { KeyboardEvent } from "react";
import type { FieldError } from "../generated/FieldError";
import type { FileRecord } from "../generated/FileRecord";
import type { Itinerary } from "../generated/Itinerary";
import type { RecordDraft } from "../generated/RecordDraft";
import type { ReferenceSet } from "../generated/ReferenceSet";
import { useBackend } from "../backend/context";
import { ErrorCode, toAppError } from "../backend/errors";
import { isoToDisplay } from "../dates";
import { CheckboxField, Problems, SelectField, TextArea, TextField } from "../form/fields";
import { fieldId } from "../form/draft";
import { bilingual, useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { countryName, municipalitiesByCounty, municipalityName } from "../reference";
import { dataUrl, PhotoProblem, preparePhoto } from "../photo";
import type { PreparedPhoto } from "../photo";
import { useSession } from "../session";

export const RECORD_KINDS = [
  "registration_notice",
  "check_in",
  "address_change",
  "verification",
  "trip",
  "trip_change",
  "occupation",
  "status_change",
  "risk_assessment",
  "name_change",
] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** The fields each kind uses, in the order of the form (for the focus and the problems). */
const DRAFT_FIELDS: (keyof RecordDraft | "photo")[] = [
  "kind", "trip_id", "old_surname", "old_given_name", "new_surname", "new_given_name", "choice", "foreign", "country", "destination",
  "municipality_code", "street", "organisation", "role", "date", "end_date", "reported_on", "reported_time", "officer", "photo", "photo_id",
  "no_photo_reason", "contact_with_children", "purpose", "note",
];

/** The name on the file, for a change of name to start from. */
export interface CurrentName {
  surname: string;
  given_name: string;
}

export function emptyRecord(kind: RecordKind, officer: string, name?: CurrentName): RecordDraft {
  return {
    kind,
    date: "",
    end_date: "",
    reported_on: "",
    reported_time: "",
    trip_id: "",
    old_surname: kind === "name_change" ? (name?.surname ?? "") : "",
    old_given_name: kind === "name_change" ? (name?.given_name ?? "") : "",
    new_surname: "",
    // most often only the surname changes
    new_given_name: kind === "name_change" ? (name?.given_name ?? "") : "",
    officer: kind === "registration_notice" || kind === "check_in" || kind === "verification" || kind === "risk_assessment" ? officer : "",
    note: "",
    photo_id: "",
    no_photo_reason: "",
    choice: "",
    municipality_code: "",
    street: "",
    foreign: false,
    country: "",
    destination: "",
    purpose: "",
    organisation: "",
    role: "",
    contact_with_children: false,
  };
}

/** The DOM path of a draft field (unique on the person view). */
const path = (field: string) => `record.${field}`;

export function RecordForm({
  fileId,
  kind,
  reference,
  trips = [],
  currentName,
  onSaved,
  onCancel,
}: {
  fileId: string;
  kind: RecordKind;
  reference: ReferenceSet;
  /** The file's trips as they stand (a trip change names one). */
  trips?: Itinerary[];
  currentName?: CurrentName;
  onSaved(record: FileRecord): void;
  onCancel(): void;
}) {
  const backend = useBackend();
  const session = useSession();
  const { t, text, lang } = useI18n();
  const [draft, setDraft] = useState<RecordDraft>(() => emptyRecord(kind, session.user_name, currentName));
  const [problems, setProblems] = useState<FieldError[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const root = useRef<HTMLFormElement>(null);
  /** The check-in's new photo: prepared here; once sent, its id and the day it was sent for. */
  const [photo, setPhoto] = useState<{ prepared: PreparedPhoto; sent: { id: string; takenOn: string } | null } | null>(null);
  const [photoProblems, setPhotoProblems] = useState<FieldError[]>([]);
  const [preparing, setPreparing] = useState(false);
  const picker = useRef<HTMLInputElement>(null);

  useEffect(() => {
    root.current?.querySelector<HTMLElement>("input, select, textarea")?.focus();
  }, []);

  const set = (patch: Partial<RecordDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const of = (field: string) => problems.filter((p) => p.field === field);
  const groups = municipalitiesByCounty(reference);

  const pick = async (file: File | undefined) => {
    setPhotoProblems([]);
    if (!file) return;
    setPreparing(true);
    try {
      const prepared = await preparePhoto(file);
      setPhoto({ prepared, sent: null });
      set({ no_photo_reason: "" });
    } catch (e) {
      const code = e instanceof PhotoProblem ? e.code : "photo_format";
      setPhoto(null);
      setPhotoProblems([
        {
          field: "photo",
          code,
          severity: "error",
          message: bilingual(code === "photo_too_large" ? "photoTooLarge" : "photoFormat"),
        },
      ]);
      if (picker.current) picker.current.value = "";
    } finally {
      setPreparing(false);
    }
  };

  const removePhoto = () => {
    setPhoto(null);
    setPhotoProblems([]);
    if (picker.current) {
      picker.current.value = "";
      picker.current.focus();
    }
  };

  /** Sends the check-in's photo (once per day it is for) and returns its id, or "". */
  const sendPhoto = async (): Promise<string> => {
    if (kind !== "check_in" || !photo) return "";
    if (photo.sent && photo.sent.takenOn === draft.date) return photo.sent.id;
    const sent = await backend.addPhoto(fileId, { taken_on: draft.date, data_base64: photo.prepared.base64 });
    setPhoto({ prepared: photo.prepared, sent: { id: sent.id, takenOn: draft.date } });
    return sent.id;
  };

  const save = async () => {
    if (saving) return;
    setSaving(true);
    setError(null);
    try {
      let photoId: string;
      try {
        photoId = await sendPhoto();
      } catch (e) {
        // The photo's day is the check-in's: its problems are shown at the date.
        const err = toAppError(e);
        throw { ...err, fields: err.fields.map((f) => (f.field === "taken_on" ? { ...f, field: "date" } : f)) };
      }
      const record = await backend.addRecord(fileId, { ...draft, photo_id: photoId, no_photo_reason: photoId ? "" : draft.no_photo_reason });
      setProblems([]);
      onSaved(record);
    } catch (e) {
      const err = toAppError(e);
      const isPhoto = [ErrorCode.photoFormat, ErrorCode.photoTooLarge, ErrorCode.photoRequired].includes(err.code as never);
      if ((err.code === ErrorCode.validation || isPhoto) && err.fields.length > 0) {
        setProblems(err.fields);
        setError(t("recordProblems"));
        // the first field with a problem, in the order of the form
        const order = (f: string) => {
          const i = DRAFT_FIELDS.indexOf(f as keyof RecordDraft | "photo");
          return i < 0 ? DRAFT_FIELDS.length : i;
        };
        const first = [...err.fields].sort((a, b) => order(a.field) - order(b.field))[0];
        setTimeout(() => {
          const input = first ? document.getElementById(fieldId(path(first.field))) : null;
          (input ?? root.current?.querySelector<HTMLElement>("[data-testid='record-error']"))?.focus();
        }, 0);
      } else {
        setProblems(err.fields);
        setError(text(err.message));
      }
    } finally {
      setSaving(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      onCancel();
    } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void save();
    }
  };

  const date = (field: "date" | "end_date" | "reported_on", label: MessageKey, required = true) => (
    <TextField
      path={path(field)}
      label={t(label)}
      kind="date"
      required={required}
      problems={of(field)}
      value={draft[field]}
      onChange={(v) => set({ [field]: v })}
    />
  );
  const textField = (
    field: "officer" | "street" | "destination" | "purpose" | "organisation" | "role" | "old_surname" | "old_given_name" | "new_surname" | "new_given_name",
    label: MessageKey,
    required = false,
  ) => (
    <TextField path={path(field)} label={t(label)} required={required} problems={of(field)} value={draft[field]} onChange={(v) => set({ [field]: v })} />
  );
  const choice = (label: MessageKey, options: { value: string; label: string }[], hint?: MessageKey) => (
    <SelectField
      path={path("choice")}
      label={t(label)}
      required
      problems={of("choice")}
      value={draft.choice}
      onChange={(v) => set({ choice: v })}
      hint={hint ? t(hint) : undefined}
    >
      <option value="">{t("choose")}</option>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </SelectField>
  );
  const municipality = (field: "municipality_code" | "destination", label: MessageKey) => (
    <SelectField path={path(field)} label={t(label)} required problems={of(field)} value={draft[field]} onChange={(v) => set({ [field]: v })}>
      <option value="">{t("choose")}</option>
      {groups.map((g) => (
        <optgroup key={g.county} label={g.county}>
          {g.items.map((m) => (
            <option key={m.code} value={m.code}>
              {m.name}
            </option>
          ))}
        </optgroup>
      ))}
    </SelectField>
  );
  const note = (label: MessageKey, required = false) => (
    <TextArea path={path("note")} label={t(label)} required={required} problems={of("note")} value={draft.note} onChange={(v) => set({ note: v })} />
  );
  const opt = (prefix: string, values: string[]) => values.map((v) => ({ value: v, label: t(`${prefix}${v}` as MessageKey) }));
  const countrySelect = (
    <SelectField path={path("country")} label={t("country")} required problems={of("country")} value={draft.country} onChange={(v) => set({ country: v })}>
      <option value="">{t("choose")}</option>
      {reference.countries
        .filter((c) => c.code !== "AL")
        .map((c) => (
          <option key={c.code} value={c.code}>
            {lang === "en" ? c.name_en : c.name_sq}
          </option>
        ))}
    </SelectField>
  );
  const tripLabel = (trip: Itinerary) =>
    `${isoToDisplay(trip.departure)} – ${isoToDisplay(trip.return_date)} · ${
      trip.foreign ? `${trip.destination}, ${countryName(reference, trip.country, lang)}` : municipalityName(reference, trip.destination) || trip.destination
    }`;
  const changedTrip = trips.find((trip) => trip.trip_id === draft.trip_id);
  // A chosen trip fills in the trip as it stands; the officer types over what changed.
  const chooseTrip = (id: string) => {
    const trip = trips.find((x) => x.trip_id === id);
    set(
      trip
        ? {
            trip_id: id,
            foreign: trip.foreign,
            country: trip.foreign ? trip.country : "",
            destination: trip.destination,
            date: isoToDisplay(trip.departure),
            end_date: isoToDisplay(trip.return_date),
          }
        : { trip_id: id },
    );
  };

  let fields;
  switch (kind) {
    case "registration_notice":
      fields = (
        <>
          {date("date", "fNoticeGivenOn")}
          {textField("officer", "fOfficer", true)}
          {note("fNote")}
        </>
      );
      break;
    case "check_in":
      fields = (
        <>
          {date("date", "fCheckInDate")}
          {textField("officer", "fOfficer", true)}
          <div className="field photo-field">
            <label htmlFor={fieldId(path("photo"))}>{t("fPhoto")}</label>
            <input
              id={fieldId(path("photo"))}
              ref={picker}
              type="file"
              data-field={path("photo")}
              accept="image/jpeg,image/png"
              onChange={(e) => void pick(e.target.files?.[0])}
              aria-describedby={`${fieldId(path("photo"))}-hint ${fieldId(path("photo"))}-problems`}
              aria-invalid={[...photoProblems, ...of("photo"), ...of("photo_id")].length > 0 || undefined}
            />
            <p className="hint" id={`${fieldId(path("photo"))}-hint`}>
              {preparing ? t("photoPreparing") : t("fPhotoHint")}
            </p>
            {photo && (
              <figure className="photo photo--preview" data-testid="photo-preview">
                <img className="photo__img" src={dataUrl(photo.prepared.mediaType, photo.prepared.base64)} alt={t("photoPreview")} />
                <figcaption className="photo__caption">
                  <button type="button" className="button button--small" data-testid="photo-remove" onClick={removePhoto}>
                    {t("photoRemove")}
                  </button>
                </figcaption>
              </figure>
            )}
            <Problems id={`${fieldId(path("photo"))}-problems`} problems={[...photoProblems, ...of("photo"), ...of("photo_id")]} />
          </div>
          {!photo && (
            <TextArea
              path={path("no_photo_reason")}
              label={t("fNoPhotoReason")}
              required
              problems={of("no_photo_reason")}
              value={draft.no_photo_reason}
              onChange={(v) => set({ no_photo_reason: v })}
            />
          )}
          {note("fNote")}
        </>
      );
      break;
    case "address_change":
      fields = (
        <>
          {choice("addressKind", opt("address_", ["residence", "temporary_stay", "work"]))}
          {municipality("municipality_code", "municipality")}
          {textField("street", "street", true)}
          {date("date", "fMovedOn")}
          {date("reported_on", "fReportedOn")}
        </>
      );
      break;
    case "verification":
      fields = (
        <>
          {date("date", "fVisitDate")}
          {textField("officer", "fOfficer", true)}
          {choice("fResult", opt("ver_", ["confirmed", "not_found"]))}
          {note("fNote")}
        </>
      );
      break;
    case "trip":
      fields = (
        <>
          <CheckboxField
            path={path("foreign")}
            label={t("fForeignTrip")}
            problems={of("foreign")}
            checked={draft.foreign}
            onChange={(v) => set({ foreign: v, destination: "", country: "" })}
          />
          {draft.foreign ? (
            <>
              {countrySelect}
              {textField("destination", "fDestination", true)}
            </>
          ) : (
            municipality("destination", "fDestinationMunicipality")
          )}
          {date("date", "fDeparture")}
          {date("end_date", "fReturn")}
          {date("reported_on", "fNoticeDate")}
          {textField("purpose", "fPurpose")}
        </>
      );
      break;
    case "trip_change":
      fields = (
        <>
          <SelectField
            path={path("trip_id")}
            label={t("fTrip")}
            required
            problems={of("trip_id")}
            value={draft.trip_id}
            onChange={chooseTrip}
            hint={trips.length === 0 ? t("noTripsToChange") : t("tripChangeHint")}
          >
            <option value="">{t("choose")}</option>
            {trips.map((trip) => (
              <option key={trip.trip_id} value={trip.trip_id}>
                {tripLabel(trip)}
              </option>
            ))}
          </SelectField>
          {changedTrip?.foreign && (
            <>
              {countrySelect}
              {textField("destination", "fDestination", true)}
            </>
          )}
          {changedTrip && !changedTrip.foreign && municipality("destination", "fDestinationMunicipality")}
          {date("date", "fNewDeparture")}
          {date("end_date", "fNewReturn")}
          {date("reported_on", "fDeclaredOn")}
          <TextField
            path={path("reported_time")}
            label={t("fDeclaredAt")}
            kind="code"
            required
            maxLength={5}
            problems={of("reported_time")}
            value={draft.reported_time}
            onChange={(v) => set({ reported_time: v })}
          />
        </>
      );
      break;
    case "name_change":
      fields = (
        <>
          {textField("old_surname", "fOldSurname", true)}
          {textField("old_given_name", "fOldGivenName", true)}
          {textField("new_surname", "fNewSurname", true)}
          {textField("new_given_name", "fNewGivenName", true)}
          {date("date", "fNameChangedOn")}
          {date("reported_on", "fReportedOn")}
        </>
      );
      break;
    case "occupation":
      fields = (
        <>
          {choice("fOccupation", opt("occ_", ["work", "education", "volunteering"]))}
          {textField("organisation", "fOrganisation", true)}
          {textField("role", "fRole")}
          {date("date", "fFrom")}
          {date("end_date", "fUntil", false)}
          {date("reported_on", "fReportedOn")}
          <CheckboxField
            path={path("contact_with_children")}
            label={t("fChildContact")}
            problems={of("contact_with_children")}
            checked={draft.contact_with_children}
            onChange={(v) => set({ contact_with_children: v })}
          />
        </>
      );
      break;
    case "status_change":
      fields = (
        <>
          {choice("fState", opt("state_", ["active", "in_custody", "absconded", "deceased", "removed"]), "fStateHint")}
          {date("date", "fEffective")}
          {note("fReason", true)}
        </>
      );
      break;
    case "risk_assessment":
      fields = (
        <>
          {choice("fRiskLevel", opt("risk_", ["standard", "medium", "high"]))}
          {date("date", "fAssessedOn")}
          {textField("officer", "fOfficer", true)}
        </>
      );
      break;
  }

  const placed = new Set(DRAFT_FIELDS as string[]);
  const elsewhere = problems.filter((p) => !placed.has(p.field) || p.field === "kind");
  const title = t("newRecordTitle", { kind: t(`kind_${kind}` as MessageKey) });

  return (
    <form
      className="record-form block"
      id="record-form"
      data-testid="record-form"
      data-kind={kind}
      aria-label={title}
      noValidate
      ref={root}
      onKeyDown={onKeyDown}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h4>{title}</h4>
      <p className="hint">{t("recordHint")}</p>
      {kind === "registration_notice" && (
        <p className="hint" data-testid="registration-notice-hint">
          {t("registrationNoticeHint")}
        </p>
      )}
      {error && (
        <div className="summary" role="alert" tabIndex={-1} data-testid="record-error">
          <p>{error}</p>
          <Problems id="record-problems" problems={elsewhere} />
        </div>
      )}
      <div className="grid">{fields}</div>
      <div className="form__nav">
        <button type="submit" className="button button--primary" id="record-save" data-testid="record-save" disabled={saving}>
          {saving ? t("saving") : t("save")}
        </button>
        <button type="button" className="button" id="record-cancel" data-testid="record-cancel" onClick={onCancel}>
          {t("cancel")}
        </button>
      </div>
    </form>
  );
}
