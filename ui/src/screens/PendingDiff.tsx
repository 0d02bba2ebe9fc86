// What a pending amendment changes against the approved version, field by field.
import type { FieldChange } from "../generated/FieldChange";
import type { FileData } from "../generated/FileData";
import type { FileView } from "../generated/FileView";
import type { ReferenceSet } from "../generated/ReferenceSet";
import { changeLabel, changeValueText, isIdChange } from "../changes";
import { timestampToDisplay } from "../dates";
import { useI18n } from "../i18n";

/** The changed fields (ids aside); `data` names list items (null: by kind only). */
export function ChangesTable({ changes, data, reference }: { changes: FieldChange[]; data: FileData | null; reference: ReferenceSet }) {
  const { t, lang } = useI18n();
  const value = (c: FieldChange, v: unknown) => changeValueText(c.path, v, reference, t, lang);
  return (
    <table className="data-table diff" data-testid="pending-diff">
      <thead>
        <tr>
          <th scope="col">{t("field")}</th>
          <th scope="col">{t("approvedValue")}</th>
          <th scope="col">
            <span aria-hidden="true">→ </span>
            {t("pendingValue")}
          </th>
        </tr>
      </thead>
      <tbody>
        {changes
          .filter((c) => !isIdChange(c))
          .map((c) => (
            <tr key={c.path} data-testid="pending-change" data-path={c.path}>
              <th scope="row">{changeLabel(c.path, data, t)}</th>
              <td className="diff__old">{value(c, c.old)}</td>
              <td className="diff__new">{value(c, c.new)}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

export function PendingDiff({ view, reference }: { view: FileView; reference: ReferenceSet }) {
  const { t } = useI18n();
  const approved = view.approved;
  if (!approved || !view.pending_changes.some((c) => !isIdChange(c))) return null;
  return (
    <section className="panel pending" aria-labelledby="p-pending">
      <h3 id="p-pending">{t("pendingTitle")}</h3>
      <p className="note">
        {t("pendingIntro", {
          approved: approved.version,
          pending: view.file.version,
          by: approved.approved_by,
          at: timestampToDisplay(approved.approved_at),
        })}
      </p>
      <ChangesTable changes={view.pending_changes} data={view.file.data} reference={reference} />
    </section>
  );
}
