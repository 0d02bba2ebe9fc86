import { useCallback, useEffect, useId, useRef, useState } from "react";
import type { KeyboardEvent } from "react";
import type { AppError } from "../generated/AppError";
import type { ReferenceSet } from "../generated/ReferenceSet";
import type { RemoteFileView } from "../generated/RemoteFileView";
import type { SearchPage } from "../generated/SearchPage";
import { PAGE_SIZE } from "../backend/backend";
import { useBackend } from "../backend/context";
import { toAppError } from "../backend/errors";
import { isoToDisplay } from "../dates";
import { groupDigits } from "../format";
import { useI18n } from "../i18n";
import { ComplianceBadge } from "./Dashboard";
import type { MessageKey } from "../i18n";
import { municipalitiesByCounty, municipalityName } from "../reference";
import { useAnnounce } from "../status";
import { NationalHits } from "./NationalHits";

/** What was last searched; kept by the app so that coming back shows the same page. */
export interface SearchState {
  text: string;
  municipality: string;
  page: number;
}

export const INITIAL_SEARCH: SearchState = { text: "", municipality: "", page: 0 };

export const SEARCH_DEBOUNCE_MS = 150;

export function SearchScreen({
  reference,
  state,
  onStateChange,
  onOpen,
  onOpenRemote,
}: {
  reference: ReferenceSet;
  state: SearchState;
  onStateChange(state: SearchState): void;
  onOpen(id: string): void;
  /** Another directorate's file was fetched from the server (from the national hits). */
  onOpenRemote(view: RemoteFileView): void;
}) {
  const backend = useBackend();
  const { t, text } = useI18n();
  const announce = useAnnounce();
  const ids = useId();

  const [input, setInput] = useState(state.text);
  const [result, setResult] = useState<SearchPage | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [loading, setLoading] = useState(false);
  const [selected, setSelected] = useState(-1);

  const committed = useRef(state);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const request = useRef(0);
  const tbody = useRef<HTMLTableSectionElement>(null);

  const cancelTimer = () => {
    if (timer.current !== null) {
      clearTimeout(timer.current);
      timer.current = null;
    }
  };

  const search = useCallback(
    async (q: SearchState) => {
      cancelTimer();
      committed.current = q;
      onStateChange(q);
      const mine = ++request.current;
      setLoading(true);
      try {
        const page = await backend.searchFiles({
          text: q.text.trim(),
          municipality_code: q.municipality || null,
          page: q.page,
          page_size: PAGE_SIZE,
        });
        if (mine !== request.current) return;
        setResult(page);
        setError(null);
        setSelected(-1);
        announce(t("resultsStatus", { count: groupDigits(page.total) }));
      } catch (e) {
        if (mine !== request.current) return;
        const err = toAppError(e);
        setError(err);
      } finally {
        if (mine === request.current) setLoading(false);
      }
    },
    [backend, onStateChange, announce, t],
  );

  // The list as it was left (or everything, paged) when the screen opens.
  useEffect(() => {
    void search(committed.current);
    return () => {
      cancelTimer();
      request.current++;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    if (selected < 0) return;
    const row = tbody.current?.children[selected];
    if (row instanceof HTMLElement) row.scrollIntoView?.({ block: "nearest" });
  }, [selected]);

  const items = result?.items ?? [];
  const pageSize = result?.page_size || PAGE_SIZE;
  const total = result?.total ?? 0;
  const page = result?.page ?? state.page;
  const first = total === 0 ? 0 : page * pageSize + 1;
  const last = Math.min(total, (page + 1) * pageSize);
  const hasPrevious = page > 0;
  const hasNext = (page + 1) * pageSize < total;

  const onType = (value: string) => {
    setInput(value);
    cancelTimer();
    timer.current = setTimeout(() => {
      timer.current = null;
      void search({ ...committed.current, text: value, page: 0 });
    }, SEARCH_DEBOUNCE_MS);
  };

  const open = (index: number) => {
    const item = items[index];
    if (item) onOpen(item.id);
  };

  const moveSelection = (e: KeyboardEvent): boolean => {
    if (items.length === 0) return false;
    switch (e.key) {
      case "ArrowDown":
        setSelected((s) => Math.min(s + 1, items.length - 1));
        return true;
      case "ArrowUp":
        setSelected((s) => Math.max(s - 1, 0));
        return true;
      default:
        return false;
    }
  };

  const onInputKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (moveSelection(e)) {
      e.preventDefault();
      return;
    }
    if (e.key === "Enter") {
      e.preventDefault();
      const pending = timer.current !== null || input !== committed.current.text;
      if (!pending && selected >= 0) open(selected);
      else void search({ ...committed.current, text: input, page: 0 });
    }
  };

  const onTableKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (moveSelection(e)) {
      e.preventDefault();
      return;
    }
    if (e.key === "Home" && items.length > 0) {
      e.preventDefault();
      setSelected(0);
    } else if (e.key === "End" && items.length > 0) {
      e.preventDefault();
      setSelected(items.length - 1);
    } else if (e.key === "Enter" && selected >= 0) {
      e.preventDefault();
      open(selected);
    }
  };

  const rowId = (i: number) => `${ids}-row-${i}`;
  const groups = municipalitiesByCounty(reference);

  return (
    <main className="search" id="main">
      <div className="search__controls">
        <div className="field field--grow">
          <label htmlFor={`${ids}-q`}>{t("searchLabel")}</label>
          <input
            id={`${ids}-q`}
            type="search"
            data-testid="search-input"
            autoFocus
            autoComplete="off"
            spellCheck={false}
            placeholder={t("searchPlaceholder")}
            value={input}
            aria-controls={`${ids}-results`}
            aria-activedescendant={selected >= 0 ? rowId(selected) : undefined}
            aria-describedby={`${ids}-hint`}
            onChange={(e) => onType(e.target.value)}
            onKeyDown={onInputKey}
          />
          <span id={`${ids}-hint`} className="hint">
            {t("keyboardHint")}
          </span>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-m`}>{t("municipalityFilter")}</label>
          <select
            id={`${ids}-m`}
            data-testid="municipality-filter"
            value={state.municipality}
            onChange={(e) => void search({ ...committed.current, text: input, municipality: e.target.value, page: 0 })}
          >
            <option value="">{t("allMunicipalities")}</option>
            {groups.map((g) => (
              <optgroup key={g.county} label={g.county}>
                {g.items.map((m) => (
                  <option key={m.code} value={m.code}>
                    {m.name}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </div>
      </div>

      {error && (
        <p className="message message--error" role="alert">
          {text(error.message)}
        </p>
      )}

      <div
        className="results"
        tabIndex={0}
        role="region"
        aria-label={t("resultsCaption")}
        aria-busy={loading}
        onKeyDown={onTableKey}
      >
        <table id={`${ids}-results`} className="results__table">
          <caption className="visually-hidden">{t("resultsCaption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("colSurname")}</th>
              <th scope="col">{t("colGivenName")}</th>
              <th scope="col">{t("colFatherName")}</th>
              <th scope="col">{t("colDateOfBirth")}</th>
              <th scope="col">{t("colNid")}</th>
              <th scope="col">{t("colMunicipality")}</th>
              <th scope="col">{t("colStatus")}</th>
              <th scope="col">{t("colMatch")}</th>
            </tr>
          </thead>
          <tbody ref={tbody}>
            {items.map((f, i) => (
              <tr
                key={f.id}
                id={rowId(i)}
                data-testid="result-row"
                data-id={f.id}
                aria-selected={i === selected}
                className={i === selected ? "results__row results__row--selected" : "results__row"}
                onClick={() => {
                  setSelected(i);
                  open(i);
                }}
              >
                <td className="name">{f.surname}</td>
                <td className="name">{f.given_name}</td>
                <td className="name">{f.father_name}</td>
                <td className="nowrap">{isoToDisplay(f.date_of_birth)}</td>
                <td className="mono">{f.nid ?? t("none")}</td>
                <td>{f.municipality_name ?? (municipalityName(reference, f.municipality_code) || t("none"))}</td>
                <td>
                  <span className={`badge badge--status-${f.status}`}>{t(`status_${f.status}` as MessageKey)}</span>
                  {f.compliance && (
                    <>
                      {" "}
                      <ComplianceBadge status={f.compliance} />
                    </>
                  )}
                </td>
                <td>
                  <span className={`badge badge--match-${f.matched}`}>{t(`match_${f.matched}` as MessageKey)}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {result && items.length === 0 && <p className="results__empty">{t("noResults")}</p>}
      </div>

      <nav className="pager" aria-label={t("pages")}>
        <button
          type="button"
          className="button"
          data-testid="page-previous"
          disabled={!hasPrevious}
          onClick={() => void search({ ...committed.current, page: page - 1 })}
        >
          ← {t("previous")}
        </button>
        <span className="pager__range" data-testid="result-total" data-total={total}>
          {loading && !result ? t("searching") : `${first}–${last} ${t("of")} ${groupDigits(total)}`}
        </span>
        <button
          type="button"
          className="button"
          data-testid="page-next"
          disabled={!hasNext}
          onClick={() => void search({ ...committed.current, page: page + 1 })}
        >
          {t("next")} →
        </button>
      </nav>

      {result && <NationalHits key={`${result.page}:${committed.current.text}`} hits={result.national ?? []} reference={reference} onFetched={onOpenRemote} />}
    </main>
  );
}

