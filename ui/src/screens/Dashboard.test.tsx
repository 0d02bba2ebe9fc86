import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { FakeBackend } from "../backend/fake";
import { renderAs } from "../test/render";
import { DASHBOARD_FOCUS_RELOAD_MS } from "./Dashboard";

function seeded() {
  const fake = new FakeBackend({ signedInAs: null });
  const ids = fake.seedObligations();
  return { fake, ids };
}

describe("dashboard", () => {
  it("is where a clerk lands: counts, overdue, due soon, trips under way and absconded of the own directorate", async () => {
    const { fake, ids } = seeded();
    await renderAs("clerk", fake);
    const root = await screen.findByTestId("dashboard-view");
    expect(root.querySelector("#dashboard")).not.toBeNull();
    await waitFor(() => expect(screen.getByTestId("dashboard-today")).toHaveTextContent("29.03.2026"));
    expect(screen.getByTestId("dashboard-today")).toHaveTextContent("Drejtoria Vendore e Policisë Tiranë");
    expect(screen.getByRole("heading", { name: "Pasqyra e drejtorisë" })).toHaveFocus();

    const counts = document.getElementById("dashboard-counts")!;
    expect(counts.querySelector("[data-status='overdue']")).toHaveAttribute("data-count", "1");
    expect(counts).toHaveTextContent("Me afat të kaluar");

    const overdue = document.getElementById("dashboard-overdue")!;
    expect(within(overdue).getByRole("heading")).toHaveTextContent("Me afat të kaluar");
    const row = within(overdue).getByRole("button", { name: "Hoxha Arben" });
    const tr = row.closest("tr")!;
    expect(tr).toHaveTextContent("G80218157A");
    expect(tr).toHaveTextContent("29.02.1980");
    expect(tr).toHaveTextContent("10.01.2026");
    expect(tr).toHaveTextContent("78");

    const dueSoon = document.getElementById("dashboard-due-soon")!;
    expect(within(dueSoon).getByRole("heading")).toHaveTextContent("Në 14 ditët e ardhshme");
    expect(within(dueSoon).getByRole("button", { name: "Kola Mirela" }).closest("tr")).toHaveTextContent("05.04.2026");

    const travelling = document.getElementById("dashboard-travelling")!;
    const leka = within(travelling).getByRole("button", { name: "Leka Gentian" }).closest("tr")!;
    expect(leka).toHaveTextContent("Bari");
    expect(leka).toHaveTextContent("Itali");
    expect(leka).toHaveTextContent("Jashtë shtetit");
    expect(leka).toHaveTextContent("20.03.2026 – 05.04.2026");
    expect(leka).toHaveAttribute("data-foreign", "true");
    const meta = within(travelling).getByRole("button", { name: "Meta Ilir" }).closest("tr")!;
    expect(meta).toHaveTextContent("Durrës");
    expect(meta).toHaveTextContent("Brenda vendit");

    const absconded = document.getElementById("dashboard-absconded")!;
    expect(within(absconded).getByRole("button", { name: "Shehu Dritan" })).toBeInTheDocument();

    // another directorate's person is not on the clerk's dashboard
    expect(root).not.toHaveTextContent("Durrësaku");
    expect(ids.durres).toBeTruthy();
  });

  it("opens the person from a row, and Back returns to the dashboard", async () => {
    const { fake, ids } = seeded();
    const { user } = await renderAs("clerk", fake);
    const overdue = await screen.findByTestId("dashboard-overdue");
    await user.click(within(overdue).getByRole("button", { name: "Hoxha Arben" }));
    const person = await screen.findByTestId("person-view");
    await waitFor(() => expect(person).toHaveAttribute("data-id", ids.overdue));
    expect(await screen.findByTestId("timeline")).toBeInTheDocument();
    await user.click(screen.getByTestId("back"));
    expect(await screen.findByTestId("dashboard-view")).toBeInTheDocument();
    expect(screen.getByTestId("nav-dashboard")).toHaveAttribute("aria-current", "page");
  });

  it("refreshes on request, says so, and shows empty sections plainly", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const { user } = await renderAs("supervisor", fake);
    await waitFor(() => expect(screen.getByTestId("dashboard-overdue")).toHaveTextContent("Askush nuk e ka kaluar afatin."));
    expect(screen.getByTestId("dashboard-travelling")).toHaveTextContent("Askush nuk është në udhëtim.");
    fake.seedObligations();
    await user.click(screen.getByTestId("dashboard-refresh"));
    await waitFor(() => expect(screen.getByTestId("dashboard-overdue")).toHaveAttribute("data-count", "1"));
    expect(fake.callsOf("dashboard")).toHaveLength(2);
    expect(screen.getByTestId("status")).toHaveTextContent("Pasqyra u rifreskua.");
  });

  it("asks again when the window gets the focus back, at most every 30 seconds", async () => {
    const { fake } = seeded();
    await renderAs("clerk", fake);
    await screen.findByTestId("dashboard-today");
    fireEvent.focus(window);
    expect(fake.callsOf("dashboard")).toHaveLength(1);
    const now = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(now + DASHBOARD_FOCUS_RELOAD_MS + 1);
    fireEvent.focus(window);
    await waitFor(() => expect(fake.callsOf("dashboard")).toHaveLength(2));
    vi.restoreAllMocks();
  });

  it("speaks English after the switch", async () => {
    const { fake } = seeded();
    const { user } = await renderAs("clerk", fake);
    await screen.findByTestId("dashboard-today");
    await user.click(screen.getByTestId("lang-switch"));
    expect(screen.getByTestId("dashboard-overdue")).toHaveTextContent("Overdue");
    expect(screen.getByTestId("dashboard-due-soon")).toHaveTextContent("Due in the next 14 days");
    expect(screen.getByTestId("dashboard-travelling")).toHaveTextContent("Trips under way");
    expect(screen.getByTestId("dashboard-absconded")).toHaveTextContent("Absconded");
    expect(screen.getByTestId("dashboard-travelling")).toHaveTextContent("Italy");
    expect(screen.getByTestId("nav-dashboard")).toHaveTextContent("Overview");
    // switching the language does not ask Rust again
    expect(fake.callsOf("dashboard")).toHaveLength(1);
  });

  it("shows a refusal from Rust in place of the lists", async () => {
    const { fake } = seeded();
    fake.failNext("dashboard", { code: "forbidden", message: { sq: "Nuk keni të drejtë për këtë veprim.", en: "You are not allowed to do this." }, fields: [] });
    await renderAs("clerk", fake);
    expect(await screen.findByRole("alert")).toHaveTextContent("Nuk keni të drejtë për këtë veprim.");
  });
});
