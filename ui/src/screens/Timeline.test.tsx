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
    await user.type(within(form).getByLabelText(/^Arsyeja pse nuk u bë foto/), "Kamera e prishur");
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

  });

  it("lets a clerk record a death, which is marked as awaiting a supervisor's confirmation and does not count yet", async () => {
    const { timeline, user, fake, ids } = await openPerson("clerk", "Hoxha");
    await user.click(within(timeline).getByRole("button", { name: /Ndryshim gjendjeje/ }));
    const form = await screen.findByTestId("record-form");
    const state = within(form).getByLabelText(/^Gjendja e re/);
    // every state may be chosen; the hint, read with the field, says who makes a death or removal count
    for (const name of ["Aktiv (në liri, paraqitet)", "Në burg / paraburgim", "I zhdukur / nuk gjendet", "I vdekur", "Hequr nga regjistri"]) {
      expect(within(state).getByRole("option", { name })).not.toBeDisabled();
    }
    expect(state).toHaveAccessibleDescription(/vetëm pasi t'i konfirmojë një mbikëqyrës tjetër/);
    await user.selectOptions(state, "deceased");
    await user.type(within(form).getByLabelText(/^Në fuqi nga/), "01.03.2026");
    await user.type(within(form).getByLabelText(/^Arsyeja/), "Certifikata e vdekjes nr. 12");
    await user.click(within(form).getByTestId("record-save"));
    await waitFor(() => expect(screen.queryByTestId("record-form")).not.toBeInTheDocument());

    const death = await waitFor(() => within(timeline).getAllByTestId("timeline-record").find((r) => r.getAttribute("data-kind") === "status_change")!);
    expect(death).toHaveAttribute("data-awaiting-confirmation", "true");
    expect(death).toHaveClass("record--awaiting");
    expect(within(death).getByTestId("awaiting-confirmation")).toHaveTextContent("Në pritje të konfirmimit");
    expect(death).toHaveTextContent("01.03.2026");
    expect(death).toHaveTextContent("Hyn në fuqi vetëm pasi ta konfirmojë një mbikëqyrës tjetër");
    // the clerk cannot confirm it, and the person is still overdue
    expect(within(timeline).queryByTestId("record-confirm")).not.toBeInTheDocument();
    expect(timeline).toHaveAttribute("data-status", "overdue");
    expect(fake.recordsOf(ids.overdue).at(-1)).toMatchObject({ recorded_by: "clerk", confirmation: null });

    await user.click(screen.getByTestId("lang-switch"));
    expect(within(death).getByTestId("awaiting-confirmation")).toHaveTextContent("Awaiting confirmation");
  });

  it("a second supervisor confirms a death; the timeline reloads and the person is deceased", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const ids = fake.seedObligations();
    const death = fake.addRecordTo(ids.overdue, { kind: "status_change", state: "deceased", effective: "2026-03-01", reason: "Certifikata e vdekjes" }, "clerk");
    const { timeline, user } = await openPerson("supervisor", "Hoxha", fake);
    expect(timeline).toHaveAttribute("data-status", "overdue");
    const row = within(timeline).getAllByTestId("timeline-record").find((r) => r.getAttribute("data-id") === death.id)!;
    expect(row).toHaveAttribute("data-awaiting-confirmation", "true");
    // records that need no confirmation have no button
    expect(within(timeline).getAllByTestId("record-confirm")).toHaveLength(1);
    const before = fake.callsOf("timeline").length;

    await user.click(within(row).getByRole("button", { name: "Konfirmo shënimin: Ndryshim gjendjeje, 01.03.2026" }));
    await waitFor(() => expect(timeline).toHaveAttribute("data-status", "deceased"));
    expect(fake.callsOf("confirmRecord")).toEqual([[death.id]]);
    expect(fake.callsOf("timeline").length).toBeGreaterThan(before);
    const confirmed = within(timeline).getAllByTestId("timeline-record").find((r) => r.getAttribute("data-id") === death.id)!;
    expect(confirmed).toHaveAttribute("data-awaiting-confirmation", "false");
    expect(within(confirmed).queryByTestId("record-confirm")).not.toBeInTheDocument();
    expect(within(confirmed).getByTestId("confirmed-by")).toHaveTextContent(/^Konfirmuar nga supervisor më 29\.03\.2026/);
    expect(within(timeline).getByTestId("compliance-badge")).toHaveTextContent("I vdekur");
    expect(screen.getByTestId("status")).toHaveTextContent("Shënimi u konfirmua dhe hyri në fuqi.");
    expect(screen.getByRole("heading", { name: /^Detyrimet/ })).toHaveFocus();
  });

  it("says clearly that a supervisor cannot confirm a removal they recorded themselves", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const ids = fake.seedObligations();
    const removal = fake.addRecordTo(ids.overdue, { kind: "status_change", state: "removed", effective: "2026-03-20", reason: "Vendim gjykate" }, "supervisor");
    const { timeline, user } = await openPerson("supervisor", "Hoxha", fake);
    const row = within(timeline).getAllByTestId("timeline-record").find((r) => r.getAttribute("data-id") === removal.id)!;
    await user.click(within(row).getByTestId("record-confirm"));
    const alert = await within(row).findByRole("alert");
    expect(alert).toHaveAttribute("data-code", "own_work");
    expect(alert).toHaveTextContent("Nuk mund të konfirmoni ose shfuqizoni një regjistrim që e keni bërë vetë. Një mbikëqyrës tjetër duhet ta konfirmojë.");
    expect(alert).toHaveFocus();
    // nothing changed: still awaiting, still overdue
    expect(row).toHaveAttribute("data-awaiting-confirmation", "true");
    expect(timeline).toHaveAttribute("data-status", "overdue");
    expect(fake.recordsOf(ids.overdue).find((r) => r.id === removal.id)!.confirmation).toBeNull();

    await user.click(screen.getByTestId("lang-switch"));
    expect(alert).toHaveTextContent("You cannot confirm or void a record you made yourself. Another supervisor must confirm it.");
    expect(within(row).getByTestId("record-confirm")).toHaveTextContent("Confirm");
  });

  it("reloads the timeline when the record was confirmed by someone else meanwhile", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const ids = fake.seedObligations();
    fake.addRecordTo(ids.overdue, { kind: "status_change", state: "deceased", effective: "2026-03-01", reason: "Certifikata e vdekjes" }, "clerk");
    const { timeline, user } = await openPerson("supervisor", "Hoxha", fake);
    fake.failNext("confirmRecord", {
      code: "nothing_to_confirm",
      message: { sq: "Ky regjistrim është konfirmuar tashmë.", en: "This record has been confirmed already." },
      fields: [],
    });
    const before = fake.callsOf("timeline").length;
    await user.click(within(timeline).getByTestId("record-confirm"));
    expect(await within(timeline).findByRole("alert")).toHaveTextContent("Ky regjistrim është konfirmuar tashmë.");
    await waitFor(() => expect(fake.callsOf("timeline").length).toBe(before + 1));
  });

  it("records a registration notice, from which reports are then owed", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    // registered since 10.01.2024, the file first approved on 01.06.2025
    const id = fake.addPerson({ surname: "Gjoka", given_name: "Ardit", municipality_code: "tirane", final_date: "2024-01-10", approved_on: "2025-06-01" });
    fake.addRecordTo(id, { kind: "check_in", date: "2025-01-08", officer: "Insp. Kola", photo_taken: true, note: "" });
    const { timeline, user } = await openPerson("clerk", "Gjoka", fake);
    expect(within(timeline).getByTestId("owed-from")).toHaveTextContent(/^01\.06\.2025$/);
    expect(within(timeline).getByTestId("owed-from").previousElementSibling).toHaveTextContent("Detyrimi për paraqitje nga");
    expect(within(timeline).getAllByTestId("obligation").map((o) => o.getAttribute("data-state"))).toEqual(["overdue", "upcoming"]);

    await user.click(within(timeline).getByRole("button", { name: "+ Njoftim për regjistrimin" }));
    const form = await screen.findByTestId("record-form");
    expect(form).toHaveAttribute("data-kind", "registration_notice");
    expect(within(form).getByTestId("registration-notice-hint")).toHaveTextContent("nga njoftimi më i hershëm");
    const date = within(form).getByLabelText(/^Data kur personi u njoftua/);
    expect(date).toHaveFocus();
    expect(within(form).getByLabelText(/^Oficeri/)).toHaveValue("clerk");
    expect(form.querySelector("[data-field='record.date']")).toBe(date);
    await user.type(date, "01.12.2024");
    await user.type(within(form).getByLabelText(/^Shënim/), "Marrë nga dosja letër");
    await user.click(within(form).getByTestId("record-save"));

    await waitFor(() => expect(within(timeline).getByTestId("owed-from")).toHaveTextContent(/^01\.12\.2024$/));
    expect(fake.callsOf("addRecord").at(-1)).toEqual([id, expect.objectContaining({ kind: "registration_notice", date: "01.12.2024", officer: "clerk", note: "Marrë nga dosja letër" })]);
    // the check-in of 08.01.2025 now counts for the report of 10.01.2025
    expect(within(timeline).getAllByTestId("obligation").map((o) => o.getAttribute("data-state"))).toEqual(["met", "overdue", "upcoming"]);
    const notice = within(timeline).getAllByTestId("timeline-record").find((r) => r.getAttribute("data-kind") === "registration_notice")!;
    expect(notice).toHaveTextContent("Njoftim për regjistrimin");
    expect(notice).toHaveTextContent("01.12.2024");
    expect(notice).toHaveTextContent("clerk · Marrë nga dosja letër");

    await user.click(screen.getByTestId("lang-switch"));
    expect(within(timeline).getByTestId("owed-from").previousElementSibling).toHaveTextContent("Reports owed from");
    expect(notice).toHaveTextContent("Registration notice");
  });

  it("labels a report that was missed before a later check-in", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const id = fake.addPerson({ surname: "Marku", given_name: "Erion", municipality_code: "tirane", final_date: "2022-03-01" });
    fake.addRecordTo(id, { kind: "check_in", date: "2023-03-01", officer: "Insp. Kola", photo_taken: true, note: "" });
    fake.addRecordTo(id, { kind: "check_in", date: "2025-03-02", officer: "Insp. Kola", photo_taken: true, note: "" });
    const { timeline, user } = await openPerson("clerk", "Marku", fake);
    const obligations = within(timeline).getAllByTestId("obligation");
    expect(obligations.map((o) => o.getAttribute("data-state"))).toEqual(["met", "missed", "met_late", "overdue", "upcoming"]);
    expect(obligations[1]).toHaveTextContent("01.03.2024");
    expect(obligations[1]).toHaveTextContent("I humbur");
    expect(obligations[1]!.querySelector(".badge")).toHaveClass("badge--ob-missed");
    expect(obligations[2]).toHaveTextContent("Përmbushur me vonesë");
    await user.click(screen.getByTestId("lang-switch"));
    expect(obligations[1]).toHaveTextContent("Missed");
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

  it("shows the serve control as the timeline's may_serve says, not as may_add or the role", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const ids = fake.seedObligations();
    fake.addNotice(ids.overdue, 2);
    const real = fake.timeline.bind(fake);
    let flags: { may_add: boolean; may_serve: boolean } = { may_add: true, may_serve: false };
    fake.timeline = async (id) => ({ ...(await real(id)), ...flags });

    const r = await renderAs("clerk", fake);
    const overdue = await screen.findByTestId("dashboard-overdue");
    await waitFor(() => expect(within(overdue).getByRole("button", { name: "Hoxha Arben" })).toBeInTheDocument());
    await r.user.click(within(overdue).getByRole("button", { name: "Hoxha Arben" }));
    const item = await screen.findByTestId("notice");
    expect(item).toHaveTextContent("Pa dorëzuar");
    expect(within(item).queryByTestId("serve-notice")).not.toBeInTheDocument();
    expect(within(item).queryByLabelText(/^Data e dorëzimit/)).not.toBeInTheDocument();
    expect(screen.getByTestId("timeline").querySelector("[data-record-kind=check_in]")).not.toBeNull();
    r.unmount();

    flags = { may_add: false, may_serve: true };
    const again = await renderAs("clerk", fake);
    await again.user.click(await screen.findByRole("button", { name: "Hoxha Arben" }));
    const served = await screen.findByTestId("notice");
    expect(within(served).getByTestId("serve-notice")).toBeInTheDocument();
    expect(within(served).getByLabelText(/^Data e dorëzimit/)).toBeInTheDocument();
    expect(screen.getByTestId("timeline").querySelector("[data-record-kind]")).toBeNull();
  });

  it("changes a declared trip from the trip as it stands, by keyboard, judged in hours before the departure day in Tirana", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const ids = fake.seedObligations();
    const trip = fake.addRecordTo(ids.overdue, { kind: "trip", foreign: true, country: "IT", destination: "Bari", departure: "2026-04-10", return_date: "2026-04-20", purpose: "", notice_date: "2026-03-20" });
    const { timeline, user } = await openPerson("clerk", "Hoxha", fake);
    await user.click(within(timeline).getByRole("button", { name: "+ Ndryshim udhëtimi" }));
    const form = await screen.findByTestId("record-form");
    expect(form).toHaveAttribute("data-kind", "trip_change");
    const choice = within(form).getByLabelText(/^Udhëtimi që ndryshon/);
    expect(choice).toHaveFocus();
    expect(choice).toHaveAccessibleDescription(/ndryshoni vetëm atë që ndryshoi/);
    expect(within(choice).getByRole("option", { name: "10.04.2026 – 20.04.2026 · Bari, Itali" })).toBeInTheDocument();
    await user.selectOptions(choice, trip.id);
    // the trip as it stands is filled in
    expect(within(form).getByLabelText(/^Data e re e nisjes/)).toHaveValue("10.04.2026");
    expect(within(form).getByLabelText(/^Data e re e kthimit/)).toHaveValue("20.04.2026");
    expect(within(form).getByLabelText(/^Shteti/)).toHaveValue("IT");
    const departure = within(form).getByLabelText(/^Data e re e nisjes/);
    await user.clear(departure);
    await user.type(departure, "30.03.2026");
    await user.type(within(form).getByLabelText(/^Deklaruar më/), "29.03.2026");
    const time = within(form).getByLabelText(/^Ora e deklarimit/);
    await user.type(time, "25:00{Control>}{Enter}{/Control}");
    await waitFor(() => expect(time).toHaveAttribute("aria-invalid", "true"));
    expect(form).toHaveTextContent("Ora duhet të jetë në formatin oo:mm");
    expect(time).toHaveFocus();
    await user.clear(time);
    await user.type(time, "03:00{Control>}{Enter}{/Control}");
    await waitFor(() => expect(screen.queryByTestId("record-form")).not.toBeInTheDocument());
    expect(fake.callsOf("addRecord").at(-1)).toEqual([
      ids.overdue,
      expect.objectContaining({ kind: "trip_change", trip_id: trip.id, country: "IT", destination: "Bari", date: "30.03.2026", end_date: "20.04.2026", reported_on: "29.03.2026", reported_time: "03:00" }),
    ]);
    const change = await waitFor(() => within(timeline).getAllByTestId("timeline-record").find((r) => r.getAttribute("data-kind") === "trip_change")!);
    expect(change).toHaveTextContent("Ndryshim udhëtimi");
    expect(change).toHaveTextContent("Bari, Itali · 30.03.2026 – 20.04.2026 · Deklaruar më 29.03.2026 03:00");
    // 30.03 begins at 00:00 summer time; 24 hours earlier it was 23:00 winter time on 28.03
    expect(change).toHaveTextContent("Me vonesë (afati 28.03.2026 23:00)");
    expect(change).toHaveTextContent("Duhet njoftim ndërkombëtar");
    await user.click(screen.getByTestId("lang-switch"));
    expect(change).toHaveTextContent("Late (deadline 28.03.2026 23:00)");
  });

  it("records a change of name starting from the name on the file", async () => {
    const { timeline, user, fake, ids } = await openPerson("clerk", "Hoxha");
    await user.click(within(timeline).getByRole("button", { name: "+ Ndryshim emri" }));
    const form = await screen.findByTestId("record-form");
    expect(within(form).getByLabelText(/^Mbiemri i mëparshëm/)).toHaveFocus();
    expect(within(form).getByLabelText(/^Mbiemri i mëparshëm/)).toHaveValue("Hoxha");
    expect(within(form).getByLabelText(/^Emri i mëparshëm/)).toHaveValue("Arben");
    expect(within(form).getByLabelText(/^Emri i ri/)).toHaveValue("Arben");
    const surname = within(form).getByLabelText(/^Mbiemri i ri/);
    await user.type(surname, "hoxha");
    await user.type(within(form).getByLabelText(/^Data e ndryshimit të emrit/), "20.03.2026");
    await user.type(within(form).getByLabelText(/^Data e deklarimit/), "24.03.2026");
    await user.click(within(form).getByTestId("record-save"));
    await waitFor(() => expect(surname).toHaveAttribute("aria-invalid", "true"));
    expect(form).toHaveTextContent("Emri i ri është i njëjtë me të vjetrin.");
    await user.clear(surname);
    await user.type(surname, "Hoxhaj{Control>}{Enter}{/Control}");
    await waitFor(() => expect(screen.queryByTestId("record-form")).not.toBeInTheDocument());
    const record = await waitFor(() => within(timeline).getAllByTestId("timeline-record").find((r) => r.getAttribute("data-kind") === "name_change")!);
    expect(record).toHaveTextContent("Hoxha Arben → Hoxhaj Arben");
    expect(record).toHaveTextContent("Me vonesë (afati 23.03.2026)");
    expect(fake.recordsOf(ids.overdue).at(-1)!.data).toMatchObject({ kind: "name_change", old_surname: "Hoxha", new_surname: "Hoxhaj", changed_on: "2026-03-20" });
  });

  it("says which reports wait for a notice of a rule change, without calling them overdue", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    fake.seedObligations();
    const values = structuredClone(fake.rules[0]!.values);
    values.reporting_months.high = 2;
    fake.rules.push({ version: 2, effective_from: "2025-06-01", values, provisional: false, note: "" });
    const id = fake.addPerson({ surname: "Dedja", given_name: "Klodian", municipality_code: "tirane", final_date: "2024-01-10" });
    fake.addRecordTo(id, { kind: "check_in", date: "2025-01-08", officer: "Insp. Kola", photo_taken: true, note: "" });
    fake.addRecordTo(id, { kind: "risk_assessment", level: "high", date: "2025-09-01", officer: "Insp. Kola" });
    fake.addNotice(id, 2);
    const r = await renderAs("clerk", fake);
    const waiting = await screen.findByTestId("dashboard-awaiting-notice");
    await waitFor(() => expect(waiting).toHaveAttribute("data-count", "1"));
    await r.user.click(within(waiting).getByRole("button", { name: "Dedja Klodian" }));
    const timeline = await screen.findByTestId("timeline");
    await waitFor(() => expect(timeline).toHaveAttribute("data-status", "compliant"));
    expect(within(timeline).getByTestId("awaiting-notice")).toHaveTextContent("4 paraqitje që nga 10.09.2025: nuk kalojnë afatin pa u dorëzuar njoftimi");
    expect(within(timeline).getAllByTestId("obligation").filter((o) => o.getAttribute("data-state") === "awaiting_notice")).toHaveLength(4);
  });
});
