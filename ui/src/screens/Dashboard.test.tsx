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

  it("lists departures abroad in the look-ahead as the trips now stand, and reports waiting for a notice apart", async () => {
    const { fake, ids } = seeded();
    const trip = fake.addRecordTo(ids.compliant, { kind: "trip", foreign: true, country: "GR", destination: "Selanik", departure: "2026-04-20", return_date: "2026-04-25", purpose: "", notice_date: "2026-03-10" });
    fake.addRecordTo(ids.compliant, { kind: "trip_change", trip_id: trip.id, country: "GR", destination: "Athinë", departure: "2026-04-05", return_date: "2026-04-08", declared_at: "2026-03-20T09:00:00Z" });
    // beyond the 14 days: not listed
    fake.addRecordTo(ids.overdue, { kind: "trip", foreign: true, country: "IT", destination: "Bari", departure: "2026-04-20", return_date: "2026-04-25", purpose: "", notice_date: "2026-03-10" });
    const { user } = await renderAs("clerk", fake);
    const departing = await screen.findByTestId("dashboard-departing");
    await waitFor(() => expect(departing).toHaveAttribute("data-count", "1"));
    expect(within(departing).getByRole("heading")).toHaveTextContent("Nisje jashtë shtetit në 14 ditët e ardhshme");
    const row = within(departing).getByRole("button", { name: "Meta Ilir" }).closest("tr")!;
    expect(row).toHaveTextContent("Athinë");
    expect(row).toHaveTextContent("Greqi");
    expect(row).toHaveTextContent("05.04.2026 – 08.04.2026 ndryshuar");
    expect(row).toHaveAttribute("data-changed", "true");
    expect(departing).not.toHaveTextContent("Hoxha");
    const waiting = screen.getByTestId("dashboard-awaiting-notice");
    expect(waiting).toHaveAttribute("data-count", "0");
    expect(waiting).toHaveTextContent("Asnjë paraqitje nuk pret njoftim.");
    await user.click(screen.getByTestId("lang-switch"));
    expect(departing).toHaveTextContent("Departures abroad in the next 14 days");
    expect(row).toHaveTextContent("changed");
    expect(waiting).toHaveTextContent("Waiting for a notice of a rule change to be served");
  });
});
