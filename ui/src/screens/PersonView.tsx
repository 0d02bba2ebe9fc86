import { useEffect, useRef, useState } from "react";
import type { AppError } from "../generated/AppError";
import type { FileView } from "../generated/FileView";
import type { Photo } from "../generated/Photo";
import type { ReferenceSet } from "../generated/ReferenceSet";
import { useBackend } from "../backend/context";
import { toAppError } from "../backend/errors";
import { isoToDisplay, timestampToDisplay } from "../dates";
import { changeValue } from "../format";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { directorateName } from "../reference";
import { mayDecide, mayEdit, seesCompliance, useSession } from "../session";
import { Decision } from "./Decision";
import { FileFacts } from "./FileFacts";
import { PendingDiff } from "./PendingDiff";
import { RegisteredBadge } from "./RegisteredBadge";
import { PersonPhoto } from "./PersonPhoto";
import { Timeline } from "./Timeline";

const HISTORY_ACTIONS = new Set(["create", "update", "approve", "return"]);

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function PersonView({
  id,
  reference,
  onBack,
  onEdit,
  onDecided,
}: {
  id: string;
  reference: ReferenceSet;
  onBack(): void;
  onEdit(id: string): void;
  /** A supervisor approved or returned the file. */
  onDecided?(): void;
}) {
  const backend = useBackend();
  const session = useSession();
  const { t, text } = useI18n();
  const [view, setView] = useState<FileView | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [loads, setLoads] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);
  /** The latest photo as re-read after a record was added (a check-in brings a new one). */
  const [latest, setLatest] = useState<{ file: string; photo: Photo | null } | null>(null);
  const refreshPhoto = () => {
    if (!view?.may_view_photos) return;
    backend.listPhotos(id).then(
      (photos) => setLatest({ file: id, photo: photos.find((p) => p.void === null) ?? null }),
      () => undefined,
    );
  };

  useEffect(() => {
    let live = true;
    backend.getFile(id).then(
      (v) => {
        if (!live) return;
        setView(v);
        setError(null);
      },
      (e) => live && setError(toAppError(e)),
    );
    return () => {
      live = false;
    };
  }, [backend, id, loads]);

  useEffect(() => {
    if (view) heading.current?.focus();
  }, [view]);

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

  const value = (v: unknown) => (typeof v === "string" && ISO_DATE.test(v) ? isoToDisplay(v) : changeValue(v));

  const toolbar = (
    <div className="toolbar">
      <button type="button" className="button" data-testid="back" onClick={onBack}>
        ← {t("back")}
      </button>
      {view && seesCompliance(session.role) && (
        <button
          type="button"
          className="button"
          id="open-timeline"
          data-testid="open-timeline"
          onClick={() => {
            const target = document.getElementById("timeline-title");
            target?.scrollIntoView?.({ block: "start" });
            target?.focus();
          }}
        >
          {t("timelineTitle")}
        </button>
      )}
      {view && mayEdit(session, view.file.owning_directorate) && (
        <button type="button" className="button button--primary" data-testid="edit-file" onClick={() => onEdit(id)}>
          {t("edit")}
        </button>
      )}
    </div>
  );

  if (error) {
    return (
      <main className="person" id="main" data-testid="person-view">
        {toolbar}
        <p className="message message--error" role="alert">
          {text(error.message)} <code>{error.code}</code>
        </p>
      </main>
    );
  }
  if (!view) {
    return (
      <main className="person" id="main" data-testid="person-view" aria-busy="true">
        {toolbar}
        <p>{t("loading")}</p>
      </main>
    );
  }

  const f = view.file;
  const who = f.data.identity;
  const history = [...view.history].sort((a, b) => Number(b.version) - Number(a.version));
  const awaiting = f.status === "pending" || f.status === "amended";

  return (
    <main className="person" id="main" data-testid="person-view" data-id={f.id}>
      {toolbar}
      <div className="person__top">
        <PersonPhoto
          photo={latest?.file === f.id ? latest.photo : view.latest_photo}
          mayView={view.may_view_photos}
          mayVoid={view.may_view_photos && session.role === "supervisor"}
          onVoided={refreshPhoto}
        />
        <div>
          <h2 className="person__name" tabIndex={-1} ref={heading}>
            <span className="name" data-testid="person-surname">
              {who.surname}
            </span>{" "}
            <span className="name">{who.given_name}</span>{" "}
            <span className="person__father">({who.father_name})</span>
          </h2>
          <p className="person__meta">
            <RegisteredBadge registered={view.registered} />{" "}
            <span className={`badge badge--status-${f.status}`} data-testid="file-status" data-status={f.status}>
              {t(`status_${f.status}` as MessageKey)}
            </span>{" "}
            {t("owningDirectorate")}: {directorateName(reference, f.owning_directorate)} · {t("version")}{" "}
            {String(f.version)}
          </p>
          {view.approved && (
            <p className="person__meta note" data-testid="approved-info">
              {t("approvedVersionInfo", {
                version: view.approved.version,
                by: view.approved.approved_by,
                at: timestampToDisplay(view.approved.approved_at),
              })}
            </p>
          )}
        </div>
      </div>

      {awaiting && mayDecide(session, f.owning_directorate) && (
        <Decision
          key={`${f.id}@${f.version}`}
          file={f}
          onReload={() => setLoads((n) => n + 1)}
          onDecided={() => {
            setLoads((n) => n + 1);
            heading.current?.focus();
            onDecided?.();
          }}
        />
      )}

      <PendingDiff view={view} reference={reference} />

      {seesCompliance(session.role) && <Timeline key={`timeline-${f.id}@${f.version}`} fileId={f.id} reference={reference} currentName={who} onChanged={refreshPhoto} />}

      <FileFacts data={f.data} reference={reference} />

      <section className="panel" aria-labelledby="p-history">
        <h3 id="p-history">{t("history")}</h3>
        <table className="data-table" data-testid="history">
          <thead>
            <tr>
              <th scope="col">{t("version")}</th>
              <th scope="col">{t("time")}</th>
              <th scope="col">{t("actor")}</th>
              <th scope="col">{t("action")}</th>
              <th scope="col">{t("changes")}</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h) => (
              <tr key={String(h.version)} data-testid="history-entry">
                <td>{String(h.version)}</td>
                <td className="nowrap">{timestampToDisplay(h.at)}</td>
                <td>{h.actor}</td>
                <td data-action={h.action}>{HISTORY_ACTIONS.has(h.action) ? t(`action_${h.action}` as MessageKey) : h.action}</td>
                <td>
                  {h.reason && (
                    <p className="history__reason" data-testid="history-reason">
                      {t("reason")}: {h.reason}
                    </p>
                  )}
                  <ul className="changes">
                    {h.changes.map((c, k) => (
                      <li key={k}>
                        <code>{c.path}</code>: <span className="changes__old">{value(c.old)}</span> →{" "}
                        <span className="changes__new">{value(c.new)}</span>
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="note">
          {t("created")}: {timestampToDisplay(f.created_at)} ({f.created_by}) · {t("updated")}:{" "}
          {timestampToDisplay(f.updated_at)} ({f.updated_by})
        </p>
      </section>
    </main>
  );
}
