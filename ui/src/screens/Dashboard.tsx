// The landing screen of clerks and supervisors: their directorate today. Counts by status,
// who is overdue, whose report is due soon, whose report waits for a notice of a rule change
// to be served (not overdue, not "due soon": the notice is the officers' to serve), who is
// travelling, who departs abroad soon and who absconded. Every row opens the person. Computed by Rust on each read (never stored), so it is asked again on
// Refresh and when the window gets the focus back (at most every 30 s).
import { useCallback, useEffect, useRef, useState } from "react";
import type { ReactNode } from "react";
import type { AppError } from "../generated/AppError";
import type { Dashboard as DashboardData } from "../generated/Dashboard";
import type { DashboardRow } from "../generated/DashboardRow";
import type { ReferenceSet } from "../generated/ReferenceSet";
import { useBackend } from "../backend/context";
import { toAppError } from "../backend/errors";
import { isoToDisplay } from "../dates";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { countryName, directorateName, municipalityName } from "../reference";
import { useAnnounce } from "../status";

/** The order of the counts: what needs action first. */
const STATUS_ORDER: DashboardRow["status"][] = ["overdue", "due_soon", "absconded", "compliant", "in_custody", "period_ended", "deceased", "removed"];

/** The window's focus reloads the dashboard only if the last load is older than this. */
export const DASHBOARD_FOCUS_RELOAD_MS = 30_000;

export function ComplianceBadge({ status }: { status: DashboardRow["status"] }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge--compliance-${status}`} data-testid="compliance-badge" data-status={status}>
      {t(`compliance_${status}` as MessageKey)}
    </span>
  );
}

function PersonButton({ row, onOpen }: { row: DashboardRow; onOpen(id: string): void }) {
  return (
    <button
      type="button"
      className="link-button name"
      data-testid="dashboard-row"
      data-id={row.file.id}
      onClick={() => onOpen(row.file.id)}
    >
      {row.file.surname} {row.file.given_name}
    </button>
  );
}

function Section({
  id,
  title,
  count,
  empty,
  head,
  children,
}: {
  id: string;
  title: string;
  count: number;
  empty: string;
  head: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="panel dashboard__section" id={id} data-testid={id} data-count={count} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>
        {title} <span className="count-badge">{count}</span>
      </h3>
      {count === 0 ? (
        <p className="note">{empty}</p>
      ) : (
        <table className="data-table">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>{head}</tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      )}
    </section>
  );
}

export function Dashboard({ reference, onOpen }: { reference: ReferenceSet; onOpen(id: string): void }) {
  const backend = useBackend();
  const { t, text, lang } = useI18n();
  const announce = useAnnounce();
  const [data, setData] = useState<DashboardData | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const loadedAt = useRef(0);
  const live = useRef(true);
  const first = useRef(true);
  // the language may change without asking the dashboard again
  const refreshedText = useRef(t("refreshed"));
  refreshedText.current = t("refreshed");

  const load = useCallback(
    (say: boolean) => {
      setBusy(true);
      loadedAt.current = Date.now();
      backend.dashboard().then(
        (d) => {
          if (!live.current) return;
          setData(d);
          setError(null);
          setBusy(false);
          if (say) announce(refreshedText.current);
        },
        (e) => {
          if (!live.current) return;
          setError(toAppError(e));
          setBusy(false);
        },
      );
    },
    [backend, announce],
  );

  useEffect(() => {
    live.current = true;
    load(false);
    const onFocus = () => {
      if (Date.now() - loadedAt.current >= DASHBOARD_FOCUS_RELOAD_MS) load(false);
    };
    window.addEventListener("focus", onFocus);
    return () => {
      live.current = false;
      window.removeEventListener("focus", onFocus);
    };
  }, [load]);

  // the heading once, when the first answer arrives (a refresh leaves the focus where it is)
  useEffect(() => {
    if ((data || error) && first.current) {
      first.current = false;
      heading.current?.focus();
    }
  }, [data, error]);

  const date = (iso: string | null) => (iso ? isoToDisplay(iso) : t("none"));
  const who = (row: DashboardRow) => (
    <>
      <td className="mono">{row.file.nid ?? t("none")}</td>
      <td className="nowrap">{isoToDisplay(row.file.date_of_birth)}</td>
    </>
  );
  const personHead = (
    <>
      <th scope="col">{t("colPerson")}</th>
      <th scope="col">{t("colNid")}</th>
      <th scope="col">{t("colDateOfBirth")}</th>
    </>
  );

  return (
    <main className="dashboard" id="main" data-testid="dashboard-view" aria-busy={busy}>
      <div id="dashboard" data-today={data?.today}>
        <div className="dashboard__head">
          <div>
            <h2 tabIndex={-1} ref={heading}>
              {t("dashboardTitle")}
            </h2>
            {data && (
              <p className="note" data-testid="dashboard-today">
                {t("dashboardToday", { directorate: directorateName(reference, data.directorate), date: isoToDisplay(data.today) })}
              </p>
            )}
          </div>
          <button type="button" className="button" id="dashboard-refresh" data-testid="dashboard-refresh" disabled={busy} onClick={() => load(true)}>
            {t("refresh")}
          </button>
        </div>
        {error && (
          <p className="message message--error" role="alert">
            {text(error.message)} <code>{error.code}</code>
          </p>
        )}
        {!data && !error && <p>{t("loading")}</p>}
        {data && (
          <>
            <section className="dashboard__counts" aria-labelledby="dashboard-counts-title">
              <h3 id="dashboard-counts-title" className="visually-hidden">
                {t("countsTitle")}
              </h3>
              <ul className="counts" id="dashboard-counts" aria-label={t("countsTitle")}>
                {[...data.counts].sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status)).map((c) => (
                  <li key={c.status} className={`counts__item counts__item--${c.status}`} data-status={c.status} data-count={c.count}>
                    <span className="counts__number">{c.count}</span> <span className="counts__label">{t(`compliance_${c.status}` as MessageKey)}</span>
                  </li>
                ))}
              </ul>
            </section>

            <Section
              id="dashboard-overdue"
              title={t("sectionOverdue")}
              count={data.overdue.length}
              empty={t("emptyOverdue")}
              head={
                <>
                  {personHead}
                  <th scope="col">{t("colOverdueSince")}</th>
                  <th scope="col" className="num">
                    {t("colDaysOverdue")}
                  </th>
                </>
              }
            >
              {data.overdue.map((r) => (
                <tr key={r.file.id} data-id={r.file.id}>
                  <td>
                    <PersonButton row={r} onOpen={onOpen} />
                  </td>
                  {who(r)}
                  <td className="nowrap">{date(r.overdue_since)}</td>
                  <td className="num">{r.days_overdue ?? t("none")}</td>
                </tr>
              ))}
            </Section>

            <Section
              id="dashboard-due-soon"
              title={t("sectionDueSoon", { days: data.due_soon_days })}
              count={data.due_soon.length}
              empty={t("emptyDueSoon")}
              head={
                <>
                  {personHead}
                  <th scope="col">{t("colNextDue")}</th>
                </>
              }
            >
              {data.due_soon.map((r) => (
                <tr key={r.file.id} data-id={r.file.id}>
                  <td>
                    <PersonButton row={r} onOpen={onOpen} />
                  </td>
                  {who(r)}
                  <td className="nowrap">{date(r.next_due)}</td>
                </tr>
              ))}
            </Section>

            <Section
              id="dashboard-awaiting-notice"
              title={t("sectionAwaitingNotice")}
              count={data.awaiting_notice.length}
              empty={t("emptyAwaitingNotice")}
              head={
                <>
                  {personHead}
                  <th scope="col">{t("colReportOf")}</th>
                  <th scope="col" className="num">
                    {t("colUnservedNotices")}
                  </th>
                </>
              }
            >
              {data.awaiting_notice.map((r) => (
                <tr key={r.file.id} data-id={r.file.id}>
                  <td>
                    <PersonButton row={r} onOpen={onOpen} />
                  </td>
                  {who(r)}
                  <td className="nowrap">{date(r.awaiting_since)}</td>
                  <td className="num">{r.unserved_notices}</td>
                </tr>
              ))}
            </Section>

            <Section
              id="dashboard-travelling"
              title={t("sectionTravelling")}
              count={data.travelling.length}
              empty={t("emptyTravelling")}
              head={
                <>
                  <th scope="col">{t("colPerson")}</th>
                  <th scope="col">{t("colDestination")}</th>
                  <th scope="col">{t("country")}</th>
                  <th scope="col">{t("colTrip")}</th>
                  <th scope="col">{t("colStatus")}</th>
                </>
              }
            >
              {data.travelling.flatMap((r) =>
                r.trips.map((trip, i) => (
                  <tr key={trip.record_id} data-id={r.file.id} data-foreign={trip.foreign ? "true" : "false"}>
                    <td>{i === 0 ? <PersonButton row={r} onOpen={onOpen} /> : <span className="name">{`${r.file.surname} ${r.file.given_name}`}</span>}</td>
                    <td>{trip.foreign ? trip.destination : municipalityName(reference, trip.destination) || trip.destination}</td>
                    <td>
                      {countryName(reference, trip.country, lang)}{" "}
                      <span className={trip.foreign ? "badge badge--warning" : "badge badge--muted"}>
                        {trip.foreign ? t("abroad") : t("domestic_trip")}
                      </span>
                    </td>
                    <td className="nowrap">
                      {isoToDisplay(trip.departure)} – {isoToDisplay(trip.return_date)}
                      {trip.changed && (
                        <>
                          {" "}
                          <span className="badge badge--muted">{t("tripChanged")}</span>
                        </>
                      )}
                    </td>
                    <td>
                      <ComplianceBadge status={r.status} />
                    </td>
                  </tr>
                )),
              )}
            </Section>

            <Section
              id="dashboard-departing"
              title={t("sectionDeparting", { days: data.due_soon_days })}
              count={data.departing.length}
              empty={t("emptyDeparting")}
              head={
                <>
                  <th scope="col">{t("colPerson")}</th>
                  <th scope="col">{t("colDestination")}</th>
                  <th scope="col">{t("country")}</th>
                  <th scope="col">{t("colTrip")}</th>
                  <th scope="col">{t("colStatus")}</th>
                </>
              }
            >
              {data.departing.flatMap((r) =>
                r.departures.map((trip, i) => (
                  <tr key={trip.record_id} data-id={r.file.id} data-changed={trip.changed ? "true" : "false"}>
                    <td>{i === 0 ? <PersonButton row={r} onOpen={onOpen} /> : <span className="name">{`${r.file.surname} ${r.file.given_name}`}</span>}</td>
                    <td>{trip.destination}</td>
                    <td>{countryName(reference, trip.country, lang)}</td>
                    <td className="nowrap">
                      {isoToDisplay(trip.departure)} – {isoToDisplay(trip.return_date)}
                      {trip.changed && (
                        <>
                          {" "}
                          <span className="badge badge--muted">{t("tripChanged")}</span>
                        </>
                      )}
                    </td>
                    <td>
                      <ComplianceBadge status={r.status} />
                    </td>
                  </tr>
                )),
              )}
            </Section>

            <Section
              id="dashboard-absconded"
              title={t("sectionAbsconded")}
              count={data.absconded.length}
              empty={t("emptyAbsconded")}
              head={
                <>
                  {personHead}
                  <th scope="col">{t("colMunicipality")}</th>
                </>
              }
            >
              {data.absconded.map((r) => (
                <tr key={r.file.id} data-id={r.file.id}>
                  <td>
                    <PersonButton row={r} onOpen={onOpen} />
                  </td>
                  {who(r)}
                  <td>{r.file.municipality_name ?? (municipalityName(reference, r.file.municipality_code) || t("none"))}</td>
                </tr>
              ))}
            </Section>
          </>
        )}
      </div>
    </main>
  );
}
