import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect } from "vitest";
import { App } from "../App";
import { FakeBackend } from "../backend/fake";

/**
 * The search, from wherever the role landed: clerks and supervisors land on the dashboard,
 * so the search is one click on its navigation entry away.
 */
export async function openSearch(user: ReturnType<typeof userEvent.setup>) {
  const nav = await screen.findByTestId("nav-search");
  if (!screen.queryByTestId("search-input")) {
    await screen.findByTestId("dashboard-view");
    await user.click(nav);
  }
  return screen.findByTestId("search-input");
}

/** The whole app over a fake backend (a clerk by default, on the search after leaving the dashboard), once the first page of the list has arrived. */
export async function renderApp(fake: FakeBackend = new FakeBackend()) {
  const user = userEvent.setup({ delay: null });
  const result = render(<App backend={fake} />);
  await openSearch(user);
  await waitFor(() => expect(screen.getByTestId("result-total")).toHaveAttribute("data-total", String(fake.info.file_count)));
  await waitFor(() => expect(screen.getByTestId("result-total")).not.toHaveTextContent(/…/));
  return { fake, user, ...result };
}

/** The whole app with `userName` signed in (a fake user: clerk, supervisor, admin, auditor…), once the header shows them. */
export async function renderAs(userName: string, fake: FakeBackend = new FakeBackend({ signedInAs: null })) {
  fake.startSession(userName);
  const user = userEvent.setup({ delay: null });
  const result = render(<App backend={fake} />);
  await waitFor(() => expect(screen.getByTestId("current-user")).toHaveTextContent(userName));
  return { fake, user, ...result };
}

/** The app with nobody signed in, on the sign-in screen. */
export async function renderSignedOut(fake: FakeBackend = new FakeBackend({ signedInAs: null })) {
  const user = userEvent.setup({ delay: null });
  const result = render(<App backend={fake} />);
  await screen.findByTestId("sign-in");
  return { fake, user, ...result };
}
