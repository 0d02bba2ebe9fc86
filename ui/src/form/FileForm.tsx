// The step-by-step form for a new file or a change to one: check_draft on every "Next",
// problems inline next to their inputs, warnings confirmed by the person saving.
import { useCallback, useEffect, useRef, useState } from "react";
import type { KeyboardEvent as ReactKeyboardEvent } from "react";
import type { AppError } from "../generated/AppError";
import type { FieldError } from "../generated/FieldError";
import type { FileDraft } from "../generated/FileDraft";
import type { ReferenceSet } from "../generated/ReferenceSet";
import { useBackend } from "../backend/context";
import { ErrorCode, toAppError } from "../backend/errors";
import { useI18n } from "../i18n";
import { useAnnounce } from "../status";
import { AddressesStep } from "./AddressesStep";
import { ConvictionsStep } from "./ConvictionsStep";
import { DescriptionStep } from "./DescriptionStep";
import { REVIEW, STEPS, STEP_TITLES, emptyDraft, fieldLabel, setIn, stepOf } from "./draft";
import { IdentityStep } from "./IdentityStep";
import type { StepProps } from "./IdentityStep";
import { ReviewStep } from "./ReviewStep";

export type FormMode = { kind: "new" } | { kind: "edit"; id: string };

type FocusRequest = { target: "step" | "invalid" | "summary"; n: number };

const STEP_COMPONENTS = [IdentityStep, DescriptionStep, ConvictionsStep, AddressesStep, ReviewStep];

function getIn(obj: unknown, path: string): unknown {
  let o: unknown = obj;
  for (const k of path.split(".")) {
    if (o === null || typeof o !== "object") return undefined;
    o = (o as Record<string, unknown>)[k];
  }
  return o;
}

/** Text inputs, selects and checkboxes of a step, in tab order (textareas keep their Enter). */
function controlsIn(root: HTMLElement | null): HTMLElement[] {
  if (!root) return [];
  return [...root.querySelectorAll<HTMLElement>("input:not([disabled]), select:not([disabled])")];
}

export function FileForm({
  mode,
  reference,
  onSaved,
  onCancel,
  onOpenLatest,
}: {
  mode: FormMode;
  reference: ReferenceSet;
  onSaved(id: string): void;
  onCancel(): void;
  onOpenLatest(id: string): void;
}) {
  const backend = useBackend();
  const { t, text } = useI18n();
  const announce = useAnnounce();

  const [draft, setDraft] = useState<FileDraft | null>(mode.kind === "new" ? emptyDraft() : null);
  const [baseVersion, setBaseVersion] = useState(0);
  const [loadError, setLoadError] = useState<AppError | null>(null);
  const [problems, setProblems] = useState<FieldError[]>([]);
  const [step, setStep] = useState(0);
  const [maxStep, setMaxStep] = useState(mode.kind === "edit" ? REVIEW : 0);
  const [busy, setBusy] = useState<"checking" | "saving" | null>(null);
  const [formError, setFormError] = useState<AppError | null>(null);
  const [focus, setFocus] = useState<FocusRequest>({ target: "step", n: 0 });

  const stepRoot = useRef<HTMLDivElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const summary = useRef<HTMLHeadingElement>(null);
  const busyRef = useRef(false);

  const editId = mode.kind === "edit" ? mode.id : null;
  useEffect(() => {
    if (editId === null) return;
    let live = true;
    backend.editFile(editId).then(
      (form) => {
        if (!live) return;
        setDraft(form.draft);
        setBaseVersion(Number(form.base_version));
        setFocus((f) => ({ target: "step", n: f.n + 1 }));
      },
      (e) => live && setLoadError(toAppError(e)),
    );
    return () => {
      live = false;
    };
  }, [backend, editId]);

  // Focus follows the step: its first input, the first invalid one after a failed check,
  // or the problem summary after a refused save.
  useEffect(() => {
    const root = stepRoot.current;
    if (!root) return;
    if (focus.target === "invalid") {
      const bad = root.querySelector<HTMLElement>('[aria-invalid="true"]');
      if (bad) return bad.focus();
    }
    if (focus.target === "summary") {
      // a save refused only for warnings: straight to the box that confirms them
      const confirm = root.querySelector<HTMLElement>('[data-testid="confirm-warnings"]');
      if (confirm && !root.querySelector(".summary--error")) return confirm.focus();
    }
    if (focus.target === "summary" || focus.target === "invalid") {
      if (summary.current) return summary.current.focus();
    }
    if (step === REVIEW) {
      heading.current?.focus();
      return;
    }
    controlsIn(root)[0]?.focus();
  }, [focus, step]);

  const requestFocus = (target: FocusRequest["target"]) => setFocus((f) => ({ target, n: f.n + 1 }));

  const set = useCallback(
    (path: string, value: unknown) => {
      if (!draft) return;
      const old = getIn(draft, path);
      // Appending to a list keeps the problems of the items already there; any other change
      // makes the problems of this field (and of its items, whose indexes may move) stale.
      const appended = Array.isArray(old) && Array.isArray(value) && value.length > old.length && !path.endsWith(".articles");
      // Changing a field that had a warning withdraws the confirmation given for it.
      const warned = problems.some((p) => p.severity === "warning" && (p.field === path || p.field.startsWith(`${path}.`)));
      setDraft((d) => {
        if (!d) return d;
        const next = setIn(d, path, value);
        return warned && next.confirm_warnings ? { ...next, confirm_warnings: false } : next;
      });
      if (!appended) setProblems((ps) => ps.filter((p) => p.field !== path && !p.field.startsWith(`${path}.`)));
    },
    [draft, problems],
  );

  const goTo = (i: number) => {
    setStep(i);
    setMaxStep((m) => Math.max(m, i));
    setFormError(null);
    requestFocus("step");
    announce(`${t("step")} ${i + 1}: ${t(STEP_TITLES[STEPS[i]!])}`);
  };

  const next = async () => {
    if (!draft || busyRef.current || step >= REVIEW) return;
    busyRef.current = true;
    setBusy("checking");
    setFormError(null);
    try {
      const found = await backend.checkDraft(draft);
      setProblems(found);
      const here = found.filter((p) => stepOf(p.field) === step && p.severity === "error");
      if (here.length > 0) {
        announce(t("stepHasErrors"));
        requestFocus("invalid");
      } else {
        goTo(step + 1);
      }
    } catch (e) {
      setFormError(toAppError(e));
    } finally {
      busyRef.current = false;
      setBusy(null);
    }
  };

  const save = async () => {
    if (!draft || busyRef.current) return;
    busyRef.current = true;
    setBusy("saving");
    setFormError(null);
    try {
      const saved =
        mode.kind === "new"
          ? await backend.createFile(draft)
          : await backend.updateFile(mode.id, baseVersion, draft);
      busyRef.current = false;
      announce(t("saved"));
      onSaved(saved.id);
    } catch (e) {
      const err = toAppError(e);
      if (err.code === ErrorCode.validation) {
        setProblems(err.fields);
        announce(`${text(err.message)} (${err.fields.length})`);
      } else {
        setFormError(err);
        announce(text(err.message));
      }
      requestFocus("summary");
    } finally {
      busyRef.current = false;
      setBusy(null);
    }
  };

  // Ctrl+Enter saves from the review, wherever the focus is.
  const saveRef = useRef(save);
  saveRef.current = save;
  useEffect(() => {
    if (step !== REVIEW) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void saveRef.current();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [step]);

  // Enter moves to the next input; on the last input of a step it is "Next".
  const onKeyDown = (e: ReactKeyboardEvent<HTMLDivElement>) => {
    if (e.key !== "Enter" || e.altKey || e.shiftKey || step >= REVIEW) return;
    const target = e.target as HTMLElement;
    if (!(target instanceof HTMLInputElement || target instanceof HTMLSelectElement)) return;
    e.preventDefault();
    if (e.ctrlKey || e.metaKey) {
      void next();
      return;
    }
    const controls = controlsIn(stepRoot.current);
    const at = controls.indexOf(target);
    if (at >= 0 && at < controls.length - 1) controls[at + 1]!.focus();
    else void next();
  };

  const focusField = (path: string) => {
    const root = stepRoot.current;
    if (!root) return;
    const find = (p: string) => root.querySelector<HTMLElement>(`[data-field="${p.replace(/["\\]/g, "\\$&")}"]`);
    (find(path) ?? find(path.replace(/\.\d+$/, "")))?.focus();
  };

  const title = mode.kind === "new" ? t("newFileTitle") : t("editFileTitle");

  if (loadError) {
    return (
      <main className="form" id="main">
        <h2>{title}</h2>
        <p className="message message--error" role="alert">
          {text(loadError.message)} <code>{loadError.code}</code>
        </p>
        <button type="button" className="button" data-testid="back" onClick={onCancel}>
          ← {t("back")}
        </button>
      </main>
    );
  }
  if (!draft) {
    return (
      <main className="form" id="main" aria-busy="true">
        <h2>{title}</h2>
        <p>{t("loading")}</p>
      </main>
    );
  }

  const stepProps: StepProps = { draft, problems, reference, set };
  const StepBody = STEP_COMPONENTS[step]!;
  const shown = step === REVIEW ? problems : problems.filter((p) => stepOf(p.field) === step);
  const warnings = shown.filter((p) => p.severity === "warning");
  const errorsByStep = STEPS.map((_, i) => problems.filter((p) => p.severity === "error" && stepOf(p.field) === i).length);

  const hasStepErrors = shown.some((p) => p.severity === "error");
  const confirmBox = warnings.length > 0 && (
    <div className="confirm">
      <div className="field field--checkbox">
        <input
          id="confirm-warnings"
          type="checkbox"
          data-testid="confirm-warnings"
          checked={draft.confirm_warnings}
          aria-describedby="confirm-warnings-hint"
          onChange={(e) => setDraft({ ...draft, confirm_warnings: e.target.checked })}
        />
        <label htmlFor="confirm-warnings">{t("confirmWarnings")}</label>
      </div>
      <p className="hint" id="confirm-warnings-hint">
        {t("confirmWarningsHint")}
      </p>
    </div>
  );

  return (
    <main className="form" id="main" data-testid="file-form">
      <h2 className="form__title">
        {title}
        {mode.kind === "edit" && <span className="note"> · {`${draft.identity.surname} ${draft.identity.given_name}`}</span>}
      </h2>

      <nav aria-label={t("steps")}>
        <ol className="steps" data-testid="steps">
          {STEPS.map((s, i) => (
            <li
              key={s}
              className={[
                "steps__item",
                i === step ? "steps__item--current" : "",
                i < step ? "steps__item--done" : "",
                errorsByStep[i]! > 0 ? "steps__item--errors" : "",
              ].join(" ")}
            >
              <button
                type="button"
                className="steps__button"
                aria-current={i === step ? "step" : undefined}
                disabled={i > maxStep || busy !== null}
                onClick={() => goTo(i)}
              >
                <span className="steps__number">{i + 1}</span> {t(STEP_TITLES[s])}
                {errorsByStep[i]! > 0 && <span className="steps__errors"> ({errorsByStep[i]})</span>}
              </button>
            </li>
          ))}
        </ol>
      </nav>

      <div className="form__step" ref={stepRoot} onKeyDown={onKeyDown} data-step={STEPS[step]}>
        <h3 className="form__step-title" tabIndex={-1} ref={heading}>
          {t("step")} {step + 1}/{STEPS.length}: {t(STEP_TITLES[STEPS[step]!])}
        </h3>

        {shown.length > 0 && (
          <div className={`summary ${hasStepErrors ? "summary--error" : "summary--warning"}`} data-testid="problem-summary">
            <h4 tabIndex={-1} ref={summary}>
              {hasStepErrors ? (step === REVIEW ? t("problemsAll") : t("problemsInStep")) : t("warnings")} ({shown.length})
            </h4>
            <ul>
              {shown.map((p, k) => (
                <li key={k} className={`problem problem--${p.severity}`}>
                  {step === REVIEW ? (
                    <button type="button" className="link-button" onClick={() => goTo(stepOf(p.field))}>
                      {t(STEP_TITLES[STEPS[stepOf(p.field)]!])} · {fieldLabel(p.field, t)}
                    </button>
                  ) : (
                    <button type="button" className="link-button" onClick={() => focusField(p.field)}>
                      {fieldLabel(p.field, t)}
                    </button>
                  )}
                  : {text(p.message)}
                </li>
              ))}
            </ul>
          </div>
        )}

        {formError && (
          <div className="message message--error" role="alert" data-testid="form-error">
            <p>
              {text(formError.message)} <code>{formError.code}</code>
            </p>
            {formError.code === ErrorCode.versionConflict && mode.kind === "edit" && (
              <button type="button" className="button" onClick={() => onOpenLatest(mode.id)}>
                {t("versionConflictAction")}
              </button>
            )}
          </div>
        )}

        {step === REVIEW && confirmBox}

        <StepBody {...stepProps} />

        {step !== REVIEW && confirmBox}

      </div>

      <div className="form__nav">
        <button type="button" className="button" data-testid="cancel" onClick={onCancel} disabled={busy !== null}>
          {t("cancel")}
        </button>
        <span className="form__spacer" />
        {step > 0 && (
          <button type="button" className="button" data-testid="previous-step" onClick={() => goTo(step - 1)} disabled={busy !== null}>
            ← {t("previousStep")}
          </button>
        )}
        {step < REVIEW ? (
          <button type="button" className="button button--primary" data-testid="next-step" onClick={() => void next()} aria-busy={busy === "checking"}>
            {busy === "checking" ? t("checking") : `${t("nextStep")} →`}
          </button>
        ) : (
          <button
            type="button"
            className="button button--primary"
            data-testid="save-file"
            onClick={() => void save()}
            aria-busy={busy === "saving"}
            aria-keyshortcuts="Control+Enter"
            title={t("saveHint")}
          >
            {busy === "saving" ? t("saving") : t("save")}
          </button>
        )}
      </div>
      {step === REVIEW && <p className="hint">{t("saveHint")}</p>}
    </main>
  );
}
