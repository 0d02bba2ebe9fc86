// Labelled inputs bound to a draft path, with the problems check_draft reported for it.
import type { ReactNode } from "react";
import type { FieldError } from "../generated/FieldError";
import { useI18n } from "../i18n";
import { fieldId } from "./draft";

export function Problems({ id, problems }: { id: string; problems: FieldError[] }) {
  const { t, text } = useI18n();
  if (problems.length === 0) return null;
  return (
    <ul className="problems" id={id}>
      {problems.map((p, i) => (
        <li key={i} className={`problem problem--${p.severity}`} data-problem={p.field} data-code={p.code}>
          <span className="problem__kind">{p.severity === "warning" ? t("warningLabel") : t("errorLabel")}:</span>{" "}
          {text(p.message)}
        </li>
      ))}
    </ul>
  );
}

/** The ARIA attributes an input gets from its problems. */
export function problemAttrs(path: string, problems: FieldError[], describedBy?: string) {
  const errId = `${fieldId(path)}-problems`;
  const ids = [problems.length > 0 ? errId : null, describedBy ?? null].filter(Boolean).join(" ");
  return {
    "aria-invalid": problems.some((p) => p.severity === "error") ? (true as const) : undefined,
    "aria-describedby": ids || undefined,
  };
}

interface BaseProps {
  path: string;
  label: string;
  problems: FieldError[];
  required?: boolean;
  className?: string;
}

function Label({ path, label, required }: { path: string; label: string; required?: boolean }) {
  return (
    <label htmlFor={fieldId(path)}>
      {label}
      {required && (
        <span className="required" aria-hidden="true">
          {" "}
          *
        </span>
      )}
    </label>
  );
}

export function TextField({
  path,
  label,
  problems,
  required,
  className,
  value,
  onChange,
  kind = "text",
  maxLength,
}: BaseProps & {
  value: string;
  onChange(value: string): void;
  kind?: "text" | "date" | "number" | "code";
  maxLength?: number;
}) {
  const { t } = useI18n();
  const id = fieldId(path);
  return (
    <div className={`field ${className ?? ""}`}>
      <Label path={path} label={label} required={required} />
      <input
        id={id}
        type="text"
        data-field={path}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-required={required || undefined}
        inputMode={kind === "date" || kind === "number" ? "numeric" : undefined}
        placeholder={kind === "date" ? t("datePlaceholder") : undefined}
        maxLength={maxLength ?? (kind === "date" ? 10 : undefined)}
        autoComplete="off"
        spellCheck={kind === "text" ? undefined : false}
        className={kind === "date" ? "input--date" : kind === "number" ? "input--number" : undefined}
        {...problemAttrs(path, problems)}
      />
      <Problems id={`${id}-problems`} problems={problems} />
    </div>
  );
}

export function TextArea({
  path,
  label,
  problems,
  required,
  className,
  value,
  onChange,
}: BaseProps & { value: string; onChange(value: string): void }) {
  const id = fieldId(path);
  return (
    <div className={`field ${className ?? ""}`}>
      <Label path={path} label={label} required={required} />
      <textarea
        id={id}
        data-field={path}
        value={value}
        rows={3}
        onChange={(e) => onChange(e.target.value)}
        aria-required={required || undefined}
        {...problemAttrs(path, problems)}
      />
      <Problems id={`${id}-problems`} problems={problems} />
    </div>
  );
}

export function SelectField({
  path,
  label,
  problems,
  required,
  className,
  value,
  onChange,
  children,
  hint,
}: BaseProps & {
  value: string;
  onChange(value: string): void;
  children: ReactNode;
  /** A note under the field, read with it (aria-describedby). */
  hint?: string;
}) {
  const id = fieldId(path);
  return (
    <div className={`field ${className ?? ""}`}>
      <Label path={path} label={label} required={required} />
      <select
        id={id}
        data-field={path}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-required={required || undefined}
        {...problemAttrs(path, problems, hint ? `${id}-hint` : undefined)}
      >
        {children}
      </select>
      {hint && (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      <Problems id={`${id}-problems`} problems={problems} />
    </div>
  );
}

export function CheckboxField({
  path,
  label,
  problems,
  checked,
  onChange,
}: {
  path: string;
  label: string;
  problems: FieldError[];
  checked: boolean;
  onChange(checked: boolean): void;
}) {
  const id = fieldId(path);
  return (
    <div className="field field--checkbox">
      <input
        id={id}
        type="checkbox"
        data-field={path}
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        {...problemAttrs(path, problems)}
      />
      <label htmlFor={id}>{label}</label>
      <Problems id={`${id}-problems`} problems={problems} />
    </div>
  );
}
