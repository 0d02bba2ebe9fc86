// The administrator's rule-set editor (DOMAIN.md §5): the versions so far, and a new version
// prefilled from the one in effect today. "Preview" asks Rust which registered files the draft
// would touch; "Save" asks for a confirmation (each touched file gets a notice to serve),
// then saves. Problems come back by field ("registration[1].up_to_months", "due_soon_days")
// and are shown at the field.
import { useCallback, useEffect, useRef, useState } from "react";
import type { AppError } from "../generated/AppError";
import type { FieldError } from "../generated/FieldError";
import type { RuleBookView } from "../generated/RuleBookView";
import type { RuleDraft } from "../generated/RuleDraft";
import type { RulePreview } from "../generated/RulePreview";
import type { RuleValues } from "../generated/RuleValues";
import { useBackend } from "../backend/context";
import { ErrorCode, toAppError } from "../backend/errors";
import { isoToDisplay } from "../dates";
import { CheckboxField, Problems, TextArea, TextField } from "../form/fields";
import { fieldId } from "../form/draft";
import { bilingual, useI18n } from "../i18n";
import { useAnnounce } from "../status";

interface BandForm {
  up_to: string;
  years: string;
  for_life: boolean;
  review: string;
}

interface RulesForm {
  bands: BandForm[];
  report_change_days: string;
  foreign_travel_notice_days: string;
  travel_change_notice_hours: string;
  standard: string;
  medium: string;
  high: string;
  due_soon_days: string;
  effective_from: string;
  note: string;
}

const num = (n: number | null) => (n === null ? "" : String(n));

function formOf(v: RuleValues): RulesForm {
  return {
    bands: v.registration.map((b) => ({
      up_to: num(b.up_to_months),
      years: num(b.years),
      for_life: b.years === null,
      review: num(b.review_after_years),
    })),
    report_change_days: num(v.report_change_days),
    foreign_travel_notice_days: num(v.foreign_travel_notice_days),
    travel_change_notice_hours: num(v.travel_change_notice_hours),
    standard: num(v.reporting_months.standard),
    medium: num(v.reporting_months.medium),
    high: num(v.reporting_months.high),
    due_soon_days: num(v.due_soon_days),
    effective_from: "",
    note: "",
  };
}

/** The form as a RuleDraft, or the fields that are not whole numbers. */
function draftOf(f: RulesForm): { draft: RuleDraft; problems: FieldError[] } {
  const problems: FieldError[] = [];
  const whole = (field: string, value: string, optional = false): number | null => {
    const v = value.trim();
    if (!v && optional) return null;
    if (!/^\d{1,6}$/.test(v)) {
      problems.push({ field, code: "number_invalid", severity: "error", message: bilingual("numberRequired") });
      return 0;
    }
    return Number(v);
  };
  const values: RuleValues = {
    registration: f.bands.map((b, i) => ({
      up_to_months: whole(`registration[${i}].up_to_months`, b.up_to, true),
      years: b.for_life ? null : whole(`registration[${i}].years`, b.years),
      review_after_years: b.for_life ? whole(`registration[${i}].review_after_years`, b.review) : null,
    })),
    report_change_days: whole("report_change_days", f.report_change_days)!,
    foreign_travel_notice_days: whole("foreign_travel_notice_days", f.foreign_travel_notice_days)!,
    travel_change_notice_hours: whole("travel_change_notice_hours", f.travel_change_notice_hours)!,
    reporting_months: {
      standard: whole("reporting_months.standard", f.standard)!,
      medium: whole("reporting_months.medium", f.medium)!,
      high: whole("reporting_months.high", f.high)!,
    },
    due_soon_days: whole("due_soon_days", f.due_soon_days)!,
  };
  return { draft: { effective_from: f.effective_from.trim(), values, note: f.note }, problems };
}

export function RulesEditor() {
  const backend = useBackend();
  const { t, text } = useI18n();
  const announce = useAnnounce();
  const [book, setBook] = useState<RuleBookView | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [form, setForm] = useState<RulesForm | null>(null);
  const [problems, setProblems] = useState<FieldError[]>([]);
  const [preview, setPreview] = useState<RulePreview | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const confirmRef = useRef<HTMLDivElement>(null);
  const summaryRef = useRef<HTMLDivElement>(null);
  const saveButton = useRef<HTMLButtonElement>(null);

  const load = useCallback(() => {
    backend.ruleBook().then(
      (b) => {
        setBook(b);
        const current = b.versions.find((v) => v.version === b.in_effect_today) ?? b.versions[b.versions.length - 1];
        if (current) setForm(formOf(current.values));
        setError(null);
      },
      (e) => setError(toAppError(e)),
    );
  }, [backend]);

  useEffect(() => {
    load();
  }, [load]);

  // the heading once, when the book first arrives
  const focused = useRef(false);
  useEffect(() => {
    if (book && !focused.current) {
      focused.current = true;
      heading.current?.focus();
    }
  }, [book]);

  useEffect(() => {
    if (confirming) confirmRef.current?.querySelector<HTMLElement>("button")?.focus();
  }, [confirming]);

  const change = (patch: Partial<RulesForm>) => {
    setForm((f) => (f ? { ...f, ...patch } : f));
    setPreview(null);
    setSaved(null);
    setConfirming(false);
  };
  const changeBand = (i: number, patch: Partial<BandForm>) => {
    setForm((f) => (f ? { ...f, bands: f.bands.map((b, k) => (k === i ? { ...b, ...patch } : b)) } : f));
    setPreview(null);
    setSaved(null);
    setConfirming(false);
  };
  const of = (field: string) => problems.filter((p) => p.field === field);

  /** Focus the first field with a problem (or the summary). */
  const showProblems = (list: FieldError[]) => {
    setProblems(list);
    setTimeout(() => {
      const first = list[0];
      const input = first ? document.getElementById(fieldId(first.field)) : null;
      (input ?? summaryRef.current)?.focus();
    }, 0);
  };

  const runPreview = async () => {
    if (!form) return;
    const { draft, problems: local } = draftOf(form);
    setSaved(null);
    setConfirming(false);
    if (local.length > 0) {
      setPreview(null);
      showProblems(local);
      return;
    }
    setBusy(true);
    try {
      const p = await backend.previewRules(draft);
      if (p.problems.length > 0) {
        setPreview(null);
        showProblems(p.problems);
      } else {
        setProblems([]);
        setPreview(p);
        announce(t("previewResult", { touched: p.touched_total, total: p.registered_total }));
      }
    } catch (e) {
      setError(toAppError(e));
    } finally {
      setBusy(false);
    }
  };

  const askSave = () => {
    if (!form) return;
    const { problems: local } = draftOf(form);
    if (local.length > 0) {
      showProblems(local);
      return;
    }
    setProblems([]);
    setConfirming(true);
  };

  const save = async () => {
    if (!form) return;
    const { draft } = draftOf(form);
    setBusy(true);
    try {
      const r = await backend.saveRules(draft);
      const message = t("rulesSaved", { version: r.version, notices: r.notices });
      setConfirming(false);
      setProblems([]);
      setPreview(null);
      setSaved(message);
      announce(message);
      load();
      heading.current?.focus();
    } catch (e) {
      const err = toAppError(e);
      setConfirming(false);
      if (err.code === ErrorCode.validation && err.fields.length > 0) showProblems(err.fields);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  const current = book?.versions.find((v) => v.version === book.in_effect_today);
  const versions = book ? [...book.versions].reverse() : [];
  // problems of fields that have no input on screen are listed in the summary
  const placed = new Set(FIELDS);
  form?.bands.forEach((b, i) => {
    placed.add(`registration[${i}].up_to_months`);
    placed.add(`registration[${i}].${b.for_life ? "review_after_years" : "years"}`);
  });
  const unplaced = problems.filter((p) => !placed.has(p.field));

  return (
    <main className="rules" id="main" data-testid="rules-view">
      <div id="rules">
        <h2 tabIndex={-1} ref={heading}>
          {t("rulesTitle")}
        </h2>
        {error && (
          <p className="message message--error" role="alert">
            {text(error.message)} <code>{error.code}</code>
          </p>
        )}
        {saved && (
          <p className="message message--ok" role="status" data-testid="rules-saved">
            {saved}
          </p>
        )}
        {!book && !error && <p>{t("loading")}</p>}
        {book && (
          <section className="panel" aria-labelledby="rules-history-title">
            <h3 id="rules-history-title">{t("rulesHistory")}</h3>
            <table className="data-table" id="rules-history">
              <thead>
                <tr>
                  <th scope="col">{t("version")}</th>
                  <th scope="col">{t("colEffectiveFrom")}</th>
                  <th scope="col">{t("bandsTitle")}</th>
                  <th scope="col">{t("reportingTitle")}</th>
                  <th scope="col">{t("colNote")}</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <tr key={v.version} data-testid="rule-version" data-version={v.version}>
                    <td>
                      v{v.version}{" "}
                      {v.version === book.in_effect_today && <span className="badge badge--registered">{t("inEffectToday")}</span>}{" "}
                      {v.provisional && <span className="badge badge--warning">{t("provisional")}</span>}
                    </td>
                    <td className="nowrap">{isoToDisplay(v.effective_from)}</td>
                    <td>
                      <ul className="plain-list">
                        {v.values.registration.map((b, i) => (
                          <li key={i}>
                            {b.up_to_months === null ? t("bandLonger") : `≤ ${b.up_to_months} ${t("months")}`}:{" "}
                            {b.years === null ? t("forLife") : `${b.years} ${t("bandYears").toLowerCase()}`}
                            {b.review_after_years !== null && ` · ${t("bandReview").toLowerCase()}: ${b.review_after_years}`}
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td className="nowrap">
                      {t("risk_standard")} {v.values.reporting_months.standard} · {t("risk_medium")} {v.values.reporting_months.medium} ·{" "}
                      {t("risk_high")} {v.values.reporting_months.high}
                    </td>
                    <td>{v.note || t("none")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}

        {book && form && (
          <form
            className="panel rules__editor"
            aria-labelledby="rules-editor-title"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void runPreview();
            }}
          >
            <h3 id="rules-editor-title">{t("newVersionTitle", { n: current?.version ?? book.in_effect_today })}</h3>
            {problems.length > 0 && (
              <div className="summary" role="alert" tabIndex={-1} ref={summaryRef} data-testid="rules-problems">
                <p>{t("rulesProblems")}</p>
                <Problems id="rules-problems-list" problems={unplaced} />
              </div>
            )}

            <fieldset className="group">
              <legend>{t("bandsTitle")}</legend>
              <table className="data-table rules__bands">
                <thead>
                  <tr>
                    <th scope="col">{t("bandRow", { n: "" }).trim()}</th>
                    <th scope="col">{t("bandUpTo")}</th>
                    <th scope="col">{t("bandForLife")}</th>
                    <th scope="col">{t("bandYears")}</th>
                    <th scope="col">{t("bandReview")}</th>
                    <th scope="col">
                      <span className="visually-hidden">{t("actions")}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {form.bands.map((b, i) => {
                    const f = (name: string) => `registration[${i}].${name}`;
                    const last = i === form.bands.length - 1;
                    return (
                      <tr key={i} data-testid="rule-band">
                        <th scope="row">{i + 1}</th>
                        <td>
                          <TextField
                            path={f("up_to_months")}
                            label={`${t("bandRow", { n: i + 1 })}: ${t("bandUpTo")}${last ? ` (${t("bandLonger")})` : ""}`}
                            className="field--compact"
                            kind="number"
                            problems={of(f("up_to_months"))}
                            value={b.up_to}
                            onChange={(v) => changeBand(i, { up_to: v })}
                          />
                        </td>
                        <td>
                          <CheckboxField
                            path={f("for_life")}
                            label={`${t("bandRow", { n: i + 1 })}: ${t("bandForLife")}`}
                            problems={[]}
                            checked={b.for_life}
                            onChange={(v) => changeBand(i, { for_life: v })}
                          />
                        </td>
                        <td>
                          {b.for_life ? (
                            <span className="note">{t("forLife")}</span>
                          ) : (
                            <TextField
                              path={f("years")}
                              label={`${t("bandRow", { n: i + 1 })}: ${t("bandYears")}`}
                              className="field--compact"
                              kind="number"
                              problems={of(f("years"))}
                              value={b.years}
                              onChange={(v) => changeBand(i, { years: v })}
                            />
                          )}
                        </td>
                        <td>
                          {b.for_life ? (
                            <TextField
                              path={f("review_after_years")}
                              label={`${t("bandRow", { n: i + 1 })}: ${t("bandReview")}`}
                              className="field--compact"
                              kind="number"
                              problems={of(f("review_after_years"))}
                              value={b.review}
                              onChange={(v) => changeBand(i, { review: v })}
                            />
                          ) : (
                            <span className="note">{t("none")}</span>
                          )}
                        </td>
                        <td>
                          <button
                            type="button"
                            className="button button--small"
                            disabled={form.bands.length <= 1}
                            onClick={() => change({ bands: form.bands.filter((_, k) => k !== i) })}
                          >
                            {t("removeBand", { n: i + 1 })}
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              <Problems id="rules-registration-problems" problems={of("registration")} />
              <button
                type="button"
                className="button"
                data-testid="add-band"
                onClick={() => change({ bands: [...form.bands.slice(0, -1), { up_to: "", years: "", for_life: false, review: "" }, ...form.bands.slice(-1)] })}
              >
                {t("addBand")}
              </button>
            </fieldset>

            <div className="grid">
              <TextField path="report_change_days" label={t("reportChangeDays")} kind="number" required problems={of("report_change_days")} value={form.report_change_days} onChange={(v) => change({ report_change_days: v })} />
              <TextField path="foreign_travel_notice_days" label={t("foreignNoticeDays")} kind="number" required problems={of("foreign_travel_notice_days")} value={form.foreign_travel_notice_days} onChange={(v) => change({ foreign_travel_notice_days: v })} />
              <TextField path="travel_change_notice_hours" label={t("changeNoticeHours")} kind="number" required problems={of("travel_change_notice_hours")} value={form.travel_change_notice_hours} onChange={(v) => change({ travel_change_notice_hours: v })} />
              <TextField path="due_soon_days" label={t("dueSoonDays")} kind="number" required problems={of("due_soon_days")} value={form.due_soon_days} onChange={(v) => change({ due_soon_days: v })} />
            </div>
            <fieldset className="group">
              <legend>{t("reportingTitle")}</legend>
              <div className="grid">
                <TextField path="reporting_months.standard" label={t("risk_standard")} kind="number" required problems={of("reporting_months.standard")} value={form.standard} onChange={(v) => change({ standard: v })} />
                <TextField path="reporting_months.medium" label={t("risk_medium")} kind="number" required problems={of("reporting_months.medium")} value={form.medium} onChange={(v) => change({ medium: v })} />
                <TextField path="reporting_months.high" label={t("risk_high")} kind="number" required problems={of("reporting_months.high")} value={form.high} onChange={(v) => change({ high: v })} />
              </div>
            </fieldset>
            <div className="grid">
              <TextField path="effective_from" label={t("effectiveFrom")} kind="date" required problems={of("effective_from")} value={form.effective_from} onChange={(v) => change({ effective_from: v })} />
            </div>
            <TextArea path="note" label={t("ruleNote")} problems={of("note")} value={form.note} onChange={(v) => change({ note: v })} />

            <div className="form__nav">
              <button type="submit" className="button" id="rules-preview" data-testid="rules-preview" disabled={busy}>
                {busy && !confirming ? t("previewing") : t("preview")}
              </button>
              <button type="button" className="button button--primary" id="rules-save" data-testid="rules-save" ref={saveButton} disabled={busy} onClick={askSave}>
                {t("save")}
              </button>
            </div>

            {preview && (
              <div className="message message--info" id="rules-preview-result" data-testid="rules-preview-result" data-touched={preview.touched_total} data-total={preview.registered_total}>
                <p>{t("previewResult", { touched: preview.touched_total, total: preview.registered_total })}</p>
                {preview.touched.length > 0 && (
                  <>
                    <p>{t("previewListed", { n: preview.touched.length })}</p>
                    <ul className="plain-list rules__touched">
                      {preview.touched.map((f) => (
                        <li key={f.id} data-testid="touched-file" data-id={f.id}>
                          <span className="name">
                            {f.surname} {f.given_name}
                          </span>{" "}
                          ({isoToDisplay(f.date_of_birth)}
                          {f.nid ? `, ${f.nid}` : ""})
                        </li>
                      ))}
                    </ul>
                  </>
                )}
              </div>
            )}

            {confirming && (
              <div className="confirm" role="alertdialog" aria-labelledby="rules-confirm-text" ref={confirmRef} data-testid="rules-confirm">
                <p id="rules-confirm-text">
                  {t("saveRulesConfirm", { date: form.effective_from.trim() || t("none") })}
                  {preview && ` ${t("previewResult", { touched: preview.touched_total, total: preview.registered_total })}`}
                </p>
                <div className="row-actions">
                  <button type="button" className="button button--primary" id="rules-save-confirm" data-testid="rules-save-confirm" disabled={busy} onClick={() => void save()}>
                    {busy ? t("saving") : t("saveRulesYes")}
                  </button>
                  <button
                    type="button"
                    className="button"
                    data-testid="rules-save-cancel"
                    onClick={() => {
                      setConfirming(false);
                      saveButton.current?.focus();
                    }}
                  >
                    {t("cancel")}
                  </button>
                </div>
              </div>
            )}
          </form>
        )}
      </div>
    </main>
  );
}

const FIELDS = [
  "report_change_days",
  "foreign_travel_notice_days",
  "travel_change_notice_hours",
  "due_soon_days",
  "reporting_months.standard",
  "reporting_months.medium",
  "reporting_months.high",
  "effective_from",
  "note",
  "registration",
];
