// The supervisor's queue: files of the directorate waiting for a decision, oldest first as
// the backend lists them. Opening one shows the person view with Approve / Return.
import { useEffect, useRef, useState } from "react";
import type { AppError } from "../generated/AppError";
import type { FileSummary } from "../generated/FileSummary";
import type { ReferenceSet } from "../generated/ReferenceSet";
import { useBackend } from "../backend/context";
import { toAppError } from "../backend/errors";
import { isoToDisplay } from "../dates";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { municipalityName } from "../reference";
import { useAnnounce } from "../status";

export function ApprovalQueue({
  reference,
  onOpen,
  onCount,
}: {
  reference: ReferenceSet;
  onOpen(id: string): void;
  onCount(count: number): void;
}) {
  const backend = useBackend();
  const { t, text } = useI18n();
  const announce = useAnnounce();
  const [items, setItems] = useState<FileSummary[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const table = useRef<HTMLTableSectionElement>(null);

  useEffect(() => {
    let live = true;
    backend.approvalQueue().then(
      (q) => {
        if (!live) return;
        setItems(q);
        onCount(q.length);
      },
      (e) => live && setError(toAppError(e)),
    );
    return () => {
      live = false;
    };
  }, [backend, onCount]);

  const count = items?.length;
  useEffect(() => {
    if (count !== undefined) announce(t("approvalsWaiting", { count }));
  }, [count, announce, t]);

  // the first file to decide on, or the heading when there is none
  useEffect(() => {
    if (items === null && !error) return;
    const first = table.current?.querySelector<HTMLElement>("button");
    (first ?? heading.current)?.focus();
  }, [items, error]);

  return (
    <main className="queue" id="main" data-testid="approval-queue" aria-busy={items === null && !error}>
      <h2 tabIndex={-1} ref={heading}>
        {t("approvalsTitle")}
      </h2>
      {error && (
        <p className="message message--error" role="alert">
          {text(error.message)}
        </p>
      )}
      {items === null && !error && <p>{t("loading")}</p>}
      {items && items.length === 0 && <p data-testid="approvals-empty">{t("approvalsEmpty")}</p>}
      {items && items.length > 0 && (
        <div className="results">
          <table className="data-table">
            <caption className="visually-hidden">{t("approvalsTitle")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("colSurname")}</th>
                <th scope="col">{t("colGivenName")}</th>
                <th scope="col">{t("colFatherName")}</th>
                <th scope="col">{t("colDateOfBirth")}</th>
                <th scope="col">{t("colNid")}</th>
                <th scope="col">{t("colMunicipality")}</th>
                <th scope="col">{t("colStatus")}</th>
                <th scope="col">{t("version")}</th>
              </tr>
            </thead>
            <tbody ref={table}>
              {items.map((f) => (
                <tr key={f.id} className="results__row" data-testid="approval-row" data-id={f.id} onClick={() => onOpen(f.id)}>
                  <td className="name">
                    <button
                      type="button"
                      className="link-button"
                      onClick={(e) => {
                        e.stopPropagation();
                        onOpen(f.id);
                      }}
                    >
                      {f.surname}
                    </button>
                  </td>
                  <td className="name">{f.given_name}</td>
                  <td className="name">{f.father_name}</td>
                  <td className="nowrap">{isoToDisplay(f.date_of_birth)}</td>
                  <td className="mono">{f.nid ?? t("none")}</td>
                  <td>{f.municipality_name ?? (municipalityName(reference, f.municipality_code) || t("none"))}</td>
                  <td>
                    <span className={`badge badge--status-${f.status}`}>{t(`status_${f.status}` as MessageKey)}</span>
                  </td>
                  <td>{f.version}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}
