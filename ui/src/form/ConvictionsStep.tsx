import type { ConvictionDraft } from "../generated/ConvictionDraft";
import type { ReferenceSet } from "../generated/ReferenceSet";
import { isoToDisplay } from "../dates";
import { useI18n } from "../i18n";
import { emptyConviction, fieldId, problemsAt } from "./draft";
import { CheckboxField, Problems, SelectField, TextField } from "./fields";
import { CountryOptions } from "./IdentityStep";
import type { StepProps } from "./IdentityStep";

export function CourtOptions({ reference }: { reference: ReferenceSet }) {
  const { t } = useI18n();
  const collator = new Intl.Collator("sq");
  const courts = [...reference.courts].sort(
    (a, b) => Number(a.validity.valid_to !== null) - Number(b.validity.valid_to !== null) || collator.compare(a.name, b.name),
  );
  return (
    <>
      <option value="">{t("choose")}</option>
      {courts.map((c) => (
        <option key={c.code} value={c.code}>
          {c.name}
          {c.validity.valid_to ? ` (${t("validUntil")} ${isoToDisplay(c.validity.valid_to)})` : ""}
        </option>
      ))}
    </>
  );
}

function Articles({ i, c, reference, step }: { i: number; c: ConvictionDraft; reference: ReferenceSet; step: StepProps }) {
  const { t, text, lang } = useI18n();
  const base = `convictions.${i}.articles`;
  const all = step.problems.filter((p) => p.field === base || p.field.startsWith(`${base}.`));
  const groupId = `${fieldId(base)}-problems`;
  const forCode = (code: string) =>
    all.filter((p) => p.field === base || p.field === `${base}.${c.articles.indexOf(code)}`);
  return (
    <fieldset className="group articles" aria-describedby={all.length ? groupId : undefined}>
      <legend>
        {t("articles")}
        <span className="required" aria-hidden="true">
          {" "}
          *
        </span>
      </legend>
      {reference.articles.map((a) => {
        const title = lang === "en" ? a.title_en : a.title_sq;
        const id = `${fieldId(base)}-${a.code.replace(/[^A-Za-z0-9]/g, "-")}`;
        const checked = c.articles.includes(a.code);
        const mine = forCode(a.code).filter((p) => p.field !== base || !checked);
        return (
          <div className="field field--checkbox" key={a.code}>
            <input
              id={id}
              type="checkbox"
              data-field={base}
              value={a.code}
              checked={checked}
              aria-invalid={mine.some((p) => p.severity === "error") || undefined}
              aria-describedby={mine.length ? groupId : undefined}
              onChange={(e) =>
                step.set(base, e.target.checked ? [...c.articles, a.code] : c.articles.filter((x) => x !== a.code))
              }
            />
            <label htmlFor={id}>
              <strong>{a.code}</strong> {title}
              {!a.confirmed && !title.toLowerCase().includes(t("unconfirmed")) && <span className="note"> ({t("unconfirmed")})</span>}
            </label>
          </div>
        );
      })}
      {all.length > 0 && (
        <ul className="problems" id={groupId}>
          {all.map((p, k) => {
            const idx = p.field.slice(base.length + 1);
            const code = idx ? c.articles[Number(idx)] : undefined;
            return (
              <li key={k} className={`problem problem--${p.severity}`} data-problem={p.field} data-code={p.code}>
                <span className="problem__kind">{p.severity === "warning" ? t("warningLabel") : t("errorLabel")}:</span>{" "}
                {code && <strong>{code}: </strong>}
                {text(p.message)}
              </li>
            );
          })}
        </ul>
      )}
    </fieldset>
  );
}

export function ConvictionsStep(step: StepProps) {
  const { draft, problems, reference, set } = step;
  const { t } = useI18n();
  const p = (path: string) => problemsAt(problems, path);
  return (
    <div className="step-fields">
      <Problems id={`${fieldId("convictions")}-problems`} problems={p("convictions")} />
      {draft.convictions.map((c, i) => {
        const f = (name: string) => `convictions.${i}.${name}`;
        const text = (name: keyof ConvictionDraft, label: string, opts: { kind?: "date" | "number"; required?: boolean } = {}) => (
          <TextField
            path={f(name)}
            label={label}
            kind={opts.kind}
            required={opts.required}
            value={String(c[name] ?? "")}
            problems={p(f(name))}
            onChange={(v) => set(f(name), v)}
          />
        );
        return (
          <section className="block" key={i} aria-labelledby={`conv-${i}-title`} data-testid="conviction-block">
            <div className="block__head">
              <h4 id={`conv-${i}-title`}>
                {t("conviction")} {i + 1}
              </h4>
              <button
                type="button"
                className="button button--small"
                data-testid="remove-conviction"
                onClick={() => set("convictions", draft.convictions.filter((_, k) => k !== i))}
              >
                {t("remove")} <span className="visually-hidden">{`${t("conviction")} ${i + 1}`}</span>
              </button>
            </div>
            <CheckboxField
              path={f("foreign")}
              label={t("foreign")}
              checked={c.foreign}
              problems={p(f("foreign"))}
              onChange={(foreign) =>
                set(`convictions.${i}`, {
                  ...c,
                  foreign,
                  country: foreign ? "" : "AL",
                  court_code: foreign ? "" : c.court_code,
                  court_name: foreign ? c.court_name : "",
                  recognition: foreign ? c.recognition : "",
                })
              }
            />
            <div className="grid">
              {c.foreign ? (
                <>
                  <SelectField path={f("country")} label={t("country")} required value={c.country} problems={p(f("country"))} onChange={(v) => set(f("country"), v)}>
                    <CountryOptions reference={reference} exclude="AL" />
                  </SelectField>
                  {text("court_name", t("courtName"), { required: true })}
                  {text("recognition", t("recognition"))}
                </>
              ) : (
                <SelectField path={f("court_code")} className="field--wide" label={t("court")} required value={c.court_code} problems={p(f("court_code"))} onChange={(v) => set(f("court_code"), v)}>
                  <CourtOptions reference={reference} />
                </SelectField>
              )}
              {text("decision_number", t("decisionNumber"), { required: true })}
              {text("decision_date", t("decisionDate"), { kind: "date", required: true })}
              {text("final_date", t("finalDate"), { kind: "date", required: true })}
            </div>
            <Articles i={i} c={c} reference={reference} step={step} />
            <div className="grid">
              {text("sentence_months", t("sentenceMonths"), { kind: "number", required: true })}
              {text("sentence_text", t("sentenceText"))}
              {text("custody_from", t("custodyFrom"), { kind: "date" })}
              {text("release_date", t("releaseDate"), { kind: "date" })}
              {text("victim_age", t("victimAge"), { kind: "number" })}
              {text("victim_relationship", t("victimRelationship"))}
            </div>
          </section>
        );
      })}
      {draft.convictions.length === 0 && <p>{t("noConvictions")}</p>}
      <button
        type="button"
        className="button"
        data-testid="add-conviction"
        onClick={() => set("convictions", [...draft.convictions, emptyConviction()])}
      >
        + {t("addConviction")}
      </button>
    </div>
  );
}
