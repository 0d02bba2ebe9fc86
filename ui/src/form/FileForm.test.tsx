import { screen, waitFor, within } from "@testing-library/react";
import type { UserEvent } from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { FileDraft } from "../generated/FileDraft";
import { FakeBackend } from "../backend/fake";
import { renderApp } from "../test/render";

function field(path: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-field="${path}"]`);
  if (!el) throw new Error(`no input for ${path}`);
  return el;
}

function article(conviction: number, code: string): HTMLInputElement {
  const el = document.querySelector<HTMLInputElement>(`[data-field="convictions.${conviction}.articles"][value="${code}"]`);
  if (!el) throw new Error(`no checkbox for article ${code}`);
  return el;
}

/** The text of the element(s) an input's aria-describedby points to. */
function description(el: HTMLElement): string {
  const ids = el.getAttribute("aria-describedby");
  if (!ids) return "";
  return ids
    .split(" ")
    .map((id) => document.getElementById(id)?.textContent ?? `<missing #${id}>`)
    .join(" ");
}

function currentStep(): string | null {
  return screen.getByTestId("file-form").querySelector("[data-step]")!.getAttribute("data-step");
}

function drafts(fake: FakeBackend, method: "checkDraft" | "createFile"): FileDraft[] {
  return fake.callsOf(method).map((a) => a[0] as FileDraft);
}

async function openNewForm(fake = new FakeBackend()) {
  const r = await renderApp(fake);
  await r.user.click(screen.getByTestId("new-file"));
  await screen.findByTestId("file-form");
  return r;
}

async function fillIdentity(user: UserEvent, nid = "") {
  await user.type(field("identity.surname"), "Hoxha");
  await user.type(field("identity.given_name"), "Arbën");
  await user.type(field("identity.father_name"), "Petrit");
  await user.selectOptions(field("identity.sex"), "M");
  await user.type(field("identity.date_of_birth"), "18.02.1988");
  if (nid) await user.type(field("identity.nid"), nid);
}

async function fillConviction(user: UserEvent) {
  await user.selectOptions(field("convictions.0.court_code"), "gj-tirane");
  await user.type(field("convictions.0.decision_number"), "123/2019");
  await user.type(field("convictions.0.decision_date"), "10.05.2019");
  await user.type(field("convictions.0.final_date"), "01.07.2019");
  await user.click(article(0, "100"));
  await user.type(field("convictions.0.sentence_months"), "60");
}

async function next(user: UserEvent, fake: FakeBackend) {
  const before = fake.callsOf("checkDraft").length;
  await user.click(screen.getByTestId("next-step"));
  await waitFor(() => expect(fake.callsOf("checkDraft")).toHaveLength(before + 1));
  await waitFor(() => expect(screen.queryByTestId("next-step")?.getAttribute("aria-busy") ?? "false").toBe("false"));
}

describe("file form", () => {
  it("starts a new file with one empty conviction and no address, focused on the surname", async () => {
    const { fake, user } = await openNewForm();
    expect(field("identity.surname")).toHaveFocus();
    expect(screen.getByRole("button", { current: "step" })).toHaveTextContent("Identiteti");
    await next(user, fake);
    const draft = drafts(fake, "checkDraft")[0]!;
    expect(draft.convictions).toHaveLength(1);
    expect(draft.addresses).toEqual([]);
    expect(draft.confirm_warnings).toBe(false);
  });

  it("shows the problems check_draft found next to their inputs and focuses the first invalid one", async () => {
    const { fake, user } = await openNewForm();
    await user.type(field("identity.given_name"), "Arben");
    await next(user, fake);

    expect(currentStep()).toBe("identity");
    for (const path of ["identity.surname", "identity.father_name", "identity.sex", "identity.date_of_birth"]) {
      expect(field(path)).toHaveAttribute("aria-invalid", "true");
      expect(description(field(path))).toContain("Fusha është e detyrueshme.");
    }
    expect(field("identity.given_name")).not.toHaveAttribute("aria-invalid");
    expect(description(field("identity.given_name"))).toBe("");
    expect(field("identity.surname")).toHaveFocus();

    // a bad date is reported on the date, and the first invalid field takes the focus
    await user.type(field("identity.surname"), "Hoxha");
    await user.type(field("identity.father_name"), "Petrit");
    await user.selectOptions(field("identity.sex"), "M");
    await user.type(field("identity.date_of_birth"), "31.02.1980");
    await next(user, fake);
    expect(currentStep()).toBe("identity");
    expect(field("identity.surname")).not.toHaveAttribute("aria-invalid");
    expect(field("identity.date_of_birth")).toHaveAttribute("aria-invalid", "true");
    expect(description(field("identity.date_of_birth"))).toContain("dd.mm.vvvv");
    expect(field("identity.date_of_birth")).toHaveFocus();
  });

  it("moves on when only later steps have problems, then stops where they are", async () => {
    const { fake, user } = await openNewForm();
    await fillIdentity(user);
    await next(user, fake);
    expect(currentStep()).toBe("description");
    expect(field("description.height_cm")).toHaveFocus();
    // the conviction is still empty, but that is a later step
    expect(fake.validate(drafts(fake, "checkDraft")[0]!).some((p) => p.field.startsWith("convictions.0"))).toBe(true);

    await next(user, fake);
    expect(currentStep()).toBe("convictions");
    await next(user, fake);
    expect(currentStep()).toBe("convictions");
    expect(field("convictions.0.court_code")).toHaveFocus();
    expect(field("convictions.0.final_date")).toHaveAttribute("aria-invalid", "true");
    expect(description(article(0, "100"))).toContain("Zgjidhni të paktën një nen.");
    expect(screen.getByTestId("problem-summary")).toHaveTextContent("Dënimi 1 · Data e formës së prerë");
  });

  it("puts problems on nested paths (items of lists) next to the right item", async () => {
    const fake = new FakeBackend();
    const id = fake.addPerson({ surname: "Leka", given_name: "Ervin", municipality_code: "tirane" });
    const { user } = await renderApp(fake);
    await user.click(screen.getAllByTestId("result-row")[0]!);
    await user.click(await screen.findByTestId("edit-file"));
    await screen.findByTestId("file-form");
    expect(fake.callsOf("editFile")).toEqual([[id]]);

    await user.click(screen.getByRole("button", { name: /Dënimet/ }));
    await user.click(article(0, "101"));
    await user.click(screen.getByRole("button", { name: /Adresat/ }));
    await user.click(screen.getByTestId("add-address"));
    expect(field("addresses.1.from")).toBeInTheDocument();

    const message = (en: string) => ({ sq: `sq: ${en}`, en });
    vi.spyOn(fake, "checkDraft").mockResolvedValue([
      { field: "convictions.0.final_date", code: "final_before_decision", severity: "error", message: message("Final before decision") },
      { field: "convictions.0.articles.1", code: "article_not_valid_on_date", severity: "error", message: message("Article not in force") },
      { field: "addresses.1.from", code: "residence_overlap", severity: "error", message: message("Residences overlap") },
    ]);
    await user.click(screen.getByTestId("next-step"));
    await waitFor(() => expect(field("addresses.1.from")).toHaveAttribute("aria-invalid", "true"));
    expect(currentStep()).toBe("addresses");
    expect(description(field("addresses.1.from"))).toContain("sq: Residences overlap");
    expect(field("addresses.0.from")).not.toHaveAttribute("aria-invalid");
    expect(field("addresses.1.from")).toHaveFocus();

    await user.click(screen.getByRole("button", { name: /Dënimet/ }));
    expect(field("convictions.0.final_date")).toHaveAttribute("aria-invalid", "true");
    expect(description(field("convictions.0.final_date"))).toContain("sq: Final before decision");
    expect(article(0, "101")).toHaveAttribute("aria-invalid", "true");
    expect(article(0, "100")).not.toHaveAttribute("aria-invalid");
    expect(description(article(0, "101"))).toContain("101: sq: Article not in force");
    expect(field("convictions.0.decision_date")).not.toHaveAttribute("aria-invalid");
  });

  it("saves a warning only once the person confirms it, resending with confirm_warnings", async () => {
    const { fake, user } = await openNewForm();
    await fillIdentity(user, "G80218157B");
    await next(user, fake);
    expect(currentStep()).toBe("description");
    await next(user, fake);
    await fillConviction(user);
    await next(user, fake);
    expect(currentStep()).toBe("addresses");
    await next(user, fake);
    expect(currentStep()).toBe("review");

    const review = screen.getByTestId("file-form");
    expect(within(review).getByTestId("problem-summary")).toHaveTextContent(
      "Shkronja e kontrollit nuk përputhet me rregullin jozyrtar.",
    );
    const confirm = screen.getByTestId("confirm-warnings");
    expect(confirm).not.toBeChecked();

    await user.click(screen.getByTestId("save-file"));
    await waitFor(() => expect(fake.callsOf("createFile")).toHaveLength(1));
    expect(drafts(fake, "createFile")[0]!.confirm_warnings).toBe(false);
    expect(screen.queryByTestId("person-view")).not.toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("confirm-warnings")).toHaveFocus());

    await user.click(screen.getByTestId("confirm-warnings"));
    await user.click(screen.getByTestId("save-file"));
    await waitFor(() => expect(fake.callsOf("createFile")).toHaveLength(2));
    const sent = drafts(fake, "createFile")[1]!;
    expect(sent.confirm_warnings).toBe(true);
    expect(sent.identity.nid).toBe("G80218157B");
    expect(sent.convictions[0]!.articles).toEqual(["100"]);

    const view = await screen.findByTestId("person-view");
    await waitFor(() => expect(view).toHaveTextContent("Hoxha"));
    expect(screen.getByTestId("file-count")).toHaveTextContent("1");
  });

  it("treats Enter as 'next field', and on the last field of a step as Next", async () => {
    const { fake, user } = await openNewForm();
    await fillIdentity(user);
    await next(user, fake);
    expect(field("description.height_cm")).toHaveFocus();
    await user.keyboard("178{Enter}");
    expect(field("description.eye_colour")).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(field("description.hair_colour")).toHaveFocus();
    expect(fake.callsOf("checkDraft")).toHaveLength(1);
    await user.keyboard("{Enter}");
    await waitFor(() => expect(currentStep()).toBe("convictions"));
    expect(fake.callsOf("checkDraft")).toHaveLength(2);
    expect(field("convictions.0.foreign")).toHaveFocus();
  });

  it("adds and removes conviction blocks; a foreign one asks for country and court name", async () => {
    const { fake, user } = await openNewForm();
    await fillIdentity(user);
    await next(user, fake);
    await next(user, fake);
    await user.click(screen.getByTestId("add-conviction"));
    expect(screen.getAllByTestId("conviction-block")).toHaveLength(2);
    await user.click(field("convictions.1.foreign"));
    expect(document.querySelector('[data-field="convictions.1.court_code"]')).toBeNull();
    await user.selectOptions(field("convictions.1.country"), "IT");
    await user.type(field("convictions.1.court_name"), "Tribunale di Milano");
    await user.click(screen.getAllByTestId("remove-conviction")[0]!);
    expect(screen.getAllByTestId("conviction-block")).toHaveLength(1);
    expect(field("convictions.0.country")).toHaveValue("IT");
    await next(user, fake);
    const sent = drafts(fake, "checkDraft").at(-1)!;
    expect(sent.convictions).toHaveLength(1);
    expect(sent.convictions[0]).toMatchObject({ foreign: true, country: "IT", court_name: "Tribunale di Milano", court_code: "" });
  });

  it("saves an edit with Ctrl+Enter on the review, naming the version it started from", async () => {
    const fake = new FakeBackend();
    const id = fake.addPerson({ surname: "Leka", given_name: "Ervin" });
    const { user } = await renderApp(fake);
    await user.click(screen.getAllByTestId("result-row")[0]!);
    await user.click(await screen.findByTestId("edit-file"));
    await screen.findByTestId("file-form");
    await user.clear(field("identity.surname"));
    await user.type(field("identity.surname"), "Lekaj");
    await user.click(screen.getByRole("button", { name: /Përmbledhja/ }));
    expect(currentStep()).toBe("review");
    await user.keyboard("{Control>}{Enter}{/Control}");
    await waitFor(() => expect(fake.callsOf("updateFile")).toHaveLength(1));
    const [sentId, base, draft] = fake.callsOf("updateFile")[0]!;
    expect(sentId).toBe(id);
    expect(base).toBe(1);
    expect((draft as FileDraft).identity.surname).toBe("Lekaj");
    const view = await screen.findByTestId("person-view");
    await waitFor(() => expect(view).toHaveTextContent("Lekaj"));
    expect(within(screen.getByTestId("history")).getByText("identity.surname")).toBeInTheDocument();
  });

  it("says so when someone else changed the file meanwhile", async () => {
    const fake = new FakeBackend();
    const id = fake.addPerson({ surname: "Leka", given_name: "Ervin" });
    const { user } = await renderApp(fake);
    await user.click(screen.getAllByTestId("result-row")[0]!);
    await user.click(await screen.findByTestId("edit-file"));
    await screen.findByTestId("file-form");
    // another officer saves first
    const other = await fake.editFile(id);
    await fake.updateFile(id, 1, { ...other.draft, identity: { ...other.draft.identity, surname: "Lekë" } });

    await user.click(screen.getByRole("button", { name: /Përmbledhja/ }));
    await user.click(screen.getByTestId("save-file"));
    const alert = await screen.findByTestId("form-error");
    expect(alert).toHaveTextContent("Dosja u ndryshua nga dikush tjetër ndërkohë.");
    expect(alert).toHaveTextContent("version_conflict");
    await user.click(within(alert).getByRole("button", { name: "Hap versionin e fundit" }));
    const view = await screen.findByTestId("person-view");
    await waitFor(() => expect(view).toHaveTextContent("Lekë"));
  });
});
