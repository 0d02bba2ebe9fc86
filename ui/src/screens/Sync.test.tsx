import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { FakeBackend } from "../backend/fake";
import { SYNC_POLL_MS, SYNC_RUNNING_POLL_MS } from "../sync";
import { renderAs } from "../test/render";

function line() {
  return screen.getByTestId("sync-status");
}

async function loaded() {
  await waitFor(() => expect(line()).toHaveAttribute("data-enrolled"));
  return line();
}

function navIds(): string[] {
  return [...document.querySelectorAll("nav [data-testid^='nav-']")].map((e) => e.getAttribute("data-testid")!);
}

describe("the synchronisation status line", () => {
  it("shows an enrolled station online, its pending changes and the last synchronisation in Tirana time", async () => {
    await renderAs("clerk");
    const status = await loaded();
    expect(status).toHaveAttribute("data-enrolled", "true");
    expect(status).toHaveAttribute("data-online", "true");
    expect(status).toHaveAttribute("data-pending", "2");
    expect(status).toHaveAttribute("data-running", "false");
    expect(status).toHaveTextContent("Në linjë");
    expect(status).toHaveTextContent("Në pritje: 2 ndryshime");
    // 16:05 UTC on 28 March is 17:05 in Tirana (CET, before the switch to summer time)
    expect(screen.getByTestId("sync-last-success")).toHaveTextContent("Sinkronizimi i fundit: 28.03.2026 17:05");
    expect(screen.getByTestId("sync-rejected")).toHaveTextContent("Të refuzuara: 1");
    expect(screen.queryByTestId("sync-progress")).not.toBeInTheDocument();
    expect(screen.getByTestId("sync-now")).toBeEnabled();
    expect(within(status).getByRole("button", { name: "Sinkronizo tani" })).toBe(screen.getByTestId("sync-now"));
  });

  it("says in words when the workstation is not enrolled, and offers no synchronisation", async () => {
    await renderAs("clerk", new FakeBackend({ signedInAs: null, enrolled: false }));
    const status = await loaded();
    expect(status).toHaveAttribute("data-enrolled", "false");
    expect(status).toHaveAttribute("data-pending", "0");
    expect(status).toHaveTextContent("Stacion i paregjistruar");
    expect(status).not.toHaveTextContent("Në pritje");
    expect(screen.getByTestId("sync-now")).toBeDisabled();
  });

  it("says offline, and shows why sync now failed", async () => {
    const { user } = await renderAs("clerk", new FakeBackend({ signedInAs: null, online: false }));
    const status = await loaded();
    expect(status).toHaveAttribute("data-online", "false");
    expect(status).toHaveTextContent("Jashtë linje");
    await user.click(screen.getByTestId("sync-now"));
    const error = await screen.findByTestId("sync-error");
    expect(error).toHaveAttribute("data-code", "server_unreachable");
    expect(error).toHaveTextContent("Serveri qendror nuk u arrit");
    expect(status).toHaveAttribute("data-pending", "2");
  });

  it("counts the changes waiting to go up again as soon as something is saved, without waiting for the poll", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    try {
      const fake = new FakeBackend({ signedInAs: null });
      const id = fake.addPerson({ surname: "Gjoka", given_name: "Ardit", municipality_code: "tirane", final_date: "2024-01-10", approved_on: "2025-06-01" });
      const { user } = await renderAs("clerk", fake);
      await loaded();
      expect(line()).toHaveAttribute("data-pending", "2");
      const asked = fake.callsOf("syncStatus").length;

      await user.click(screen.getByTestId("nav-search"));
      await user.click(await screen.findByText("Gjoka"));
      const timeline = await screen.findByTestId("timeline");
      await waitFor(() => expect(timeline).toHaveAttribute("data-status"));
      await user.click(within(timeline).getByRole("button", { name: "+ Njoftim për regjistrimin" }));
      const form = await screen.findByTestId("record-form");
      await user.type(within(form).getByLabelText(/^Data kur personi u njoftua/), "01.12.2024");
      await user.click(within(form).getByTestId("record-save"));

      // the 30-second poll never fired (fake timers): the write itself asked again
      await waitFor(() => expect(line()).toHaveAttribute("data-pending", "3"));
      expect(fake.callsOf("syncStatus").length).toBeGreaterThan(asked);
      expect(fake.callsOf("addRecord")).toHaveLength(1);
      expect(id).toBeTruthy();
    } finally {
      vi.useRealTimers();
    }
  });

  it("synchronises now: pending drops to 0 and the last synchronisation is now (summer time in Tirana)", async () => {
    const { user, fake } = await renderAs("clerk");
    await loaded();
    await user.click(screen.getByTestId("sync-now"));
    await waitFor(() => expect(line()).toHaveAttribute("data-pending", "0"));
    expect(fake.callsOf("syncNow")).toHaveLength(1);
    expect(line()).toHaveAttribute("data-running", "false");
    // 01:30 UTC on 29 March 2026 is 03:30 in Tirana: the clocks went forward at 02:00
    expect(screen.getByTestId("sync-last-success")).toHaveTextContent("29.03.2026 03:30");
    await waitFor(() => expect(screen.getByTestId("status")).toHaveTextContent("Sinkronizimi përfundoi: u dërguan 2, u morën 3."));
  });

  it("shows a real progress bar while a round runs, asked every 2 s, indeterminate without a total", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const { user, fake } = await renderAs("supervisor");
    await loaded();
    fake.holdNextRound();
    await user.click(screen.getByTestId("sync-now"));
    await waitFor(() => expect(line()).toHaveAttribute("data-running", "true"));
    expect(screen.getByTestId("sync-now")).toBeDisabled();

    fake.setProgress("pull", 3, 10);
    await act(() => vi.advanceTimersByTimeAsync(SYNC_RUNNING_POLL_MS));
    const bar = await screen.findByTestId("sync-progress");
    await waitFor(() => expect(bar).toHaveAttribute("value", "3"));
    expect(bar.tagName).toBe("PROGRESS");
    expect(bar).toHaveAttribute("max", "10");
    expect(bar).toHaveAttribute("data-phase", "pull");
    expect(screen.getByRole("progressbar", { name: "Duke marrë ndryshimet e serverit" })).toBe(bar);
    expect(line()).toHaveTextContent("3 nga 10");

    fake.setProgress("audit", 5, null);
    await act(() => vi.advanceTimersByTimeAsync(SYNC_RUNNING_POLL_MS));
    await waitFor(() => expect(screen.getByTestId("sync-progress")).toHaveAttribute("data-phase", "audit"));
    expect(screen.getByTestId("sync-progress")).not.toHaveAttribute("value");
    expect(screen.getByTestId("sync-progress")).not.toHaveAttribute("max");
    expect(line()).toHaveTextContent("Duke ngarkuar gjurmën e auditimit");

    await act(async () => fake.finishRound());
    await waitFor(() => expect(line()).toHaveAttribute("data-running", "false"));
    expect(screen.queryByTestId("sync-progress")).not.toBeInTheDocument();
    expect(line()).toHaveAttribute("data-pending", "0");
  });

  it("polls every 30 s without any activity (sync_status is passive), follows a background round, and not while locked", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const { fake } = await renderAs("clerk");
    await loaded();
    const before = fake.callsOf("syncStatus").length;
    await act(() => vi.advanceTimersByTimeAsync(SYNC_POLL_MS));
    expect(fake.callsOf("syncStatus")).toHaveLength(before + 1);

    fake.startRound({ phase: "push", done: 1, total: 4 });
    await act(() => vi.advanceTimersByTimeAsync(SYNC_POLL_MS));
    await waitFor(() => expect(line()).toHaveAttribute("data-running", "true"));
    expect(screen.getByTestId("sync-progress")).toHaveAttribute("value", "1");
    expect(screen.getByTestId("sync-now")).toBeDisabled();
    fake.finishRound();
    await act(() => vi.advanceTimersByTimeAsync(SYNC_RUNNING_POLL_MS));
    await waitFor(() => expect(line()).toHaveAttribute("data-running", "false"));

    fireEvent.click(screen.getByTestId("lock-now"));
    await screen.findByTestId("lock-screen");
    const locked = fake.callsOf("syncStatus").length;
    await act(() => vi.advanceTimersByTimeAsync(SYNC_POLL_MS * 2));
    expect(fake.callsOf("syncStatus")).toHaveLength(locked);
  });
});

describe("synchronisation by role", () => {
  it("shows an auditor the status line but no sync button and no synchronisation screen", async () => {
    await renderAs("auditor");
    const status = await loaded();
    expect(status).toHaveTextContent("Në linjë");
    expect(screen.queryByTestId("sync-now")).not.toBeInTheDocument();
    expect(navIds()).toEqual(["nav-audit"]);
  });

  it("gives a clerk the sync button and screen, but neither conflicts nor the station", async () => {
    await renderAs("clerk");
    await loaded();
    expect(screen.getByTestId("sync-now")).toBeInTheDocument();
    expect(screen.getByTestId("nav-sync")).toBeInTheDocument();
    expect(screen.queryByTestId("nav-conflicts")).not.toBeInTheDocument();
    expect(screen.queryByTestId("sync-conflicts")).not.toBeInTheDocument();
    expect(screen.queryByTestId("nav-station")).not.toBeInTheDocument();
  });

  it("gives a supervisor the conflicts with their count, in the navigation and in the status line", async () => {
    const { user } = await renderAs("supervisor");
    await loaded();
    expect(screen.getByTestId("nav-conflicts")).toHaveAttribute("data-count", "2");
    expect(screen.getByTestId("nav-conflicts")).toHaveTextContent("2 konflikte presin vendim");
    expect(screen.queryByTestId("nav-station")).not.toBeInTheDocument();
    const badge = screen.getByTestId("sync-conflicts");
    expect(badge).toHaveTextContent("Konflikte: 2");
    await user.click(badge);
    expect(await screen.findByTestId("conflicts-view")).toBeInTheDocument();
    expect(screen.getByTestId("nav-conflicts")).toHaveAttribute("aria-current", "page");
  });

  it("gives only an administrator the station, and no conflicts", async () => {
    await renderAs("admin");
    await loaded();
    expect(screen.getByTestId("nav-station")).toBeInTheDocument();
    expect(screen.getByTestId("sync-now")).toBeInTheDocument();
    expect(screen.queryByTestId("nav-conflicts")).not.toBeInTheDocument();
  });
});

describe("the synchronisation screen", () => {
  it("shows the status in full and the changes the server did not apply, readably", async () => {
    const { user } = await renderAs("clerk");
    await user.click(screen.getByTestId("nav-sync"));
    const view = await screen.findByTestId("sync-view");
    const state = within(view).getByTestId("sync-state");
    expect(state).toHaveTextContent("st-tr-01");
    expect(state).toHaveTextContent("Drejtoria Vendore e Policisë Tiranë");
    expect(state).toHaveTextContent("qendra.regjistri.local:8443");
    expect(state).toHaveTextContent("28.03.2026 17:05");

    const issues = await screen.findAllByTestId("sync-issue");
    expect(issues.map((i) => i.getAttribute("data-kind"))).toEqual(["conflict", "rejected"]);
    expect(issues[0]).toHaveTextContent("Hoxha Arben");
    expect(issues[0]).toHaveTextContent("Atësia");
    expect(issues[0]).toHaveTextContent("Datëlindja");
    expect(issues[0]).toHaveTextContent("Konflikt");
    expect(issues[0]).toHaveTextContent("28.03.2026 10:15");
    expect(issues[1]).toHaveTextContent("Refuzuar");
    expect(issues[1]).toHaveTextContent("Adresa · Rruga");
    expect(within(issues[1]!).getByTestId("sync-issue-error")).toHaveAttribute("data-code", "out_of_scope");
    expect(issues[1]).toHaveTextContent("Dosje që ky stacion nuk e ka");
    expect(within(issues[1]!).queryByTestId("sync-issue-open")).not.toBeInTheDocument();
  });

  it("shows the last error of the status in the current language", async () => {
    const { user } = await renderAs("clerk", new FakeBackend({ signedInAs: null, online: false }));
    await user.click(screen.getByTestId("nav-sync"));
    const error = await screen.findByTestId("sync-last-error");
    expect(error).toHaveAttribute("data-code", "server_unreachable");
    expect(error).toHaveTextContent("Serveri qendror nuk u arrit");
    await user.click(screen.getAllByTestId("lang-switch")[0]!);
    expect(error).toHaveTextContent("The central server could not be reached");
    expect(line()).toHaveTextContent("Offline");
  });

  it("opens the local file of an issue, and synchronises from the screen with a report", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const id = fake.addPerson({ surname: "Hoxha", given_name: "Arben" });
    fake.issues[0]!.file_id = id;
    const { user } = await renderAs("clerk", fake);
    await user.click(screen.getByTestId("nav-sync"));
    await screen.findAllByTestId("sync-issue");
    await user.click(screen.getByTestId("sync-view-now"));
    const report = await screen.findByTestId("sync-report");
    expect(report).toHaveTextContent("u dërguan 2, u morën 3, konflikte 0, të refuzuara 0");
    await waitFor(() => expect(fake.callsOf("syncIssues").length).toBeGreaterThanOrEqual(2));

    await user.click(screen.getAllByTestId("sync-issue-open")[0]!);
    expect(await screen.findByTestId("person-surname")).toHaveTextContent("Hoxha");
    await user.click(screen.getByTestId("back"));
    expect(await screen.findByTestId("sync-view")).toBeInTheDocument();
  });
});
