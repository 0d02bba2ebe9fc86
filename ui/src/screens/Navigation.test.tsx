import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { FakeBackend } from "../backend/fake";
import { APPROVAL_POLL_MS } from "../Workspace";
import { renderAs } from "../test/render";

function navIds(): string[] {
  return [...document.querySelectorAll("nav [data-testid^='nav-']")].map((e) => e.getAttribute("data-testid")!);
}

describe("navigation by role", () => {
  it("gives a clerk the dashboard (where they land), search, synchronisation and a new file, nothing else", async () => {
    const { user } = await renderAs("clerk");
    expect(navIds()).toEqual(["nav-dashboard", "nav-search", "nav-sync"]);
    expect(screen.getByTestId("nav-dashboard")).toHaveAttribute("id", "nav-dashboard");
    expect(screen.getByTestId("nav-dashboard")).toHaveAttribute("aria-current", "page");
    expect(await screen.findByTestId("dashboard-view")).toBeInTheDocument();
    expect(screen.queryByTestId("nav-rules")).not.toBeInTheDocument();
    expect(screen.getByTestId("new-file")).toBeInTheDocument();
    expect(screen.getByTestId("current-role")).toHaveTextContent("Nëpunës i regjistrit");
    await user.click(screen.getByTestId("nav-search"));
    expect(await screen.findByTestId("search-input")).toHaveFocus();
  });

  it("gives an auditor only the audit trail, opened at once", async () => {
    const { fake } = await renderAs("auditor");
    expect(navIds()).toEqual(["nav-audit"]);
    expect(screen.getByTestId("nav-audit")).toHaveAttribute("aria-current", "page");
    expect(await screen.findByTestId("audit-view")).toBeInTheDocument();
    expect(screen.queryByTestId("new-file")).not.toBeInTheDocument();
    expect(screen.queryByTestId("search-input")).not.toBeInTheDocument();
    expect(fake.callsOf("searchFiles")).toHaveLength(0);
    expect(screen.getByTestId("current-role")).toHaveTextContent("Auditues");
  });

  it("gives an administrator search, users, rules, synchronisation and the station, but no new file and no dashboard", async () => {
    const { user, fake } = await renderAs("admin");
    expect(navIds()).toEqual(["nav-search", "nav-users", "nav-rules", "nav-sync", "nav-station"]);
    expect(await screen.findByTestId("search-input")).toBeInTheDocument();
    expect(screen.queryByTestId("nav-dashboard")).not.toBeInTheDocument();
    expect(fake.callsOf("dashboard")).toHaveLength(0);
    expect(screen.queryByTestId("new-file")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("nav-users"));
    expect(await screen.findByTestId("users-view")).toBeInTheDocument();
    expect(screen.getByTestId("nav-users")).toHaveAttribute("aria-current", "page");
  });

  it("gives a supervisor approvals with the count of the own directorate's waiting files", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    fake.addPerson({ surname: "Approved", given_name: "A" });
    fake.addPerson({ surname: "Pending1", given_name: "P", status: "pending", author: "clerk" });
    fake.addPerson({ surname: "Pending2", given_name: "P", status: "pending", author: "clerk" });
    fake.addPerson({ surname: "Durres", given_name: "D", status: "pending", author: "x", owning_directorate: "dvp-durres" });
    await renderAs("supervisor", fake);
    expect(navIds()).toEqual(["nav-dashboard", "nav-search", "nav-approvals", "nav-conflicts", "nav-locked", "nav-sync"]);
    expect(await screen.findByTestId("dashboard-view")).toBeInTheDocument();
    expect(screen.getByTestId("new-file")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("nav-approvals")).toHaveAttribute("data-count", "2"));
    expect(screen.getByTestId("nav-approvals")).toHaveTextContent("2");
    expect(screen.getByTestId("nav-approvals")).toHaveTextContent("2 dosje presin miratim");
  });

  it("refreshes the count every minute, but only while the supervisor is at the keyboard", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const fake = new FakeBackend({ signedInAs: null });
    fake.addPerson({ surname: "Pending1", given_name: "P", status: "pending", author: "clerk" });
    await renderAs("supervisor", fake);
    await waitFor(() => expect(screen.getByTestId("nav-approvals")).toHaveAttribute("data-count", "1"));
    expect(fake.callsOf("approvalQueue")).toHaveLength(1);

    fake.addPerson({ surname: "Pending2", given_name: "P", status: "pending", author: "clerk" });
    await act(() => vi.advanceTimersByTimeAsync(APPROVAL_POLL_MS));
    // nobody touched anything: approval_queue counts as activity, so it is not asked
    expect(fake.callsOf("approvalQueue")).toHaveLength(1);

    fireEvent.keyDown(document.body, { key: "ArrowDown" });
    await act(() => vi.advanceTimersByTimeAsync(APPROVAL_POLL_MS));
    expect(fake.callsOf("approvalQueue")).toHaveLength(2);
    await waitFor(() => expect(screen.getByTestId("nav-approvals")).toHaveAttribute("data-count", "2"));
  });

  it("goes back to the search from the application name", async () => {
    const { user } = await renderAs("admin");
    await user.click(screen.getByTestId("nav-users"));
    await screen.findByTestId("users-view");
    await user.click(screen.getByRole("button", { name: "Regjistri" }));
    expect(await screen.findByTestId("search-input")).toBeInTheDocument();
  });
});
