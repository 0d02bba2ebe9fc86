import { useI18n } from "../i18n";
import { problemsAt } from "./draft";
import { TextArea, TextField } from "./fields";
import type { StepProps } from "./IdentityStep";

export function DescriptionStep({ draft, problems, set }: StepProps) {
  const { t } = useI18n();
  const d = draft.description;
  const p = (path: string) => problemsAt(problems, path);
  return (
    <div className="step-fields">
      <div className="grid">
        <TextField path="description.height_cm" kind="number" label={t("heightCm")} maxLength={3} value={d.height_cm} problems={p("description.height_cm")} onChange={(v) => set("description.height_cm", v)} />
        <TextField path="description.eye_colour" label={t("eyeColour")} value={d.eye_colour} problems={p("description.eye_colour")} onChange={(v) => set("description.eye_colour", v)} />
        <TextField path="description.hair_colour" label={t("hairColour")} value={d.hair_colour} problems={p("description.hair_colour")} onChange={(v) => set("description.hair_colour", v)} />
      </div>
      <TextArea path="description.marks" label={t("marks")} value={d.marks} problems={p("description.marks")} onChange={(v) => set("description.marks", v)} />
    </div>
  );
}
