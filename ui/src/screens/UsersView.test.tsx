import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { FakeBackend } from "../backend/fake";
import { renderAs } from "../test/render";

async function openUsers(fake = new FakeBackend({ signedInAs: null })) {
  const r = await renderAs("admin", fake);
  await r.user.click(screen.getByTestId("nav-users"));
  await screen.findByTestId("users-view");
  await waitFor(() => expect(screen.getAllByTestId("user-row").length).toBeGreaterThan(0));
  return r;
}

function row(name: string): HTMLElement {
  return screen.getAllByTestId("user-row").find((r) => r.getAttribute("data-user") === name)!;
}

describe("users", () => {
  it("lists users with role, directorate and flags, focused on the new user's name", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    fake.addUser("locked.one", "clerk", "dvp-durres", { locked: true });
    fake.addUser("gone.one", "clerk", "dvp-tirane", { disabled: true });
    await openUsers(fake);
    expect(screen.getByTestId("create-user-name")).toHaveFocus();
    expect(row("supervisor")).toHaveTextContent("Mbikëqyrës");
    expect(row("supervisor")).toHaveTextContent("Drejtoria Vendore e Policisë Tiranë");
    expect(row("locked.one").querySelector('[data-flag="locked"]')).toHaveTextContent("Bllokuar");
    expect(row("gone.one").querySelector('[data-flag="disabled"]')).toHaveTextContent("Çaktivizuar");
  });

  it("creates a user and shows the one-time password once, exactly, with the hand-over warning", async () => {
    const station = new FakeBackend({ signedInAs: null });
    station.sync.administration = true; // the central administration's station: every directorate
    const { fake, user } = await openUsers(station);
    expect(screen.getByLabelText("Emri i përdoruesit")).toBe(screen.getByTestId("create-user-name"));
    expect(screen.getByLabelText("Roli")).toBe(screen.getByTestId("create-user-role"));
    expect(screen.getByLabelText("Drejtoria")).toBe(screen.getByTestId("create-user-directorate"));
    await user.type(screen.getByTestId("create-user-name"), "ana.kola");
    await user.selectOptions(screen.getByTestId("create-user-role"), "supervisor");
    await user.selectOptions(screen.getByTestId("create-user-directorate"), "dvp-durres");
    await user.click(screen.getByTestId("create-user-submit"));

    const dialog = await screen.findByRole("alertdialog");
    expect(fake.callsOf("createUser")).toEqual([["ana.kola", "supervisor", "dvp-durres"]]);
    const password = fake.user("ana.kola").password;
    expect(within(dialog).getByTestId("one-time-password").textContent).toBe(password);
    expect(dialog).toHaveTextContent("ana.kola");
    expect(dialog).toHaveTextContent("shfaqet vetëm tani, një herë");
    expect(within(dialog).getByTestId("one-time-password-close")).toHaveFocus();
    await waitFor(() => expect(row("ana.kola").querySelector('[data-flag="must-change"]')).toBeInTheDocument());

    await user.click(within(dialog).getByTestId("one-time-password-close"));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(screen.queryByTestId("one-time-password")).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(password);
    expect(screen.getByTestId("create-user-name")).toHaveValue("");
    await waitFor(() => expect(screen.getByTestId("create-user-name")).toHaveFocus());
  });

  it("offers a regional station only its own directorate's clerks and supervisors", async () => {
    const { fake, user } = await openUsers();
    await waitFor(() => expect(screen.getByTestId("regional-station-users")).toBeInTheDocument());
    const roles = within(screen.getByTestId("create-user-role"))
      .getAllByRole("option")
      .map((o) => o.getAttribute("value"));
    expect(roles).toEqual(["clerk", "supervisor"]);
    const directorates = within(screen.getByTestId("create-user-directorate"))
      .getAllByRole("option")
      .map((o) => o.getAttribute("value"));
    expect(directorates).toEqual(["dvp-tirane"]);
    await user.type(screen.getByTestId("create-user-name"), "ana.kola");
    await user.selectOptions(screen.getByTestId("create-user-role"), "supervisor");
    await user.click(screen.getByTestId("create-user-submit"));
    await screen.findByRole("alertdialog");
    expect(fake.callsOf("createUser")).toEqual([["ana.kola", "supervisor", "dvp-tirane"]]);
  });

  it("offers every role and directorate before enrolment and at the administration's station", async () => {
    for (const station of [new FakeBackend({ signedInAs: null, enrolled: false }), new FakeBackend({ signedInAs: null })]) {
      station.sync.administration = station.sync.enrolled;
      const { unmount } = await openUsers(station);
      await waitFor(() =>
        expect(within(screen.getByTestId("create-user-role")).getAllByRole("option")).toHaveLength(4),
      );
      expect(screen.queryByTestId("regional-station-users")).not.toBeInTheDocument();
      unmount();
    }
  });

  it("shows the refusal of a bad user name from Rust, and no password", async () => {
    const { user } = await openUsers();
    await user.type(screen.getByTestId("create-user-name"), "Ana Kola");
    await user.click(screen.getByTestId("create-user-submit"));
    expect(await screen.findByText(/Emri i përdoruesit: 3–64 shkronja/)).toBeInTheDocument();
    expect(screen.queryByTestId("one-time-password")).not.toBeInTheDocument();
    expect(screen.getByTestId("create-user-name")).toHaveAttribute("aria-invalid", "true");
  });

  it("resets a password after a confirmation, showing the new one-time password once", async () => {
    const { fake, user } = await openUsers();
    await user.click(within(row("clerk")).getByTestId("reset-password"));
    expect(fake.callsOf("resetPassword")).toHaveLength(0);
    await user.click(within(row("clerk")).getByTestId("reset-password-confirm"));
    const dialog = await screen.findByRole("alertdialog");
    expect(fake.callsOf("resetPassword")).toEqual([[fake.user("clerk").id]]);
    expect(within(dialog).getByTestId("one-time-password").textContent).toBe(fake.user("clerk").password);
    await user.click(within(dialog).getByTestId("one-time-password-close"));
    expect(screen.queryByTestId("one-time-password")).not.toBeInTheDocument();
  });

  it("disables and enables a user, and releases a locked one", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const locked = fake.addUser("locked.one", "clerk", "dvp-durres", { locked: true });
    const { user } = await openUsers(fake);
    await user.click(within(row("clerk")).getByTestId("toggle-disabled"));
    await waitFor(() => expect(row("clerk").querySelector('[data-flag="disabled"]')).toBeInTheDocument());
    expect(within(row("clerk")).getByTestId("toggle-disabled")).toHaveTextContent("Aktivizo");
    await user.click(within(row("clerk")).getByTestId("toggle-disabled"));
    await waitFor(() => expect(row("clerk").querySelector('[data-flag="disabled"]')).not.toBeInTheDocument());
    expect(fake.callsOf("setUserDisabled")).toEqual([
      [fake.user("clerk").id, true],
      [fake.user("clerk").id, false],
    ]);
    // nobody disables themselves by mistake
    expect(within(row("admin")).queryByTestId("toggle-disabled")).not.toBeInTheDocument();

    await user.click(within(row("locked.one")).getByTestId("release-user"));
    await waitFor(() => expect(row("locked.one").querySelector('[data-flag="locked"]')).not.toBeInTheDocument());
    expect(fake.callsOf("releaseUser")).toEqual([[locked.id]]);
  });
});

describe("locked accounts (supervisor)", () => {
  it("lists the directorate's locked accounts and releases one", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const mine = fake.addUser("locked.tirane", "clerk", "dvp-tirane", { locked: true });
    fake.addUser("locked.durres", "clerk", "dvp-durres", { locked: true });
    const { user } = await renderAs("supervisor", fake);
    await user.click(screen.getByTestId("nav-locked"));
    const rows = await screen.findAllByTestId("locked-user-row");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveTextContent("locked.tirane");
    await user.click(within(rows[0]!).getByTestId("release-user"));
    expect(await screen.findByText("Asnjë llogari e bllokuar.")).toBeInTheDocument();
    expect(fake.callsOf("releaseUser")).toEqual([[mine.id]]);
    expect(fake.user("locked.tirane").locked).toBe(false);
  });
});
