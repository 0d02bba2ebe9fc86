// A person's obligations and what happened ("Detyrimet"), in the person view: the compliance
// status, the registration period with the rule versions that computed it, the periodic
// reports, every record in date order (voided ones struck through with the reason), how
// each record stands against its deadline, and the notices of rule changes to serve.
// What the officer may do comes from the timeline, never from a role check here: adding
// records when `may_add`; confirming a death or removal recorded by someone else and voiding
// (a supervisor, with a reason) when `may_confirm`; serving notices when `may_serve`.
// A death or removal awaiting confirmation is marked and does not count until confirmed.
import { useCallback, useEffect, useRef, useState } from "react";
import type { AppError } from "../generated/AppError";
import type { FieldError } from "../generated/FieldError";
import type { FileRecord } from "../generated/FileRecord";
import type { RecordAssessment } from "../generated/RecordAssessment";
import type { ReferenceSet } from "../generated/ReferenceSet";
import type { RuleNotice } from "../generated/RuleNotice";
import type { RuledDate } from "../generated/RuledDate";
import type { Timeline as TimelineData } from "../generated/Timeline";
import { useBackend } from "../backend/context";
import { ErrorCode, toAppError } from "../backend/errors";
import { isoToDisplay, timestampToDisplay } from "../dates";
import { Problems, TextField } from "../form/fields";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { countryName, municipalityName } from "../reference";
import { useAnnounce } from "../status";
import { ComplianceBadge } from "./Dashboard";
import { CheckInPhoto } from "./PersonPhoto";
import { RECORD_KINDS, RecordForm } from "./RecordForm";
import { VoidForm } from "./VoidForm";
import type { CurrentName, RecordKind } from "./RecordForm";

/** A death or removal no second supervisor has confirmed yet (not voided): it does not count. */
export function awaitsConfirmation(r: FileRecord): boolean {
  const d = r.data;
  return r.void === null && r.confirmation === null && d.kind === "status_change" && (d.state === "deceased" || d.state === "removed");
}

/** The day a record is about (as RecordData::date in Rust). */
export function recordDate(r: FileRecord): string {
  const d = r.data;
  switch (d.kind) {
    case "registration_notice":
    case "check_in":
    case "verification":
    case "risk_assessment":
      return d.date;
    case "address_change":
      return d.moved_on;
    case "trip":
    case "trip_change":
      return d.departure;
    case "occupation":
      return d.from;
    case "status_change":
      return d.effective;
    case "name_change":
      return d.changed_on;
  }
}

function RecordDetails({ record, reference }: { record: FileRecord; reference: ReferenceSet }) {
  const { t, lang } = useI18n();
  const d = record.data;
  const date = (iso: string) => isoToDisplay(iso);
  switch (d.kind) {
    case "registration_notice":
      return (
        <>
          {d.officer}
          {d.note && ` · ${d.note}`}
        </>
      );
    case "check_in":
      return (
        <>
          {d.officer}
          {d.photo_id ? (
            <>
              {" · "}
              <CheckInPhoto photoId={d.photo_id} date={date(d.date)} />
            </>
          ) : null}
          {d.no_photo_reason && ` · ${t("noPhotoBecause", { reason: d.no_photo_reason })}`}
          {d.photo_taken && ` · ${t("photoTaken")}`}
          {d.note && ` · ${d.note}`}
        </>
      );
    case "address_change":
      return (
        <>
          {t(`address_${d.address_kind}` as MessageKey)}: {municipalityName(reference, d.municipality_code)}, {d.street} · {t("fReportedOn")}{" "}
          {date(d.reported_on)}
        </>
      );
    case "verification":
      return (
        <>
          {t(`ver_${d.result}` as MessageKey)} · {d.officer}
          {d.note && ` · ${d.note}`}
        </>
      );
    case "trip":
      return (
        <>
          {d.foreign ? `${d.destination}, ${countryName(reference, d.country, lang)}` : municipalityName(reference, d.destination) || d.destination}{" "}
          <span className={d.foreign ? "badge badge--warning" : "badge badge--muted"}>{d.foreign ? t("abroad") : t("domestic_trip")}</span> ·{" "}
          {date(d.departure)} – {date(d.return_date)} · {t("fNoticeDate")} {date(d.notice_date)}
          {d.purpose && ` · ${d.purpose}`}
        </>
      );
    case "occupation":
      return (
        <>
          {t(`occ_${d.occupation}` as MessageKey)}: {d.organisation}
          {d.role && ` (${d.role})`} · {date(d.from)} – {d.to ? date(d.to) : t("untilNow")} · {t("fReportedOn")} {date(d.reported_on)}
        </>
      );
    case "status_change":
      return (
        <>
          {t(`state_${d.state}` as MessageKey)} · {t("fReason")}: {d.reason}
        </>
      );
    case "risk_assessment":
      return (
        <>
          {t(`risk_${d.level}` as MessageKey)} · {d.officer}
        </>
      );
    case "trip_change":
      return (
        <>
          {d.country !== "AL" ? `${d.destination}, ${countryName(reference, d.country, lang)}` : municipalityName(reference, d.destination) || d.destination} ·{" "}
          {date(d.departure)} – {date(d.return_date)} · {t("declaredAt")} {timestampToDisplay(d.declared_at)}
        </>
      );
    case "name_change":
      return (
        <>
          {d.old_surname} {d.old_given_name} → <span className="name">{`${d.new_surname} ${d.new_given_name}`}</span> · {t("fReportedOn")} {date(d.reported_on)}
        </>
      );
  }
}

function Assessment({ a }: { a: RecordAssessment | undefined }) {
  const { t } = useI18n();
  if (!a) return <>{t("none")}</>;
  const flags: { key: string; label: string; cls: string }[] = [];
  if (a.on_time !== null && a.deadline) {
    // an instant deadline (a trip change: hours before departure) is shown with its time in Tirana
    const when = a.deadline_at ? timestampToDisplay(a.deadline_at) : isoToDisplay(a.deadline.date);
    flags.push({
      key: "deadline",
      label: t(a.on_time ? "onTime" : "late", { date: when }),
      cls: a.on_time ? "badge badge--ok" : "badge badge--danger",
    });
  }
  if (a.international_notification) flags.push({ key: "intl", label: t("intlNotification"), cls: "badge badge--warning" });
  if (a.child_contact) flags.push({ key: "child", label: t("childContact"), cls: "badge badge--danger" });
  if (a.not_found) flags.push({ key: "not_found", label: t("notFoundAtAddress"), cls: "badge badge--danger" });
  if (flags.length === 0) return <>{t("none")}</>;
  return (
    <span className="flags">
      {flags.map((f) => (
        <span key={f.key} className={f.cls} data-flag={f.key}>
          {f.label}
        </span>
      ))}
    </span>
  );
}

function NoticeRow({ notice, mayServe, onServed }: { notice: RuleNotice; mayServe: boolean; onServed(): void }) {
  const backend = useBackend();
  const { t, text } = useI18n();
  const [servedOn, setServedOn] = useState("");
  const [problems, setProblems] = useState<FieldError[]>([]);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const serve = async () => {
    setBusy(true);
    try {
      await backend.serveNotice(notice.id, servedOn.trim());
      onServed();
    } catch (e) {
      const err = toAppError(e);
      if (err.code === ErrorCode.validation && err.fields.length > 0) setProblems(err.fields);
      else setError(err);
      setBusy(false);
    }
  };
  return (
    <li className="notice" data-testid="notice" data-id={notice.id} data-served={notice.served_on ? "true" : "false"}>
      <p>
        {t("noticeFor", { n: notice.rule_version, at: timestampToDisplay(notice.created_at) })} ·{" "}
        {notice.served_on ? (
          <span className="message--ok">{t("noticeServed", { date: isoToDisplay(notice.served_on), by: notice.served_by ?? t("none") })}</span>
        ) : (
          <strong className="notice__unserved">{t("noticeUnserved")}</strong>
        )}
      </p>
      {!notice.served_on && mayServe && (
        <form
          className="notice__serve"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void serve();
          }}
        >
          <TextField
            path={`notice.${notice.id}.served_on`}
            label={t("servedOn")}
            kind="date"
            required
            problems={problems.filter((p) => p.field === "served_on")}
            value={servedOn}
            onChange={setServedOn}
          />
          <button type="submit" className="button" data-testid="serve-notice" disabled={busy}>
            {t("serve")}
          </button>
          <Problems id={`notice-${notice.id}-other`} problems={problems.filter((p) => p.field !== "served_on")} />
          {error && (
            <p className="message message--error" role="alert">
              {text(error.message)}
            </p>
          )}
        </form>
      )}
    </li>
  );
}

export function Timeline({
  fileId,
  reference,
  currentName,
  onChanged,
}: {
  fileId: string;
  reference: ReferenceSet;
  /** The name on the file, for a change of name to start from. */
  currentName?: CurrentName;
  onChanged?(): void;
}) {
  const backend = useBackend();
  const { t, text } = useI18n();
  const announce = useAnnounce();
  const [data, setData] = useState<TimelineData | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [adding, setAdding] = useState<RecordKind | null>(null);
  const [voiding, setVoiding] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [confirmError, setConfirmError] = useState<{ id: string; error: AppError } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const load = useCallback(() => {
    backend.timeline(fileId).then(
      (d) => {
        setData(d);
        setError(null);
      },
      (e) => setError(toAppError(e)),
    );
  }, [backend, fileId]);

  useEffect(() => {
    load();
  }, [load]);

  const changed = (message: MessageKey) => {
    setConfirmError(null);
    announce(t(message));
    load();
    onChanged?.();
    heading.current?.focus();
  };

  const confirm = async (r: FileRecord) => {
    if (confirming) return;
    setConfirming(r.id);
    setConfirmError(null);
    try {
      await backend.confirmRecord(r.id);
      setConfirming(null);
      changed("recordConfirmed");
    } catch (e) {
      const err = toAppError(e);
      setConfirming(null);
      setConfirmError({ id: r.id, error: err });
      // someone else confirmed or voided it meanwhile: show the record as it stands
      if (err.code === ErrorCode.nothingToConfirm || err.code === ErrorCode.versionConflict) load();
      setTimeout(() => document.getElementById(`confirm-error-${r.id}`)?.focus(), 0);
    }
  };

  const c = data?.compliance ?? null;
  const ruled = (d: RuledDate) => (
    <>
      <span className="nowrap">{isoToDisplay(d.date)}</span> <span className="note">({t("ruleVersion", { n: d.rule_version })})</span>
    </>
  );
  const records = data ? [...data.records].sort((a, b) => recordDate(a).localeCompare(recordDate(b)) || a.recorded_at.localeCompare(b.recorded_at)) : [];

  return (
    <section className="panel timeline" id="timeline" data-testid="timeline" aria-labelledby="timeline-title" data-status={c?.status}>
      <h3 id="timeline-title" tabIndex={-1} ref={heading}>
        {t("timelineTitle")} {c && <ComplianceBadge status={c.status} />}
      </h3>
      {error && (
        <p className="message message--error" role="alert">
          {text(error.message)} <code>{error.code}</code>
        </p>
      )}
      {!data && !error && <p>{t("loading")}</p>}
      {data && !c && <p className="note">{t("noCompliance")}</p>}
      {c && (
        <>
          <dl className="facts" id="timeline-registration">
            <div className="facts__row">
              <dt>{t("regStart")}</dt>
              <dd>
                {c.registration ? (
                  <>
                    <span className="nowrap">{isoToDisplay(c.registration.start)}</span>{" "}
                    <span className="note">({t("ruleVersion", { n: c.registration.rule_version })})</span>
                  </>
                ) : (
                  t("none")
                )}
              </dd>
            </div>
            {c.owed_from && (
              <div className="facts__row">
                <dt>{t("owedFrom")}</dt>
                <dd className="nowrap" data-testid="owed-from">
                  {isoToDisplay(c.owed_from)}
                </dd>
              </div>
            )}
            <div className="facts__row">
              <dt>{t("regEnd")}</dt>
              <dd data-testid="registration-end">{c.registration ? (c.registration.end ? ruled(c.registration.end) : <strong>{t("forLife")}</strong>) : t("none")}</dd>
            </div>
            {c.registration?.review && (
              <div className="facts__row">
                <dt>{t("regReview")}</dt>
                <dd>{ruled(c.registration.review)}</dd>
              </div>
            )}
            {c.registration && (
              <div className="facts__row">
                <dt>{t("longestSentence")}</dt>
                <dd>
                  {c.registration.longest_sentence_months} {t("months")}
                </dd>
              </div>
            )}
            <div className="facts__row">
              <dt>{t("riskLevel")}</dt>
              <dd>{t(`risk_${c.risk_level}` as MessageKey)}</dd>
            </div>
            {c.overdue_since && (
              <div className="facts__row">
                <dt>{t("overdueSince")}</dt>
                <dd className="text-danger">{isoToDisplay(c.overdue_since)}</dd>
              </div>
            )}
            <div className="facts__row">
              <dt>{t("nextDue")}</dt>
              <dd>{c.next_due ? isoToDisplay(c.next_due) : t("none")}</dd>
            </div>
            {c.awaiting_since && (
              <div className="facts__row">
                <dt>{t("awaitingNoticeSince")}</dt>
                <dd data-testid="awaiting-notice">{t("awaitingNoticeNote", { date: isoToDisplay(c.awaiting_since), n: c.awaiting_notice })}</dd>
              </div>
            )}
          </dl>

          <h4 id="timeline-obligations-title">{t("obligationsTitle")}</h4>
          {c.obligations.length === 0 ? (
            <p className="note">{t("noObligations")}</p>
          ) : (
            <table className="data-table" id="timeline-obligations" aria-labelledby="timeline-obligations-title">
              <thead>
                <tr>
                  <th scope="col">{t("colDue")}</th>
                  <th scope="col">{t("colState")}</th>
                  <th scope="col">{t("colMetOn")}</th>
                  <th scope="col">{t("colInterval")}</th>
                </tr>
              </thead>
              <tbody>
                {c.obligations.map((o) => (
                  <tr key={o.due} data-testid="obligation" data-state={o.state} data-due={o.due}>
                    <td className="nowrap">
                      {isoToDisplay(o.effective_due)}
                      {o.effective_due !== o.due && <span className="note"> ({isoToDisplay(o.due)})</span>}
                    </td>
                    <td>
                      <span className={`badge badge--ob-${o.state}`}>{t(`ob_${o.state}` as MessageKey)}</span>
                    </td>
                    <td className="nowrap">{o.met_on ? isoToDisplay(o.met_on) : t("none")}</td>
                    <td>
                      {t("everyMonths", { n: o.interval_months })} · {t(`risk_${o.risk_level}` as MessageKey)} ·{" "}
                      <span className="note">{t("ruleVersion", { n: o.rule_version })}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}

      {data && data.notices.length > 0 && (
        <>
          <h4>{t("noticesTitle")}</h4>
          <ul className="plain-list" id="timeline-notices">
            {data.notices.map((n) => (
              <NoticeRow key={n.id} notice={n} mayServe={data.may_serve} onServed={() => changed("noticeServedDone")} />
            ))}
          </ul>
        </>
      )}

      {data && (
        <>
          <h4 id="timeline-records-title">{t("recordsTitle")}</h4>
          {data.may_add && (
            <div className="record-kinds" role="group" aria-label={t("addRecordTitle")}>
              {RECORD_KINDS.map((k) => (
                <button
                  key={k}
                  type="button"
                  className="button button--small"
                  data-record-kind={k}
                  aria-pressed={adding === k}
                  onClick={() => setAdding(k)}
                >
                  + {t(`kind_${k}` as MessageKey)}
                </button>
              ))}
            </div>
          )}
          {adding && data.may_add && (
            <RecordForm
              key={adding}
              fileId={fileId}
              kind={adding}
              reference={reference}
              trips={data.trips}
              currentName={currentName}
              onSaved={() => {
                setAdding(null);
                changed("recordSaved");
              }}
              onCancel={() => {
                const k = adding;
                setAdding(null);
                setTimeout(() => document.querySelector<HTMLElement>(`[data-record-kind="${k}"]`)?.focus(), 0);
              }}
            />
          )}
          {records.length === 0 ? (
            <p className="note">{t("noRecords")}</p>
          ) : (
            <table className="data-table" id="timeline-records" aria-labelledby="timeline-records-title">
              <thead>
                <tr>
                  <th scope="col">{t("colDate")}</th>
                  <th scope="col">{t("colKind")}</th>
                  <th scope="col">{t("colDetails")}</th>
                  <th scope="col">{t("colAssessment")}</th>
                  <th scope="col">{t("colRecordedBy")}</th>
                  {data.may_confirm && (
                    <th scope="col">
                      <span className="visually-hidden">{t("actions")}</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {records.map((r) => {
                  const awaiting = awaitsConfirmation(r);
                  const label = { kind: t(`kind_${r.data.kind}` as MessageKey), date: isoToDisplay(recordDate(r)) };
                  const failed = confirmError?.id === r.id ? confirmError.error : null;
                  return (
                    <tr
                      key={r.id}
                      className={r.void ? "record record--voided" : awaiting ? "record record--awaiting" : "record"}
                      data-testid="timeline-record"
                      data-id={r.id}
                      data-kind={r.data.kind}
                      data-voided={r.void ? "true" : "false"}
                      data-awaiting-confirmation={awaiting ? "true" : "false"}
                    >
                      <td className="nowrap record__struck">{isoToDisplay(recordDate(r))}</td>
                      <td className="record__struck">
                        {t(`kind_${r.data.kind}` as MessageKey)}
                        {r.void && (
                          <>
                            {" "}
                            <span className="badge badge--muted">{t("voided")}</span>
                          </>
                        )}
                        {awaiting && (
                          <>
                            {" "}
                            <span className="badge badge--warning" data-testid="awaiting-confirmation">
                              {t("awaitingConfirmation")}
                            </span>
                          </>
                        )}
                      </td>
                      <td>
                        <span className="record__struck">
                          <RecordDetails record={r} reference={reference} />
                        </span>
                        {awaiting && <p className="record__note">{t("awaitingConfirmationNote")}</p>}
                        {r.confirmation && (
                          <p className="record__note" data-testid="confirmed-by">
                            {t("confirmedBy", { by: r.confirmation.by, at: timestampToDisplay(r.confirmation.at) })}
                          </p>
                        )}
                        {r.void && (
                          <p className="record__void" data-testid="void-reason">
                            {t("voidedBy", { by: r.void.by, at: timestampToDisplay(r.void.at), reason: r.void.reason })}
                          </p>
                        )}
                      </td>
                      <td>{r.void ? t("none") : <Assessment a={c?.assessments.find((a) => a.record_id === r.id)} />}</td>
                      <td>
                        {r.recorded_by} <span className="note nowrap">{timestampToDisplay(r.recorded_at)}</span>
                      </td>
                      {data.may_confirm && (
                        <td>
                          {awaiting && voiding !== r.id && (
                            <button
                              type="button"
                              className="button button--small button--primary"
                              data-testid="record-confirm"
                              aria-label={t("confirmRecordLabel", label)}
                              disabled={confirming !== null}
                              onClick={() => void confirm(r)}
                            >
                              {confirming === r.id ? t("confirming") : t("confirmRecord")}
                            </button>
                          )}
                          {failed && (
                            <p className="message message--error" role="alert" tabIndex={-1} id={`confirm-error-${r.id}`} data-testid="confirm-error" data-code={failed.code}>
                              {text(failed.message)}
                              {failed.code === ErrorCode.ownWork && <> {t("confirmOwnWork")}</>}
                            </p>
                          )}
                          {!r.void &&
                            (voiding === r.id ? (
                              <VoidForm
                                path={`void.${r.id}.reason`}
                                testId="void"
                                submitLabel="voidSubmit"
                                send={(reason) => backend.voidRecord(r.id, reason)}
                                onDone={() => {
                                  setVoiding(null);
                                  changed("recordVoided");
                                }}
                                onCancel={() => setVoiding(null)}
                              />
                            ) : (
                              <button
                                type="button"
                                className="button button--small"
                                data-testid="void-record"
                                aria-label={t("voidRecordLabel", label)}
                                onClick={() => setVoiding(r.id)}
                              >
                                {t("voidRecord")}
                              </button>
                            ))}
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
