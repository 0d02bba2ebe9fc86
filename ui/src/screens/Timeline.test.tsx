import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { FakeBackend } from "../backend/fake";
import { renderAs } from "../test/render";

/** Signs in `who`, opens the seeded person from the dashboard (or the search) and waits for the timeline. */
async function openPerson(who: string, surname: string, fake = new FakeBackend({ signedInAs: null })) {
  const ids = fake.seedObligations();
  const r = await renderAs(who, fake);
  const dash = await screen.findByTestId("dashboard-view");
  await waitFor(() => expect(dash.querySelector("[data-testid='dashboard-row']")).not.toBeNull());
  const row = within(dash)
    .getAllByTestId("dashboard-row")
    .find((b) => b.textContent?.startsWith(surname))!;
  await r.user.click(row);
  const timeline = await screen.findByTestId("timeline");
  await waitFor(() => expect(timeline).toHaveAttribute("data-status"));
  return { ...r, ids, timeline };
}

describe("person timeline", () => {
  it("shows the status, the registration with its rule version, the reports, the records and their assessments", async () => {
    const { timeline, user } = await openPerson("clerk", "Leka");
    expect(timeline).toHaveAttribute("id", "timeline");
    expect(within(timeline).getByTestId("compliance-badge")).toHaveTextContent("Në rregull");
    // 150 months: for life, reviewed after 15 years
    expect(within(timeline).getByTestId("registration-end")).toHaveTextContent("për jetë");
    expect(timeline).toHaveTextContent("01.09.2022");
    expect(timeline).toHaveTextContent("01.09.2037 (rregulli v1)");

    const obligations = within(timeline).getAllByTestId("obligation");
    expect(obligations.map((o) => o.getAttribute("data-state"))).toEqual(["met", "met", "met", "upcoming"]);
    expect(obligations[0]).toHaveTextContent("01.09.2023");
    expect(obligations[0]).toHaveTextContent("Përmbushur");
    expect(obligations[0]).toHaveTextContent("30.08.2023");

    const records = within(timeline).getAllByTestId("timeline-record");
    // in date order
    expect(records.map((r) => r.getAttribute("data-kind"))).toEqual(["check_in", "check_in", "check_in", "check_in", "address_change", "trip"]);
    const voided = records.find((r) => r.getAttribute("data-voided") === "true")!;
    expect(voided).toHaveClass("record--voided");
    expect(voided).toHaveTextContent("02.09.2024");
    expect(within(voided).getByTestId("void-reason")).toHaveTextContent("Shfuqizuar nga test.supervisor");
    expect(within(voided).getByTestId("void-reason")).toHaveTextContent("Regjistruar dy herë");
    const move = records.find((r) => r.getAttribute("data-kind") === "address_change")!;
    expect(move).toHaveTextContent("Me vonesë (afati 04.10.2025)");
    const trip = records.find((r) => r.getAttribute("data-kind") === "trip")!;
    expect(trip).toHaveTextContent("Bari, Itali");
    expect(trip).toHaveTextContent("Në afat (afati 13.03.2026)");
    expect(trip).toHaveTextContent("Duhet njoftim ndërkombëtar");

    // a clerk adds records but does not void them
    expect(within(timeline).getByRole("button", { name: /Paraqitje periodike/ })).toHaveAttribute("data-record-kind", "check_in");
    expect(within(timeline).queryByTestId("void-record")).not.toBeInTheDocument();

    await user.click(screen.getByTestId("lang-switch"));
    expect(within(timeline).getByTestId("registration-end")).toHaveTextContent("for life");
    expect(move).toHaveTextContent("Late (deadline 04.10.2025)");
  });

  it("shows overdue reports, contact with children and a person not found at the address", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const { timeline } = await openPerson("clerk", "Hoxha", fake);
    expect(within(timeline).getByTestId("compliance-badge")).toHaveTextContent("Me afat të kaluar");
    expect(within(timeline).getAllByTestId("obligation").map((o) => o.getAttribute("data-state"))).toEqual(["met", "overdue", "upcoming"]);
    expect(timeline).toHaveTextContent("Afati kaloi më");
  });

  it("a record form shows the problems Rust found at their fields, then saves and the timeline reloads", async () => {
    const { timeline, user, fake, ids } = await openPerson("clerk", "Hoxha");
    await user.click(within(timeline).getByRole("button", { name: /Udhëtim/ }));
    const form = await screen.findByTestId("record-form");
    expect(form).toHaveAttribute("data-kind", "trip");
    // the first field has the focus
    expect(within(form).getByLabelText("Udhëtim jashtë shtetit")).toHaveFocus();
    await user.click(within(form).getByLabelText("Udhëtim jashtë shtetit"));
    await user.type(within(form).getByLabelText(/^Data e nisjes/), "10.04.2026");
    await user.type(within(form).getByLabelText(/^Data e kthimit/), "05.04.2026");
    await user.click(screen.getByRole("button", { name: "Ruaj" }));

    await waitFor(() => expect(within(form).getByTestId("record-error")).toHaveTextContent("Shënimi ka probleme"));
    const country = within(form).getByLabelText(/^Shteti/);
    expect(country).toHaveAttribute("aria-invalid", "true");
    expect(form).toHaveTextContent("Për një udhëtim jashtë shtetit duhet shteti.");
    expect(within(form).getByLabelText(/^Data e kthimit/)).toHaveAttribute("aria-invalid", "true");
    expect(form).toHaveTextContent("Data e mbarimit duhet të jetë pas datës së fillimit.");
    expect(within(form).getByLabelText(/^Data e njoftimit/)).toHaveAttribute("aria-invalid", "true");
    // the first problem in the order of the form has the focus
    expect(country).toHaveFocus();
    expect(fake.recordsOf(ids.overdue)).toHaveLength(1);

    await user.selectOptions(country, "GR");
    await user.type(within(form).getByLabelText(/^Destinacioni/), "Selanik");
    await user.clear(within(form).getByLabelText(/^Data e kthimit/));
    await user.type(within(form).getByLabelText(/^Data e kthimit/), "20.04.2026");
    await user.type(within(form).getByLabelText(/^Data e njoftimit/), "28.03.2026{Control>}{Enter}{/Control}");

    await waitFor(() => expect(screen.queryByTestId("record-form")).not.toBeInTheDocument());
    expect(fake.callsOf("addRecord").at(-1)).toEqual([
      ids.overdue,
      expect.objectContaining({ kind: "trip", foreign: true, country: "GR", destination: "Selanik", date: "10.04.2026", end_date: "20.04.2026", reported_on: "28.03.2026" }),
    ]);
    const trip = await within(timeline).findByText(/Selanik, Greqi/);
    expect(trip.closest("tr")).toHaveTextContent("Në afat (afati 03.04.2026)");
    expect(screen.getByTestId("status")).toHaveTextContent("Shënimi u ruajt.");
    expect(fake.callsOf("timeline").length).toBeGreaterThanOrEqual(2);
  });

  it("a check-in saves with the officer prefilled; Escape closes a form without leaving the person", async () => {
    const { timeline, user, fake, ids } = await openPerson("clerk", "Hoxha");
    await user.click(within(timeline).getByRole("button", { name: /Vlerësim i riskut/ }));
    expect(await screen.findByTestId("record-form")).toHaveAttribute("data-kind", "risk_assessment");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("record-form")).not.toBeInTheDocument();
    expect(screen.getByTestId("person-view")).toBeInTheDocument();

    await user.click(within(timeline).getByRole("button", { name: /Paraqitje periodike/ }));
    const form = await screen.findByTestId("record-form");
    expect(within(form).getByLabelText(/^Oficeri/)).toHaveValue("clerk");
    await user.type(within(form).getByLabelText(/^Data e paraqitjes/), "28.03.2026");
    await user.click(within(form).getByTestId("record-save"));
    await waitFor(() => expect(within(timeline).getByTestId("compliance-badge")).toHaveTextContent("Në rregull"));
    expect(fake.recordsOf(ids.overdue)).toHaveLength(2);
  });

  it("lets only a supervisor void a record, with a reason, and record a death", async () => {
    const { timeline, user, fake, ids } = await openPerson("supervisor", "Hoxha");
    const record = within(timeline).getAllByTestId("timeline-record")[0]!;
    await user.click(within(record).getByTestId("void-record"));
    const reason = within(record).getByLabelText(/^Arsyeja e shfuqizimit/);
    expect(reason).toHaveFocus();
    await user.click(within(record).getByTestId("void-submit"));
    expect(record).toHaveTextContent("Shkruani arsyen e shfuqizimit.");
    expect(fake.callsOf("voidRecord")).toHaveLength(0);
    await user.type(reason, "Në dosjen e gabuar");
    await user.click(within(record).getByTestId("void-submit"));
    await waitFor(() => expect(within(timeline).getAllByTestId("timeline-record")[0]).toHaveAttribute("data-voided", "true"));
    expect(within(timeline).getAllByTestId("timeline-record")[0]).toHaveTextContent("Në dosjen e gabuar");
    expect(fake.recordsOf(ids.overdue)[0]!.void?.by).toBe("supervisor");

    await user.click(within(timeline).getByRole("button", { name: /Ndryshim gjendjeje/ }));
    const form = await screen.findByTestId("record-form");
    const state = within(form).getByLabelText(/^Gjendja e re/);
    expect(within(state).getByRole("option", { name: "I vdekur" })).not.toBeDisabled();
  });

  it("offers a clerk no death or removal, and an administrator no timeline at all", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const { timeline, user } = await openPerson("clerk", "Hoxha", fake);
    await user.click(within(timeline).getByRole("button", { name: /Ndryshim gjendjeje/ }));
    const state = within(await screen.findByTestId("record-form")).getByLabelText(/^Gjendja e re/);
    expect(within(state).getByRole("option", { name: /I vdekur \(vetëm mbikëqyrësi\)/ })).toBeDisabled();
    expect(within(state).getByRole("option", { name: /Hequr nga regjistri/ })).toBeDisabled();
    expect(within(state).getByRole("option", { name: "I zhdukur / nuk gjendet" })).not.toBeDisabled();
  });

  it("gives no add buttons for another directorate's person, and none of it to an administrator", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const ids = fake.seedObligations();
    const r = await renderAs("supervisor.durres", fake);
    // Durrës sees its own person on its dashboard
    const overdue = await screen.findByTestId("dashboard-overdue");
    await waitFor(() => expect(within(overdue).getByRole("button", { name: "Durrësaku Besnik" })).toBeInTheDocument());
    await r.user.click(screen.getByTestId("nav-search"));
    await r.user.type(await screen.findByTestId("search-input"), "hoxha{Enter}");
    await waitFor(() => expect(screen.getAllByTestId("result-row")).toHaveLength(1));
    await r.user.click(screen.getByTestId("result-row"));
    const timeline = await screen.findByTestId("timeline");
    await waitFor(() => expect(timeline).toHaveAttribute("data-status", "overdue"));
    expect(timeline.querySelector("[data-record-kind]")).toBeNull();
    expect(within(timeline).queryByTestId("void-record")).not.toBeInTheDocument();
    r.unmount();

    const admin = await renderAs("admin", fake);
    await admin.user.type(await screen.findByTestId("search-input"), "hoxha{Enter}");
    await waitFor(() => expect(screen.getAllByTestId("result-row")).toHaveLength(1));
    await admin.user.click(screen.getByTestId("result-row"));
    await waitFor(() => expect(screen.getByTestId("person-view")).toHaveAttribute("data-id", ids.overdue));
    expect(screen.queryByTestId("timeline")).not.toBeInTheDocument();
    expect(screen.queryByTestId("open-timeline")).not.toBeInTheDocument();
    expect(fake.callsOf("timeline").filter(() => fake.signedIn === "admin")).toHaveLength(fake.callsOf("timeline").length);
  });

  it("records a notice of a rule change as served, refusing a date in the future", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const ids = fake.seedObligations();
    const notice = fake.addNotice(ids.overdue, 2);
    const r = await renderAs("clerk", fake);
    const overdue = await screen.findByTestId("dashboard-overdue");
    await waitFor(() => expect(within(overdue).getByRole("button", { name: "Hoxha Arben" })).toBeInTheDocument());
    await r.user.click(within(overdue).getByRole("button", { name: "Hoxha Arben" }));
    const item = await screen.findByTestId("notice");
    expect(item).toHaveAttribute("data-served", "false");
    expect(item).toHaveTextContent("Rregullat v2");
    expect(item).toHaveTextContent("Pa dorëzuar");
    const input = within(item).getByLabelText(/^Data e dorëzimit/);
    await r.user.type(input, "01.05.2026");
    await r.user.click(within(item).getByTestId("serve-notice"));
    await waitFor(() => expect(input).toHaveAttribute("aria-invalid", "true"));
    expect(item).toHaveTextContent("Data nuk mund të jetë në të ardhmen.");
    await r.user.clear(input);
    await r.user.type(input, "28.03.2026");
    await r.user.click(within(item).getByTestId("serve-notice"));
    await waitFor(() => expect(screen.getByTestId("notice")).toHaveAttribute("data-served", "true"));
    expect(screen.getByTestId("notice")).toHaveTextContent("Dorëzuar më 28.03.2026 (clerk)");
    expect(fake.callsOf("serveNotice").at(-1)).toEqual([notice.id, "28.03.2026"]);
  });
});
