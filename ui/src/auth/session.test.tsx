import { act, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { FAKE_PASSWORD, FakeBackend } from "../backend/fake";
import { SESSION_POLL_MS } from "../App";
import { openSearch, renderApp, renderSignedOut } from "../test/render";

const NEW_PASSWORD = "Gur-i-Kuq-Mali-7";

describe("sign-in", () => {
  it("starts on the sign-in screen without a session, focused on the user name, asking nothing but app_info and session", async () => {
    const { fake } = await renderSignedOut();
    // the focus moves in an effect after the first paint: wait for it (a loaded machine is slower)
    await waitFor(() => expect(screen.getByTestId("sign-in-user")).toHaveFocus());
    expect(screen.getByLabelText("Emri i përdoruesit")).toBe(screen.getByTestId("sign-in-user"));
    expect(screen.getByLabelText("Fjalëkalimi")).toBe(screen.getByTestId("sign-in-password"));
    expect(fake.calls.map((c) => c.method)).toEqual(["appInfo", "session"]);
    expect(screen.queryByTestId("current-user")).not.toBeInTheDocument();
  });

  it("shows a refusal inline in a live region, in the current language, and keeps the user name", async () => {
    const { fake, user } = await renderSignedOut();
    await user.type(screen.getByTestId("sign-in-user"), "clerk");
    await user.type(screen.getByTestId("sign-in-password"), "wrong password");
    await user.click(screen.getByTestId("sign-in-submit"));

    const region = screen.getByTestId("form-error");
    expect(region).toHaveAttribute("aria-live", "assertive");
    await waitFor(() => expect(region).toHaveTextContent("Emri i përdoruesit ose fjalëkalimi nuk është i saktë."));
    expect(fake.callsOf("signIn")).toEqual([["clerk", "wrong password"]]);
    expect(screen.getByTestId("sign-in-user")).toHaveValue("clerk");
    expect(screen.getByTestId("sign-in-password")).toHaveValue("");
    expect(screen.getByTestId("sign-in-password")).toHaveFocus();

    await user.click(screen.getByTestId("lang-switch"));
    expect(region).toHaveTextContent("The user name or password is not correct.");
    expect(region).not.toHaveTextContent("nuk është i saktë");
  });

  it("says the account is locked after five failures", async () => {
    const { fake, user } = await renderSignedOut();
    await user.type(screen.getByTestId("sign-in-user"), "clerk");
    for (let i = 0; i < 5; i++) {
      await user.type(screen.getByTestId("sign-in-password"), `wrong-${i}`);
      await user.click(screen.getByTestId("sign-in-submit"));
      await waitFor(() => expect(fake.callsOf("signIn")).toHaveLength(i + 1));
    }
    await waitFor(() => expect(screen.getByTestId("form-error")).toHaveTextContent("Llogaria është bllokuar"));
    expect(fake.user("clerk").locked).toBe(true);
  });

  it("signs in and opens the work of the role, with the user and role in the header", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    fake.addMany(3);
    const { user } = await renderSignedOut(fake);
    await user.type(screen.getByTestId("sign-in-user"), "clerk");
    await user.type(screen.getByTestId("sign-in-password"), `${FAKE_PASSWORD}{Enter}`);
    // a clerk lands on the directorate's dashboard, focused on its heading
    expect(await screen.findByTestId("dashboard-view")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole("heading", { name: "Pasqyra e drejtorisë" })).toHaveFocus());
    expect(screen.getByTestId("current-user")).toHaveTextContent("clerk");
    expect(screen.getByTestId("current-role")).toHaveTextContent("Nëpunës i regjistrit");
    await waitFor(() => expect(screen.getByTestId("file-count")).toHaveAttribute("data-count", "3"));
    expect(fake.callsOf("signIn")).toEqual([["clerk", FAKE_PASSWORD]]);
  });
});

describe("forced password change", () => {
  async function signInWithOneTimePassword() {
    const fake = new FakeBackend({ signedInAs: null });
    fake.addUser("ana.kola", "clerk", "dvp-tirane", { password: "Nj0001-kXv7-pQ2m", must_change_password: true });
    const r = await renderSignedOut(fake);
    await r.user.type(screen.getByTestId("sign-in-user"), "ana.kola");
    await r.user.type(screen.getByTestId("sign-in-password"), "Nj0001-kXv7-pQ2m{Enter}");
    await screen.findByTestId("change-password");
    return r;
  }

  it("asks for the change before anything else, focused on the current password", async () => {
    const { fake } = await signInWithOneTimePassword();
    expect(screen.getByTestId("change-current")).toHaveFocus();
    expect(screen.queryByTestId("search-input")).not.toBeInTheDocument();
    expect(fake.callsOf("referenceData")).toHaveLength(0);
  });

  it("checks the repetition in the UI without asking Rust", async () => {
    const { fake, user } = await signInWithOneTimePassword();
    await user.type(screen.getByTestId("change-current"), "Nj0001-kXv7-pQ2m");
    await user.type(screen.getByTestId("change-new"), NEW_PASSWORD);
    await user.type(screen.getByTestId("change-repeat"), `${NEW_PASSWORD}x`);
    await user.click(screen.getByTestId("change-submit"));
    expect(screen.getByTestId("form-error")).toHaveTextContent("Përsëritja nuk përputhet me fjalëkalimin e ri.");
    expect(screen.getByTestId("change-repeat")).toHaveFocus();
    expect(screen.getByTestId("change-repeat")).toHaveAttribute("aria-invalid", "true");
    expect(fake.callsOf("changePassword")).toHaveLength(0);
  });

  it("shows the policy refusal from Rust, then goes on to the work once the change is accepted", async () => {
    const { fake, user } = await signInWithOneTimePassword();
    await user.type(screen.getByTestId("change-current"), "Nj0001-kXv7-pQ2m");
    await user.type(screen.getByTestId("change-new"), "short");
    await user.type(screen.getByTestId("change-repeat"), "short");
    await user.click(screen.getByTestId("change-submit"));
    await waitFor(() => expect(screen.getByTestId("form-error")).toHaveTextContent("Fjalëkalimi duhet të ketë të paktën 12 shenja."));
    expect(screen.getByTestId("change-new")).toHaveFocus();
    expect(screen.getByTestId("change-new")).toHaveAttribute("aria-invalid", "true");

    await user.type(screen.getByTestId("change-new"), NEW_PASSWORD);
    await user.type(screen.getByTestId("change-repeat"), NEW_PASSWORD);
    await user.click(screen.getByTestId("change-submit"));
    expect(await screen.findByTestId("dashboard-view")).toBeInTheDocument();
    expect(fake.callsOf("changePassword")).toEqual([
      ["Nj0001-kXv7-pQ2m", "short"],
      ["Nj0001-kXv7-pQ2m", NEW_PASSWORD],
    ]);
    expect(fake.user("ana.kola").must_change_password).toBe(false);
  });
});

describe("forced password change and the lock", () => {
  it("goes to the lock screen when the idle lock closed during the change, and back to the change after the unlock", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    fake.addUser("ana.kola", "clerk", "dvp-tirane", { password: "Nj0001-kXv7-pQ2m", must_change_password: true });
    const { user } = await renderSignedOut(fake);
    await user.type(screen.getByTestId("sign-in-user"), "ana.kola");
    await user.type(screen.getByTestId("sign-in-password"), "Nj0001-kXv7-pQ2m{Enter}");
    await screen.findByTestId("change-password");
    fake.lockSession();
    await user.type(screen.getByTestId("change-current"), "Nj0001-kXv7-pQ2m");
    await user.type(screen.getByTestId("change-new"), NEW_PASSWORD);
    await user.type(screen.getByTestId("change-repeat"), `${NEW_PASSWORD}{Enter}`);
    const lock = await screen.findByTestId("lock-screen");
    await user.type(within(lock).getByTestId("unlock-password"), "Nj0001-kXv7-pQ2m{Enter}");
    expect(await screen.findByTestId("change-password")).toBeInTheDocument();
    expect(screen.getByTestId("change-current")).toHaveFocus();
  });
});

describe("lock", () => {
  it("locks on session_locked from any command, and the unlock returns to the same screen with the command done", async () => {
    const fake = new FakeBackend();
    fake.addPerson({ surname: "Hoxha", given_name: "Arben" });
    fake.addPerson({ surname: "Dervishi", given_name: "Ana" });
    const { user } = await renderApp(fake);
    await user.type(screen.getByTestId("search-input"), "hox");
    fake.lockSession();
    await user.keyboard("{Enter}");

    const lock = await screen.findByTestId("lock-screen");
    expect(within(lock).getByTestId("locked-user")).toHaveTextContent("clerk");
    expect(within(lock).getByTestId("unlock-password")).toHaveFocus();
    expect(screen.getByTestId("search-input")).not.toBeVisible();

    await user.type(within(lock).getByTestId("unlock-password"), "not it");
    await user.click(within(lock).getByTestId("unlock-submit"));
    await waitFor(() => expect(within(lock).getByTestId("form-error")).toHaveTextContent("nuk është i saktë"));

    await user.type(within(lock).getByTestId("unlock-password"), FAKE_PASSWORD);
    await user.click(within(lock).getByTestId("unlock-submit"));
    await waitFor(() => expect(screen.queryByTestId("lock-screen")).not.toBeInTheDocument());
    expect(screen.getByTestId("search-input")).toBeVisible();
    expect(screen.getByTestId("search-input")).toHaveValue("hox");
    // the refused search ran again after the unlock
    await waitFor(() => expect(screen.getAllByTestId("result-row")).toHaveLength(1));
    expect(screen.getByTestId("result-row")).toHaveTextContent("Hoxha");
    expect(fake.callsOf("unlock")).toEqual([["not it"], [FAKE_PASSWORD]]);
  });

  it("locks at once with the Lock button and comes back to the person on screen", async () => {
    const fake = new FakeBackend();
    fake.addPerson({ surname: "Gjoka", given_name: "Ardit" });
    const { user } = await renderApp(fake);
    await user.click(screen.getByTestId("result-row"));
    await screen.findByTestId("person-surname");
    await user.click(screen.getByTestId("lock-now"));
    const lock = await screen.findByTestId("lock-screen");
    expect(fake.callsOf("lock")).toHaveLength(1);
    expect(screen.getByTestId("person-view")).not.toBeVisible();

    await user.type(within(lock).getByTestId("unlock-password"), `${FAKE_PASSWORD}{Enter}`);
    await waitFor(() => expect(screen.queryByTestId("lock-screen")).not.toBeInTheDocument());
    expect(screen.getByTestId("person-view")).toBeVisible();
    expect(screen.getByTestId("person-surname")).toHaveTextContent("Gjoka");
  });

  it("signs out from the lock screen, keeping nothing of the officer on screen", async () => {
    const fake = new FakeBackend();
    fake.addPerson({ surname: "Gjoka", given_name: "Ardit" });
    const { user } = await renderApp(fake);
    await user.click(screen.getByTestId("result-row"));
    await screen.findByTestId("person-surname");
    await user.click(screen.getByTestId("lock-now"));
    const lock = await screen.findByTestId("lock-screen");
    await user.click(within(lock).getByTestId("sign-out"));
    await screen.findByTestId("sign-in");
    expect(fake.callsOf("signOut")).toHaveLength(1);
    expect(document.body).not.toHaveTextContent("Gjoka");
    expect(screen.queryByTestId("person-view")).not.toBeInTheDocument();
  });
});

describe("the session ending", () => {
  it("goes to sign-in on no_session from a command, and the next officer starts afresh", async () => {
    const fake = new FakeBackend();
    fake.addPerson({ surname: "Gjoka", given_name: "Ardit" });
    const { user } = await renderApp(fake);
    await user.type(screen.getByTestId("search-input"), "gjo{Enter}");
    await waitFor(() => expect(screen.getAllByTestId("result-row")).toHaveLength(1));
    fake.failNext("getFile", { code: "no_session", message: { sq: "Hyni në sistem për të vazhduar.", en: "Sign in to continue." }, fields: [] });
    await user.click(screen.getByTestId("result-row"));

    expect(await screen.findByTestId("sign-in")).toHaveTextContent("Hyni në sistem për të vazhduar.");
    expect(document.body).not.toHaveTextContent("Gjoka");
    expect(screen.queryByTestId("current-user")).not.toBeInTheDocument();

    await user.type(screen.getByTestId("sign-in-user"), "supervisor");
    await user.type(screen.getByTestId("sign-in-password"), `${FAKE_PASSWORD}{Enter}`);
    await waitFor(() => expect(screen.getByTestId("current-user")).toHaveTextContent("supervisor"));
    // a fresh search screen: not the previous officer's text
    expect(await openSearch(user)).toHaveValue("");
    await waitFor(() => expect(screen.getByTestId("file-count")).toHaveAttribute("data-count", "1"));
  });

  it("asks the session every 30 seconds and shows sign-in with the reason when it expired", async () => {
    // only the intervals are fake: everything else runs as usual
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const fake = new FakeBackend();
    await renderApp(fake);
    const before = fake.callsOf("session").length;
    await act(() => vi.advanceTimersByTimeAsync(SESSION_POLL_MS));
    expect(fake.callsOf("session")).toHaveLength(before + 1);
    fake.expireSession();
    await act(() => vi.advanceTimersByTimeAsync(SESSION_POLL_MS));
    expect(screen.getByTestId("sign-in")).toHaveTextContent("Sesioni mbaroi pas 12 orësh. Hyni përsëri.");
    expect(screen.queryByTestId("search-input")).not.toBeInTheDocument();
  });

  it("shows the lock screen when the poll finds the idle lock, and asks again on window focus", async () => {
    const fake = new FakeBackend();
    await renderApp(fake);
    fake.lockSession();
    const before = fake.callsOf("session").length;
    act(() => {
      window.dispatchEvent(new Event("focus"));
    });
    expect(await screen.findByTestId("lock-screen")).toBeInTheDocument();
    expect(fake.callsOf("session")).toHaveLength(before + 1);
  });

  it("signs out from the header", async () => {
    const { fake, user } = await renderApp();
    await user.click(screen.getByTestId("sign-out"));
    await screen.findByTestId("sign-in");
    expect(fake.signedIn).toBeNull();
    expect(screen.getByTestId("sign-in-user")).toHaveFocus();
  });
});
