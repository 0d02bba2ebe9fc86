import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { FakeBackend } from "../backend/fake";
import { renderAs } from "../test/render";

async function openRules(fake = new FakeBackend({ signedInAs: null })) {
  const r = await renderAs("admin", fake);
  await r.user.click(screen.getByTestId("nav-rules"));
  const root = await screen.findByTestId("rules-view");
  await screen.findByTestId("rule-version");
  return { ...r, root };
}

const field = (path: string) => document.querySelector<HTMLInputElement>(`[data-field="${path}"]`)!;

describe("rule-set editor", () => {
  it("shows the versions and a new version prefilled from the one in effect", async () => {
    const { root } = await openRules();
    expect(root.querySelector("#rules")).not.toBeNull();
    expect(screen.getByTestId("nav-rules")).toHaveAttribute("id", "nav-rules");
    const v1 = screen.getByTestId("rule-version");
    expect(v1).toHaveTextContent("v1");
    expect(v1).toHaveTextContent("Në fuqi sot");
    expect(v1).toHaveTextContent("Provizore");
    expect(v1).toHaveTextContent("01.06.1995");
    expect(screen.getByRole("heading", { name: "Rregullat e afateve" })).toHaveFocus();

    expect(screen.getAllByTestId("rule-band")).toHaveLength(3);
    expect(field("registration[0].up_to_months")).toHaveValue("36");
    expect(field("registration[0].years")).toHaveValue("10");
    expect(field("registration[2].up_to_months")).toHaveValue("");
    expect(field("registration[2].review_after_years")).toHaveValue("15");
    expect(field("registration[2].for_life")).toBeChecked();
    expect(field("report_change_days")).toHaveValue("3");
    expect(field("foreign_travel_notice_days")).toHaveValue("7");
    expect(field("travel_change_notice_hours")).toHaveValue("24");
    expect(field("reporting_months.standard")).toHaveValue("12");
    expect(field("reporting_months.medium")).toHaveValue("6");
    expect(field("reporting_months.high")).toHaveValue("3");
    expect(field("due_soon_days")).toHaveValue("14");
    expect(screen.getByLabelText(/^Ditë për të deklaruar ndryshimin/)).toBe(field("report_change_days"));
    expect(screen.getByLabelText(/^Rreshti 2: Vite regjistrimi/)).toBe(field("registration[1].years"));
  });

  it("shows problems at their fields: a word for a number before asking Rust, then what Rust found", async () => {
    const { user, fake } = await openRules();
    await user.clear(field("reporting_months.high"));
    await user.type(field("reporting_months.high"), "tre");
    await user.click(screen.getByTestId("rules-preview"));
    expect(field("reporting_months.high")).toHaveAttribute("aria-invalid", "true");
    expect(field("reporting_months.high")).toHaveFocus();
    expect(screen.getByTestId("rules-problems")).toHaveTextContent("Rregullat kanë probleme");
    expect(fake.callsOf("previewRules")).toHaveLength(0);

    await user.clear(field("reporting_months.high"));
    await user.type(field("reporting_months.high"), "0");
    await user.type(field("effective_from"), "01.01.2026");
    await user.click(screen.getByTestId("rules-preview"));
    await waitFor(() => expect(field("effective_from")).toHaveAttribute("aria-invalid", "true"));
    expect(document.body).toHaveTextContent("Rregullat e reja hyjnë në fuqi sot ose më vonë, jo në të kaluarën.");
    expect(field("reporting_months.high")).toHaveAttribute("aria-invalid", "true");
    expect(document.body).toHaveTextContent("Numri është jashtë kufijve.");
    expect(field("reporting_months.high")).toHaveFocus();
    expect(screen.queryByTestId("rules-preview-result")).not.toBeInTheDocument();
  });

  it("previews the files touched, then saves after a confirmation that notices will be created", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const ids = fake.seedObligations();
    const { user } = await openRules(fake);
    await user.clear(field("reporting_months.standard"));
    await user.type(field("reporting_months.standard"), "6");
    await user.type(field("effective_from"), "01.05.2026");
    await user.type(screen.getByLabelText(/^Shënim \(baza ligjore/), "VKM 123/2026");
    await user.click(screen.getByTestId("rules-preview"));

    const result = await screen.findByTestId("rules-preview-result");
    // the fake counts every registered person of every directorate as touched
    expect(result).toHaveAttribute("data-touched", "6");
    expect(result).toHaveAttribute("data-total", "6");
    expect(result).toHaveTextContent("Preken 6 nga 6 dosje të regjistruara.");
    expect(within(result).getAllByTestId("touched-file").map((li) => li.textContent)).toContain("Hoxha Arben (29.02.1980, G80218157A)");
    expect(fake.callsOf("previewRules")[0]![0]).toMatchObject({
      effective_from: "01.05.2026",
      note: "VKM 123/2026",
      values: { reporting_months: { standard: 6, medium: 6, high: 3 }, due_soon_days: 14 },
    });

    await user.click(screen.getByTestId("rules-save"));
    const confirm = screen.getByTestId("rules-confirm");
    expect(confirm).toHaveTextContent("Versioni i ri hyn në fuqi më 01.05.2026");
    expect(confirm).toHaveTextContent("merr një njoftim");
    expect(within(confirm).getByTestId("rules-save-confirm")).toHaveFocus();
    expect(fake.callsOf("saveRules")).toHaveLength(0);
    await user.click(within(confirm).getByTestId("rules-save-confirm"));

    expect(await screen.findByTestId("rules-saved")).toHaveTextContent("Versioni 2 u ruajt; u krijuan 6 njoftime.");
    await waitFor(() => expect(screen.getAllByTestId("rule-version")).toHaveLength(2));
    expect(screen.getAllByTestId("rule-version")[0]).toHaveTextContent("v2");
    expect(screen.getAllByTestId("rule-version")[0]).toHaveTextContent("VKM 123/2026");
    expect(fake.rules).toHaveLength(2);
    expect((await fake.getFile(ids.overdue)).compliance).not.toBeNull();
  });

  it("cancels the confirmation without saving, and a band can be added and removed", async () => {
    const { user, fake } = await openRules();
    await user.click(screen.getByTestId("add-band"));
    expect(screen.getAllByTestId("rule-band")).toHaveLength(4);
    // the new row goes before the open-ended last one
    expect(field("registration[3].review_after_years")).toHaveValue("15");
    await user.click(screen.getByRole("button", { name: "Hiq rreshtin 3" }));
    expect(screen.getAllByTestId("rule-band")).toHaveLength(3);
    await user.type(field("effective_from"), "01.05.2026");
    await user.click(screen.getByTestId("rules-save"));
    await user.click(screen.getByTestId("rules-save-cancel"));
    expect(screen.queryByTestId("rules-confirm")).not.toBeInTheDocument();
    expect(screen.getByTestId("rules-save")).toHaveFocus();
    expect(fake.callsOf("saveRules")).toHaveLength(0);
  });

  it("is not offered to clerks, supervisors or auditors", async () => {
    for (const who of ["clerk", "supervisor", "auditor"]) {
      const r = await renderAs(who);
      expect(screen.queryByTestId("nav-rules")).not.toBeInTheDocument();
      r.unmount();
    }
  });
});
