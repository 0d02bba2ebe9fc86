import type { FieldError } from "../generated/FieldError";
import type { FileDraft } from "../generated/FileDraft";
import type { ReferenceSet } from "../generated/ReferenceSet";
import { useI18n } from "../i18n";
import { countryName } from "../reference";
import { emptyAlias, problemsAt } from "./draft";
import { SelectField, TextField } from "./fields";

export interface StepProps {
  draft: FileDraft;
  problems: FieldError[];
  reference: ReferenceSet;
  /** Replace the value at a draft path. */
  set(path: string, value: unknown): void;
}

export function CountryOptions({ reference, exclude }: { reference: ReferenceSet; exclude?: string }) {
  const { t, lang } = useI18n();
  const collator = new Intl.Collator(lang);
  const countries = reference.countries
    .filter((c) => c.code !== exclude)
    .map((c) => ({ code: c.code, name: countryName(reference, c.code, lang) }))
    .sort((a, b) => (a.code === "AL" ? -1 : b.code === "AL" ? 1 : collator.compare(a.name, b.name)));
  return (
    <>
      <option value="">{t("choose")}</option>
      {countries.map((c) => (
        <option key={c.code} value={c.code}>
          {c.name} ({c.code})
        </option>
      ))}
    </>
  );
}

export function IdentityStep({ draft, problems, reference, set }: StepProps) {
  const { t } = useI18n();
  const d = draft.identity;
  const p = (path: string) => problemsAt(problems, path);
  return (
    <div className="step-fields">
      <div className="grid">
        <TextField path="identity.surname" label={t("surname")} required value={d.surname} problems={p("identity.surname")} onChange={(v) => set("identity.surname", v)} />
        <TextField path="identity.given_name" label={t("givenName")} required value={d.given_name} problems={p("identity.given_name")} onChange={(v) => set("identity.given_name", v)} />
        <TextField path="identity.father_name" label={t("fatherName")} required value={d.father_name} problems={p("identity.father_name")} onChange={(v) => set("identity.father_name", v)} />
        <TextField path="identity.mother_name" label={t("motherName")} value={d.mother_name} problems={p("identity.mother_name")} onChange={(v) => set("identity.mother_name", v)} />
        <SelectField path="identity.sex" label={t("sex")} required value={d.sex} problems={p("identity.sex")} onChange={(v) => set("identity.sex", v)}>
          <option value="">{t("choose")}</option>
          <option value="M">{t("sex_M")}</option>
          <option value="F">{t("sex_F")}</option>
        </SelectField>
        <TextField path="identity.date_of_birth" kind="date" label={t("dateOfBirth")} required value={d.date_of_birth} problems={p("identity.date_of_birth")} onChange={(v) => set("identity.date_of_birth", v)} />
        <TextField path="identity.place_of_birth" label={t("placeOfBirth")} value={d.place_of_birth} problems={p("identity.place_of_birth")} onChange={(v) => set("identity.place_of_birth", v)} />
        <TextField path="identity.nid" kind="code" label={t("nid")} maxLength={14} value={d.nid} problems={p("identity.nid")} onChange={(v) => set("identity.nid", v)} />
      </div>

      <fieldset className="group">
        <legend>{t("citizenships")}</legend>
        {d.citizenships.map((c, i) => (
          <div className="repeat-row" key={i}>
            <SelectField path={`identity.citizenships.${i}`} label={`${t("citizenship")} ${i + 1}`} value={c} problems={p(`identity.citizenships.${i}`)} onChange={(v) => set(`identity.citizenships.${i}`, v)}>
              <CountryOptions reference={reference} />
            </SelectField>
            <button type="button" className="button button--small" onClick={() => set("identity.citizenships", d.citizenships.filter((_, k) => k !== i))}>
              {t("remove")} <span className="visually-hidden">{`${t("citizenship")} ${i + 1}`}</span>
            </button>
          </div>
        ))}
        <button type="button" className="button button--small" data-testid="add-citizenship" onClick={() => set("identity.citizenships", [...d.citizenships, d.citizenships.length === 0 ? "AL" : ""])}>
          + {t("addCitizenship")}
        </button>
      </fieldset>

      <fieldset className="group">
        <legend>{t("aliases")}</legend>
        {d.aliases.map((a, i) => (
          <div className="repeat-row" key={i}>
            <SelectField path={`identity.aliases.${i}.kind`} label={t("aliasKind")} value={a.kind} problems={p(`identity.aliases.${i}.kind`)} onChange={(v) => set(`identity.aliases.${i}.kind`, v)}>
              <option value="alias">{t("alias_alias")}</option>
              <option value="former_name">{t("alias_former_name")}</option>
              <option value="maiden_name">{t("alias_maiden_name")}</option>
            </SelectField>
            <TextField path={`identity.aliases.${i}.surname`} label={t("surname")} value={a.surname} problems={p(`identity.aliases.${i}.surname`)} onChange={(v) => set(`identity.aliases.${i}.surname`, v)} />
            <TextField path={`identity.aliases.${i}.given_name`} label={t("givenName")} value={a.given_name} problems={p(`identity.aliases.${i}.given_name`)} onChange={(v) => set(`identity.aliases.${i}.given_name`, v)} />
            <button type="button" className="button button--small" onClick={() => set("identity.aliases", d.aliases.filter((_, k) => k !== i))}>
              {t("remove")} <span className="visually-hidden">{`${t("alias")} ${i + 1}`}</span>
            </button>
          </div>
        ))}
        <button type="button" className="button button--small" data-testid="add-alias" onClick={() => set("identity.aliases", [...d.aliases, emptyAlias()])}>
          + {t("addAlias")}
        </button>
      </fieldset>
    </div>
  );
}
