import type { ReactNode } from "react";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { articleTitle, countryName, courtName, municipalityName } from "../reference";
import type { StepProps } from "./IdentityStep";

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="facts__row">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** What will be saved, as entered. */
export function ReviewStep({ draft, reference }: StepProps) {
  const { t, lang } = useI18n();
  const dash = t("none");
  const v = (s: string) => (s.trim() ? s : dash);
  const who = draft.identity;
  const d = draft.description;
  return (
    <div className="review" data-testid="review">
      <section className="panel">
        <h4>{t("identity")}</h4>
        <dl className="facts">
          <Row label={t("surname")}>{v(who.surname)}</Row>
          <Row label={t("givenName")}>{v(who.given_name)}</Row>
          <Row label={t("fatherName")}>{v(who.father_name)}</Row>
          <Row label={t("motherName")}>{v(who.mother_name)}</Row>
          <Row label={t("sex")}>{who.sex === "M" || who.sex === "F" ? t(`sex_${who.sex}`) : dash}</Row>
          <Row label={t("dateOfBirth")}>{v(who.date_of_birth)}</Row>
          <Row label={t("placeOfBirth")}>{v(who.place_of_birth)}</Row>
          <Row label={t("nid")}>{v(who.nid)}</Row>
          <Row label={t("citizenships")}>
            {who.citizenships.filter(Boolean).map((c) => countryName(reference, c, lang)).join(", ") || dash}
          </Row>
          <Row label={t("aliases")}>
            {who.aliases.length
              ? who.aliases.map((a) => `${t(`alias_${a.kind || "alias"}` as MessageKey)}: ${a.surname} ${a.given_name}`.trim()).join("; ")
              : dash}
          </Row>
        </dl>
      </section>
      <section className="panel">
        <h4>{t("description")}</h4>
        <dl className="facts">
          <Row label={t("heightCm")}>{v(d.height_cm)}</Row>
          <Row label={t("eyeColour")}>{v(d.eye_colour)}</Row>
          <Row label={t("hairColour")}>{v(d.hair_colour)}</Row>
          <Row label={t("marks")}>{v(d.marks)}</Row>
        </dl>
      </section>
      <section className="panel">
        <h4>{t("convictions")}</h4>
        {draft.convictions.length === 0 && <p>{t("noConvictions")}</p>}
        {draft.convictions.map((c, i) => (
          <dl className="facts block" key={i}>
            <Row label={`${t("conviction")} ${i + 1}`}>
              {c.foreign ? `${countryName(reference, c.country, lang)} · ${v(c.court_name)}` : v(courtName(reference, c.court_code))}
            </Row>
            <Row label={t("decisionNumber")}>{v(c.decision_number)}</Row>
            <Row label={t("decisionDate")}>{v(c.decision_date)}</Row>
            <Row label={t("finalDate")}>{v(c.final_date)}</Row>
            <Row label={t("articles")}>
              {c.articles.length ? c.articles.map((a) => `${a} ${articleTitle(reference, a, lang)}`).join("; ") : dash}
            </Row>
            <Row label={t("sentenceMonths")}>{v(c.sentence_months)}</Row>
          </dl>
        ))}
      </section>
      <section className="panel">
        <h4>{t("addresses")}</h4>
        {draft.addresses.length === 0 && <p>{t("noAddresses")}</p>}
        {draft.addresses.map((a, i) => (
          <dl className="facts block" key={i}>
            <Row label={`${t("address")} ${i + 1}`}>
              {a.kind ? t(`address_${a.kind}` as MessageKey) : dash} · {v(municipalityName(reference, a.municipality_code))}
            </Row>
            <Row label={t("street")}>{v(a.street)}</Row>
            <Row label={`${t("from")} – ${t("to")}`}>
              {v(a.from)} – {a.to.trim() ? a.to : t("untilNow")}
            </Row>
          </dl>
        ))}
      </section>
    </div>
  );
}
