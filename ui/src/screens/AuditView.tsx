// The audit trail for the data protection officer: filters, one page of 50 at a time, newest
// first, and a check of the hash chain.
import { useCallback, useEffect, useId, useRef, useState } from "react";
import type { FormEvent } from "react";
import type { AppError } from "../generated/AppError";
import type { AuditPage } from "../generated/AuditPage";
import type { AuditQuery } from "../generated/AuditQuery";
import { AUDIT_PAGE_SIZE } from "../backend/backend";
import { useBackend } from "../backend/context";
import { toAppError } from "../backend/errors";
import { displayToIso, normaliseDisplayDate, timestampToDisplay } from "../dates";
import { groupDigits } from "../format";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { useAnnounce } from "../status";

export interface AuditFilters {
  user: string;
  action: string;
  objectId: string;
  from: string;
  to: string;
}

export const NO_FILTERS: AuditFilters = { user: "", action: "", objectId: "", from: "", to: "" };

/** Actions the trail records; a value ending in "." matches every action it begins. */
export const KNOWN_ACTIONS = [
  "auth.",
  "auth.sign_in",
  "auth.sign_out",
  "auth.release",
  "access.denied",
  "file.",
  "file.search",
  "file.view",
  "file.edit_open",
  "file.create",
  "file.update",
  "file.approve",
  "file.return",
  "user.",
  "user.create",
  "user.reset_password",
  "user.change_password",
  "user.disable",
  "user.enable",
  "setting.update",
];

export type FilterProblem = { field: "from" | "to"; key: MessageKey };

/** The problems of typed filters the UI can see itself (dates); empty when the query can go. */
export function filterProblems(f: AuditFilters): FilterProblem[] {
  const out: FilterProblem[] = [];
  const from = normaliseDisplayDate(f.from);
  const to = normaliseDisplayDate(f.to);
  if (from === undefined) out.push({ field: "from", key: "dateInvalid" });
  if (to === undefined) out.push({ field: "to", key: "dateInvalid" });
  if (from && to && displayToIso(from)! > displayToIso(to)!) out.push({ field: "to", key: "dateRangeReversed" });
  return out;
}

/** The AuditQuery for typed filters (which must have no problems) and a 0-based page. */
export function auditQuery(f: AuditFilters, page: number): AuditQuery {
  const text = (s: string) => s.trim() || null;
  return {
    user: text(f.user),
    action: text(f.action),
    object_id: text(f.objectId),
    from: normaliseDisplayDate(f.from) ?? null,
    to: normaliseDisplayDate(f.to) ?? null,
    page,
    page_size: AUDIT_PAGE_SIZE,
  };
}

type Verify = { state: "idle" } | { state: "busy" } | { state: "ok"; count: number } | { state: "failed"; error: AppError };

export function AuditView() {
  const backend = useBackend();
  const { t, text } = useI18n();
  const announce = useAnnounce();
  const ids = useId();
  const [typed, setTyped] = useState<AuditFilters>(NO_FILTERS);
  const [problems, setProblems] = useState<FilterProblem[]>([]);
  const [result, setResult] = useState<AuditPage | null>(null);
  const [query, setQuery] = useState<AuditQuery>(() => auditQuery(NO_FILTERS, 0));
  const [error, setError] = useState<AppError | null>(null);
  const [loading, setLoading] = useState(false);
  const [verify, setVerify] = useState<Verify>({ state: "idle" });
  const request = useRef(0);
  const firstField = useRef<HTMLInputElement>(null);

  useEffect(() => {
    firstField.current?.focus();
  }, []);

  const run = useCallback(
    async (q: AuditQuery) => {
      const mine = ++request.current;
      setQuery(q);
      setLoading(true);
      try {
        const page = await backend.auditEvents(q);
        if (mine !== request.current) return;
        setResult(page);
        setError(null);
        announce(t("auditStatus", { count: groupDigits(page.total) }));
      } catch (e) {
        if (mine === request.current) setError(toAppError(e));
      } finally {
        if (mine === request.current) setLoading(false);
      }
    },
    [backend, announce, t],
  );

  useEffect(() => {
    void run(auditQuery(NO_FILTERS, 0));
    return () => {
      request.current++;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = filterProblems(typed);
    setProblems(found);
    if (found.length > 0) {
      document.getElementById(`${ids}-${found[0]!.field}`)?.focus();
      return;
    }
    void run(auditQuery(typed, 0));
  };

  const clear = () => {
    setTyped(NO_FILTERS);
    setProblems([]);
    void run(auditQuery(NO_FILTERS, 0));
    firstField.current?.focus();
  };

  const check = async () => {
    setVerify({ state: "busy" });
    try {
      const count = await backend.verifyAudit();
      setVerify({ state: "ok", count });
    } catch (e) {
      setVerify({ state: "failed", error: toAppError(e) });
    }
  };

  const set = (k: keyof AuditFilters) => (v: string) => setTyped((f) => ({ ...f, [k]: v }));
  const problemOf = (field: "from" | "to") => problems.find((p) => p.field === field);

  const field = (k: keyof AuditFilters, label: MessageKey, opts: { date?: boolean; list?: string; first?: boolean } = {}) => {
    const id = `${ids}-${k}`;
    const p = k === "from" || k === "to" ? problemOf(k) : undefined;
    return (
      <div className="field">
        <label htmlFor={id}>{t(label)}</label>
        <input
          id={id}
          ref={opts.first ? firstField : undefined}
          type="text"
          data-testid={`audit-filter-${k}`}
          value={typed[k]}
          onChange={(e) => set(k)(e.target.value)}
          autoComplete="off"
          spellCheck={false}
          list={opts.list}
          placeholder={opts.date ? t("datePlaceholder") : undefined}
          inputMode={opts.date ? "numeric" : undefined}
          maxLength={opts.date ? 10 : undefined}
          className={opts.date ? "input--date" : undefined}
          aria-invalid={p ? true : undefined}
          aria-describedby={p ? `${id}-problem` : undefined}
        />
        {p && (
          <span id={`${id}-problem`} className="problem problem--error">
            {t(p.key)}
          </span>
        )}
      </div>
    );
  };

  const total = result?.total ?? 0;
  const first = total === 0 ? 0 : query.page * AUDIT_PAGE_SIZE + 1;
  const last = Math.min(total, (query.page + 1) * AUDIT_PAGE_SIZE);

  return (
    <main className="audit" id="main" data-testid="audit-view">
      <h2>{t("auditTitle")}</h2>
      <form className="audit__filters" onSubmit={submit} noValidate aria-label={t("auditFilters")}>
        {field("user", "auditUser", { first: true })}
        {field("action", "auditAction", { list: `${ids}-actions` })}
        <datalist id={`${ids}-actions`}>
          {KNOWN_ACTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        {field("objectId", "auditObject")}
        {field("from", "auditFrom", { date: true })}
        {field("to", "auditTo", { date: true })}
        <div className="audit__buttons">
          <button type="submit" className="button button--primary" data-testid="audit-search">
            {t("auditSearch")}
          </button>
          <button type="button" className="button" data-testid="audit-clear" onClick={clear}>
            {t("auditClear")}
          </button>
        </div>
      </form>

      <div className="audit__verify">
        <button
          type="button"
          className="button"
          data-testid="verify-audit"
          disabled={verify.state === "busy"}
          onClick={() => void check()}
        >
          {t("verifyChain")}
        </button>
        <div className="audit__verify-result" aria-live="polite" data-testid="verify-result" data-state={verify.state}>
          {verify.state === "busy" && t("verifying")}
          {verify.state === "ok" && (
            <span className="message--ok" data-count={verify.count}>
              {t("verifyOk", { count: groupDigits(verify.count) })}
            </span>
          )}
          {verify.state === "failed" && (
            <span className="problem--error" data-code={verify.error.code}>
              {text(verify.error.message)}
            </span>
          )}
        </div>
      </div>

      {error && (
        <p className="message message--error" role="alert">
          {text(error.message)}
        </p>
      )}

      <div className="results" role="region" tabIndex={0} aria-label={t("auditTitle")} aria-busy={loading}>
        <table className="data-table">
          <caption className="visually-hidden">{t("auditTitle")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("auditSeq")}</th>
              <th scope="col">{t("time")}</th>
              <th scope="col">{t("auditUser")}</th>
              <th scope="col">{t("station")}</th>
              <th scope="col">{t("auditAction")}</th>
              <th scope="col">{t("auditObject")}</th>
              <th scope="col">{t("auditOutcome")}</th>
            </tr>
          </thead>
          <tbody>
            {(result?.items ?? []).map((e) => (
              <tr key={e.seq} data-testid="audit-row" data-seq={e.seq}>
                <td className="mono">{e.seq}</td>
                <td className="nowrap">{timestampToDisplay(e.at, true)}</td>
                <td className="name">{e.actor}</td>
                <td>{e.station}</td>
                <td className="mono">{e.action}</td>
                <td>
                  <span className="note">{e.object_type}</span> <span className="mono">{e.object_id}</span>
                </td>
                <td>
                  <span className={e.outcome === "ok" ? "outcome outcome--ok" : "outcome outcome--refused"}>{e.outcome}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {result && result.items.length === 0 && <p className="results__empty">{t("auditEmpty")}</p>}
      </div>

      <nav className="pager" aria-label={t("pages")}>
        <button
          type="button"
          className="button"
          data-testid="audit-previous"
          disabled={query.page === 0 || loading}
          onClick={() => void run({ ...query, page: query.page - 1 })}
        >
          ← {t("previous")}
        </button>
        <span className="pager__range" data-testid="audit-total" data-total={total}>
          {loading && !result ? t("searching") : `${first}–${last} ${t("of")} ${groupDigits(total)}`}
        </span>
        <button
          type="button"
          className="button"
          data-testid="audit-next"
          disabled={(query.page + 1) * AUDIT_PAGE_SIZE >= total || loading}
          onClick={() => void run({ ...query, page: query.page + 1 })}
        >
          {t("next")} →
        </button>
      </nav>
    </main>
  );
}
