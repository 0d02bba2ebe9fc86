// The content of a file, read-only: identity, description, convictions, addresses. Shown by
// the person view and by the view of another directorate's file fetched from the server.
import type { ReactNode } from "react";
import type { FileData } from "../generated/FileData";
import type { ReferenceSet } from "../generated/ReferenceSet";
import { isoToDisplay } from "../dates";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { article, articleTitle, countryName, courtName, municipalityName } from "../reference";

export function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="facts__row">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function FileFacts({ data, reference, idPrefix = "p" }: { data: FileData; reference: ReferenceSet; idPrefix?: string }) {
  const { t, lang } = useI18n();
  const { identity: who, description: d } = data;
  const dash = t("none");
  const orDash = (s: string | null | undefined) => (s ? s : dash);
  const date = (iso: string | null | undefined) => (iso ? isoToDisplay(iso) : dash);
  return (
    <>
      <section className="panel" aria-labelledby={`${idPrefix}-identity`}>
        <h3 id={`${idPrefix}-identity`}>{t("identity")}</h3>
        <dl className="facts">
          <Row label={t("surname")}>{who.surname}</Row>
          <Row label={t("givenName")}>{who.given_name}</Row>
          <Row label={t("fatherName")}>{orDash(who.father_name)}</Row>
          <Row label={t("motherName")}>{orDash(who.mother_name)}</Row>
          <Row label={t("sex")}>{t(`sex_${who.sex}` as MessageKey)}</Row>
          <Row label={t("dateOfBirth")}>{date(who.date_of_birth)}</Row>
          <Row label={t("placeOfBirth")}>{orDash(who.place_of_birth)}</Row>
          <Row label={t("nid")}>
            <span className="mono">{orDash(who.nid)}</span>
            {who.nid_check_overridden && <span className="note"> ({t("nidOverridden")})</span>}
          </Row>
          <Row label={t("citizenships")}>
            {who.citizenships.length ? who.citizenships.map((c) => countryName(reference, c, lang)).join(", ") : dash}
          </Row>
          <Row label={t("aliases")}>
            {who.aliases.length ? (
              <ul className="plain-list">
                {who.aliases.map((a) => (
                  <li key={a.id}>
                    {t(`alias_${a.kind}` as MessageKey)}: <span className="name">{`${a.surname} ${a.given_name}`.trim()}</span>
                  </li>
                ))}
              </ul>
            ) : (
              dash
            )}
          </Row>
        </dl>
      </section>

      <section className="panel" aria-labelledby={`${idPrefix}-description`}>
        <h3 id={`${idPrefix}-description`}>{t("description")}</h3>
        <dl className="facts">
          <Row label={t("heightCm")}>{d.height_cm ?? dash}</Row>
          <Row label={t("eyeColour")}>{orDash(d.eye_colour)}</Row>
          <Row label={t("hairColour")}>{orDash(d.hair_colour)}</Row>
          <Row label={t("marks")}>{orDash(d.marks)}</Row>
        </dl>
      </section>

      <section className="panel" aria-labelledby={`${idPrefix}-convictions`}>
        <h3 id={`${idPrefix}-convictions`}>{t("convictions")}</h3>
        {data.convictions.length === 0 && <p>{t("noConvictions")}</p>}
        {data.convictions.map((c, i) => (
          <article key={c.id} className="block" aria-label={`${t("conviction")} ${i + 1}`}>
            <h4>
              {t("conviction")} {i + 1}: {c.decision_number} · {date(c.decision_date)}
            </h4>
            <dl className="facts">
              {c.foreign ? (
                <>
                  <Row label={t("foreign")}>{countryName(reference, c.country, lang)}</Row>
                  <Row label={t("court")}>{orDash(c.court_name)}</Row>
                  <Row label={t("recognition")}>{orDash(c.recognition)}</Row>
                </>
              ) : (
                <Row label={t("court")}>{courtName(reference, c.court_code) || dash}</Row>
              )}
              <Row label={t("decisionNumber")}>{c.decision_number}</Row>
              <Row label={t("decisionDate")}>{date(c.decision_date)}</Row>
              <Row label={t("finalDate")}>{date(c.final_date)}</Row>
              <Row label={t("articles")}>
                <ul className="plain-list">
                  {c.articles.map((code) => (
                    <li key={code}>
                      <strong>{code}</strong> {articleTitle(reference, code, lang)}
                      {article(reference, code)?.confirmed === false &&
                        !articleTitle(reference, code, lang).toLowerCase().includes(t("unconfirmed")) && (
                          <span className="note"> ({t("unconfirmed")})</span>
                        )}
                    </li>
                  ))}
                </ul>
              </Row>
              <Row label={t("sentenceMonths")}>
                {c.sentence_months} {t("months")}
                {c.sentence_text && ` · ${c.sentence_text}`}
              </Row>
              <Row label={t("custodyFrom")}>{date(c.custody_from)}</Row>
              <Row label={t("releaseDate")}>{date(c.release_date)}</Row>
              <Row label={t("victimAge")}>{c.victim_age ?? dash}</Row>
              <Row label={t("victimRelationship")}>{orDash(c.victim_relationship)}</Row>
            </dl>
          </article>
        ))}
      </section>

      <section className="panel" aria-labelledby={`${idPrefix}-addresses`}>
        <h3 id={`${idPrefix}-addresses`}>{t("addresses")}</h3>
        {data.addresses.length === 0 ? (
          <p>{t("noAddresses")}</p>
        ) : (
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">{t("addressKind")}</th>
                <th scope="col">{t("municipality")}</th>
                <th scope="col">{t("street")}</th>
                <th scope="col">{t("from")}</th>
                <th scope="col">{t("to")}</th>
              </tr>
            </thead>
            <tbody>
              {data.addresses.map((a) => (
                <tr key={a.id}>
                  <td>{t(`address_${a.kind}` as MessageKey)}</td>
                  <td>{municipalityName(reference, a.municipality_code)}</td>
                  <td>{orDash(a.street)}</td>
                  <td className="nowrap">{date(a.from)}</td>
                  <td className="nowrap">{a.to ? date(a.to) : t("untilNow")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
