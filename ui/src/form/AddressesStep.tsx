import { useI18n } from "../i18n";
import { municipalitiesByCounty } from "../reference";
import { emptyAddress, fieldId, problemsAt } from "./draft";
import { Problems, SelectField, TextField } from "./fields";
import type { StepProps } from "./IdentityStep";

export function AddressesStep({ draft, problems, reference, set }: StepProps) {
  const { t } = useI18n();
  const p = (path: string) => problemsAt(problems, path);
  const groups = municipalitiesByCounty(reference);
  return (
    <div className="step-fields">
      <Problems id={`${fieldId("addresses")}-problems`} problems={p("addresses")} />
      {draft.addresses.length === 0 && <p>{t("noAddresses")}</p>}
      {draft.addresses.map((a, i) => {
        const f = (name: string) => `addresses.${i}.${name}`;
        return (
          <section className="block" key={i} aria-labelledby={`addr-${i}-title`} data-testid="address-block">
            <div className="block__head">
              <h4 id={`addr-${i}-title`}>
                {t("address")} {i + 1}
              </h4>
              <button
                type="button"
                className="button button--small"
                data-testid="remove-address"
                onClick={() => set("addresses", draft.addresses.filter((_, k) => k !== i))}
              >
                {t("remove")} <span className="visually-hidden">{`${t("address")} ${i + 1}`}</span>
              </button>
            </div>
            <div className="grid">
              <SelectField path={f("kind")} label={t("addressKind")} required value={a.kind} problems={p(f("kind"))} onChange={(v) => set(f("kind"), v)}>
                <option value="">{t("choose")}</option>
                <option value="residence">{t("address_residence")}</option>
                <option value="temporary_stay">{t("address_temporary_stay")}</option>
                <option value="work">{t("address_work")}</option>
              </SelectField>
              <SelectField path={f("municipality_code")} label={t("municipality")} required value={a.municipality_code} problems={p(f("municipality_code"))} onChange={(v) => set(f("municipality_code"), v)}>
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
              <TextField path={f("street")} label={t("street")} required={a.kind === "residence"} value={a.street} problems={p(f("street"))} onChange={(v) => set(f("street"), v)} />
              <TextField path={f("from")} kind="date" label={t("from")} required value={a.from} problems={p(f("from"))} onChange={(v) => set(f("from"), v)} />
              <TextField path={f("to")} kind="date" label={t("to")} value={a.to} problems={p(f("to"))} onChange={(v) => set(f("to"), v)} />
            </div>
          </section>
        );
      })}
      <button type="button" className="button" data-testid="add-address" onClick={() => set("addresses", [...draft.addresses, emptyAddress()])}>
        + {t("addAddress")}
      </button>
    </div>
  );
}
