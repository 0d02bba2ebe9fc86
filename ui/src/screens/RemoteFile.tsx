// Another directorate's file, fetched from the server for one look (the reason was logged):
// read-only, clearly marked, and not kept at this station. It lives only in the screen's
// state; going back drops it. Whether the person is registered, and their compliance, were
// judged by this station from the approved data, the file's records and notices and the
// national rule book, for today; the data shown is the approved version when there is one,
// and an amendment waiting for approval is shown apart, never as registered.
import { useEffect, useRef } from "react";
import type { ReferenceSet } from "../generated/ReferenceSet";
import type { RemoteFileView } from "../generated/RemoteFileView";
import { isIdChange } from "../changes";
import { timestampToDisplay } from "../dates";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { directorateName } from "../reference";
import { ComplianceBadge } from "./Dashboard";
import { FileFacts } from "./FileFacts";
import { ChangesTable } from "./PendingDiff";
import { PhotoPlaceholder } from "./PhotoPlaceholder";
import { RegisteredBadge } from "./RegisteredBadge";

export function RemoteFile({ view, reference, onBack }: { view: RemoteFileView; reference: ReferenceSet; onBack(): void }) {
  const { t } = useI18n();
  const heading = useRef<HTMLHeadingElement>(null);
  const who = view.data.identity;

  useEffect(() => {
    heading.current?.focus();
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented) {
        e.preventDefault();
        onBack();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [onBack]);

  const directorate = directorateName(reference, view.owning_directorate);
  const pending = view.approved ? view.pending_changes.filter((c) => !isIdChange(c)) : [];
  return (
    <main className="person person--remote" id="main" data-testid="remote-file-view" data-id={view.id} data-directorate={view.owning_directorate}>
      <div className="toolbar">
        <button type="button" className="button" data-testid="back" onClick={onBack}>
          ← {t("backToSearch")}
        </button>
      </div>
      <div className="remote-banner" role="note" data-testid="remote-banner">
        <p>
          <strong>{t("remoteBannerTitle", { directorate })}</strong>
        </p>
        <p>{t("remoteBannerText", { at: timestampToDisplay(view.fetched_at) })}</p>
      </div>
      <div className="person__top">
        <PhotoPlaceholder label={t("noPhoto")} note={t("photoRemote")} />
        <div>
          <h2 className="person__name" tabIndex={-1} ref={heading}>
            <span className="name">{who.surname}</span> <span className="name">{who.given_name}</span>{" "}
            <span className="person__father">({who.father_name})</span>
          </h2>
          <p className="person__meta">
            <span className="badge badge--remote">{t("remoteBadge")}</span> <RegisteredBadge registered={view.registered} />{" "}
            {view.compliance && (
              <>
                <ComplianceBadge status={view.compliance.status} />{" "}
              </>
            )}
            {t("fileStatus")}:{" "}
            <span className={`badge badge--status-${view.status}`} data-testid="file-status" data-status={view.status}>
              {t(`status_${view.status}` as MessageKey)}
            </span>{" "}
            · {t("owningDirectorate")}: {directorate} · {t("version")} {String(view.version)}
          </p>
          <p className="person__meta note" data-testid="remote-shows" data-shows={view.shows}>
            {view.approved
              ? t("remoteShowsApproved", {
                  by: view.approved.approved_by,
                  at: timestampToDisplay(view.approved.approved_at),
                  first: timestampToDisplay(view.approved.first_approved_at),
                })
              : t("remoteShowsUnapproved")}
          </p>
          {view.compliance && (
            <p className="person__meta note" data-testid="remote-compliance-note">
              {t("remoteComplianceNote")}
            </p>
          )}
        </div>
      </div>
      {pending.length > 0 && (
        <section className="panel pending" aria-labelledby="remote-pending" data-testid="remote-pending">
          <h3 id="remote-pending">{t("remotePendingTitle")}</h3>
          <p className="note">{t("remotePendingIntro")}</p>
          <ChangesTable changes={pending} data={null} reference={reference} />
        </section>
      )}
      <FileFacts data={view.data} reference={reference} idPrefix="remote" />
    </main>
  );
}
