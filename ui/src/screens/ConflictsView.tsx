// The supervisor's synchronisation conflicts, fetched from the server (online only): per
// contested field the value the station started from, the server's (which stands until
// decided) and the station's, and a value the supervisor types. "Vendos" sends only the paths
// whose chosen value differs from the server's. Four eyes: a conflict of the supervisor's own
// change is shown with its controls disabled and the reason.
import { useCallback, useEffect, useId, useRef, useState } from "react";
import type { FormEvent } from "react";
import type { AppError } from "../generated/AppError";
import type { ConflictChoice } from "../generated/ConflictChoice";
import type { ConflictField } from "../generated/ConflictField";
import type { ConflictItem } from "../generated/ConflictItem";
import type { ReferenceSet } from "../generated/ReferenceSet";
import { useBackend } from "../backend/context";
import { ErrorCode, needsServer, toAppError } from "../backend/errors";
import { changeLabel, valueText } from "../changes";
import { displayToIso, isoToDisplay, timestampToDisplay } from "../dates";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { useAnnounce } from "../status";
import { useSync } from "../sync";

export type Side = "server" | "station" | "base" | "edit";

const SIDES: ("server" | "station" | "base")[] = ["server", "station", "base"];

const SIDE_LABELS: Record<Side, MessageKey> = {
  base: "conflictBase",
  server: "conflictServer",
  station: "conflictStation",
  edit: "conflictEdit",
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const SET_ONCE_PATH = /^(void|confirmation)\.|^served_(on|by)$/;
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * What a supervisor may type for a field: text for text fields, a dd.mm.yyyy day for dates, a
 * whole number for numbers (a height); nothing for other values (yes/no, lists, and a record's
 * void or confirmation or a notice's service, each one side's act as a whole), which are picked
 * from the three sides.
 */
export function editKind(f: ConflictField): "text" | "date" | "number" | null {
  // A void, a confirmation or a notice's service is someone's act: one side's, never typed.
  if (SET_ONCE_PATH.test(f.path)) return null;
  const values = [f.base, f.server, f.station];
  if (values.every((v) => v === null || (typeof v === "number" && Number.isInteger(v))) && values.some((v) => v !== null)) return "number";
  if (!values.every((v) => v === null || typeof v === "string")) return null;
  const strings = values.filter((v): v is string => typeof v === "string" && v !== "");
  if (strings.length > 0 && strings.every((v) => ISO_DATE.test(v))) return "date";
  return "text";
}

interface Choice {
  side: Side;
  typed: string;
}

function initialChoice(f: ConflictField): Choice {
  if (editKind(f) === "number") {
    const start = typeof f.station === "number" ? f.station : typeof f.server === "number" ? f.server : null;
    return { side: "server", typed: start === null ? "" : String(start) };
  }
  const start = typeof f.station === "string" ? f.station : typeof f.server === "string" ? f.server : "";
  return { side: "server", typed: editKind(f) === "date" ? isoToDisplay(start) : start };
}

/** A typed value as the field holds it; undefined when it is not one (not a real day, not a whole number). */
function typedValue(f: ConflictField, typed: string): unknown {
  const trimmed = typed.trim();
  switch (editKind(f)) {
    case "date":
      return trimmed ? (displayToIso(trimmed) ?? undefined) : null;
    case "number":
      return trimmed === "" ? null : /^\d{1,9}$/.test(trimmed) ? Number(trimmed) : undefined;
    default:
      return typed;
  }
}

/** The value a choice keeps, or undefined when a typed day is not a real date. */
function chosenValue(f: ConflictField, c: Choice): unknown {
  switch (c.side) {
    case "server":
      return f.server;
    case "station":
      return f.station;
    case "base":
      return f.base;
    case "edit":
      return typedValue(f, c.typed);
  }
}

function ConflictCard({ item, reference, onDecided, onGone }: { item: ConflictItem; reference: ReferenceSet; onDecided(): void; onGone(error: AppError): void }) {
  const backend = useBackend();
  const { t, text, lang } = useI18n();
  const ids = useId();
  const [choices, setChoices] = useState<Record<string, Choice>>(() => Object.fromEntries(item.fields.map((f) => [f.path, initialChoice(f)])));
  const [error, setError] = useState<AppError | null>(null);
  const [badValues, setBadValues] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const errorRef = useRef<HTMLParagraphElement>(null);
  const disabled = !item.may_resolve || busy;

  const show = (v: unknown, path: string) => valueText(path, v, reference, t, lang);
  const setChoice = (path: string, change: Partial<Choice>) => setChoices((c) => ({ ...c, [path]: { ...c[path]!, ...change } }));
  // Focus a refusal once it is rendered (it arrives after an await).
  useEffect(() => {
    if (error) errorRef.current?.focus();
  }, [error]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (disabled) return;
    const out: ConflictChoice[] = [];
    const invalid: string[] = [];
    for (const f of item.fields) {
      const v = chosenValue(f, choices[f.path]!);
      if (v === undefined) invalid.push(f.path);
      else if (!same(v, f.server)) out.push({ path: f.path, value: v });
    }
    setBadValues(invalid);
    if (invalid.length > 0) {
      document.getElementById(`${ids}-edit-${invalid[0]}`)?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await backend.resolveConflict({ conflict_id: item.id, choices: out });
      onDecided();
    } catch (err) {
      const appError = toAppError(err);
      setBusy(false);
      if (appError.code === ErrorCode.conflictResolved || appError.code === ErrorCode.conflictNotFound) {
        onGone(appError);
        return;
      }
      setError(appError);
    }
  };

  const problemsOf = (path: string) => (error?.fields ?? []).filter((p) => p.field === path);
  const unplaced = (error?.fields ?? []).filter((p) => !item.fields.some((f) => f.path === p.field));
  const title = item.file_label ?? t("conflictUnknownFile");
  const ownReason = `${ids}-own`;

  return (
    <article className="panel conflict" data-testid="conflict-row" data-id={item.id} data-may-resolve={item.may_resolve ? "true" : "false"} aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`} className="name">
        {title}
      </h3>
      <p className="note">
        {t("conflictMeta", { station: item.station, actor: item.actor, at: timestampToDisplay(item.created_at) })}
      </p>
      <p>{t(item.kind === "record_withdrawn" ? "conflictKindWithdrawn" : item.kind === "record_deleted" ? "conflictKindDeleted" : "conflictKindSameField")}</p>
      {!item.may_resolve && (
        <p className="message message--warning" id={ownReason} data-testid="conflict-own">
          {t("conflictOwn")}
        </p>
      )}
      <form onSubmit={(e) => void submit(e)} noValidate aria-describedby={item.may_resolve ? undefined : ownReason}>
        {item.fields.map((f) => {
          const c = choices[f.path]!;
          const name = `${ids}-${f.path}`;
          const kind = editKind(f);
          const fieldProblems = problemsOf(f.path);
          const badValue = badValues.includes(f.path);
          const invalid = badValue || fieldProblems.length > 0;
          return (
            <fieldset key={f.path} className="conflict__field" data-testid="conflict-field" data-path={f.path} data-chosen={c.side} disabled={disabled}>
              <legend>{changeLabel(f.path, null, t)}</legend>
              <div className="conflict__options">
                {SIDES.map((side) => (
                  <label key={side} className={`conflict__option conflict__option--${side}`}>
                    <input type="radio" name={name} value={side} data-side={side} checked={c.side === side} onChange={() => setChoice(f.path, { side })} />{" "}
                    <span className="conflict__side">{t(SIDE_LABELS[side])}</span>
                    <span className="conflict__value">{show(f[side], f.path)}</span>
                  </label>
                ))}
                {kind && (
                  <div className="conflict__option conflict__option--edit">
                    <label>
                      <input
                        type="radio"
                        name={name}
                        value="edit"
                        data-side="edit"
                        checked={c.side === "edit"}
                        onChange={() => {
                          setChoice(f.path, { side: "edit" });
                          setTimeout(() => document.getElementById(`${ids}-edit-${f.path}`)?.focus(), 0);
                        }}
                      />{" "}
                      <span className="conflict__side">{t("conflictEdit")}</span>
                    </label>
                    <input
                      type="text"
                      inputMode={kind === "number" ? "numeric" : undefined}
                      id={`${ids}-edit-${f.path}`}
                      className={kind === "date" ? "input--date" : kind === "number" ? "input--number" : undefined}
                      data-testid="conflict-edit-value"
                      aria-label={`${changeLabel(f.path, null, t)}: ${t("conflictEdit")}`}
                      placeholder={kind === "date" ? t("datePlaceholder") : undefined}
                      value={c.typed}
                      disabled={disabled || c.side !== "edit"}
                      aria-invalid={invalid || undefined}
                      aria-describedby={invalid ? `${ids}-problem-${f.path}` : undefined}
                      onChange={(e) => setChoice(f.path, { typed: e.target.value })}
                    />
                  </div>
                )}
              </div>
              {invalid && (
                <p className="problem problem--error" id={`${ids}-problem-${f.path}`}>
                  {badValue ? t(kind === "number" ? "conflictNumberInvalid" : "conflictDateInvalid") : fieldProblems.map((p) => text(p.message)).join(" ")}
                </p>
              )}
            </fieldset>
          );
        })}
        <div className="toolbar">
          <button type="submit" className="button button--primary" data-testid="conflict-resolve" disabled={disabled}>
            {busy ? t("conflictDeciding") : t("conflictDecide")}
          </button>
          <span className="note">{t("conflictDecideHint")}</span>
        </div>
      </form>
      {error && (
        <p className="message message--error" role="alert" tabIndex={-1} ref={errorRef} data-testid="conflict-error" data-code={error.code}>
          {text(error.message)}
          {error.code === ErrorCode.ownWork && <> {t("conflictOwn")}</>}
          {unplaced.length > 0 && <> {unplaced.map((p) => text(p.message)).join(" ")}</>}
        </p>
      )}
    </article>
  );
}

export function ConflictsView({ reference }: { reference: ReferenceSet }) {
  const backend = useBackend();
  const { t, text } = useI18n();
  const announce = useAnnounce();
  const sync = useSync();
  const noteConflicts = sync.noteConflicts;
  const [items, setItems] = useState<ConflictItem[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [gone, setGone] = useState<{ label: string; error: AppError } | null>(null);
  const [loads, setLoads] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);
  const goneRef = useRef<HTMLParagraphElement>(null);
  const first = useRef(true);

  useEffect(() => {
    let live = true;
    backend.conflicts().then(
      (list) => {
        if (!live) return;
        setItems(list);
        setError(null);
        noteConflicts(list.length);
      },
      (e) => {
        if (!live) return;
        setError(toAppError(e));
        setItems(null);
      },
    );
    return () => {
      live = false;
    };
  }, [backend, loads, noteConflicts]);

  useEffect(() => {
    if ((items || error) && first.current) {
      first.current = false;
      heading.current?.focus();
    }
  }, [items, error]);

  const reload = useCallback(() => setLoads((n) => n + 1), []);

  // Focus the notice once it is on the screen (not on a timer: the rejection arrives after
  // an await, so React may not have rendered the notice yet when a timer fires).
  useEffect(() => {
    if (gone) goneRef.current?.focus();
  }, [gone]);

  return (
    <main className="conflicts" id="main" data-testid="conflicts-view" aria-busy={items === null && !error}>
      <div className="dashboard__head">
        <h2 tabIndex={-1} ref={heading}>
          {t("conflictsTitle")}
        </h2>
        <button type="button" className="button" data-testid="conflicts-refresh" onClick={reload}>
          {t("refresh")}
        </button>
      </div>
      <p className="note">{t("conflictsIntro")}</p>
      {gone && (
        <p className="message message--warning" role="alert" tabIndex={-1} ref={goneRef} data-testid="conflict-error" data-code={gone.error.code}>
          <span className="name">{gone.label}</span>: {text(gone.error.message)} {t("conflictsReloaded")}
        </p>
      )}
      {error && (
        <p className="message message--error" role="alert" data-code={error.code} data-testid="conflicts-error">
          {text(error.message)} <code>{error.code}</code>{" "}
          {needsServer(error) && (
            <button type="button" className="link-button" onClick={reload}>
              {t("tryAgain")}
            </button>
          )}
        </p>
      )}
      {items === null && !error && <p>{t("loading")}</p>}
      {items && items.length === 0 && <p data-testid="conflicts-empty">{t("conflictsEmpty")}</p>}
      {items?.map((c) => (
        <ConflictCard
          key={c.id}
          item={c}
          reference={reference}
          onDecided={() => {
            setGone(null);
            announce(t("conflictDecided"));
            reload();
            heading.current?.focus();
          }}
          onGone={(e) => {
            setGone({ label: c.file_label ?? t("conflictUnknownFile"), error: e });
            reload();
          }}
        />
      ))}
    </main>
  );
}
