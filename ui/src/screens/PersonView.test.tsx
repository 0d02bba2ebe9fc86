import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { FileView } from "../generated/FileView";
import { FakeBackend } from "../backend/fake";
import { renderApp } from "../test/render";

describe("person view", () => {
  it("shows identity, convictions with court and article names, addresses and Tirana-time history", async () => {
    const fake = new FakeBackend();
    const id = fake.addPerson({ surname: "Gjoka", given_name: "Ardit", nid: "G80218157A", municipality_code: "kamez" });
    const stored = await fake.getFile(id);
    const view: FileView = {
      ...stored,
      history: [
        ...stored.history,
        {
          version: 2,
          at: "2026-10-25T00:30:00Z",
          actor: "officer.kola",
          action: "update",
          reason: null,
          changes: [{ path: "identity.date_of_birth", old: "1980-02-29", new: "1980-03-01" }],
        },
      ],
    };
    vi.spyOn(fake, "getFile").mockResolvedValue(view);
    const { user } = await renderApp(fake);
    await user.click(screen.getAllByTestId("result-row")[0]!);
    const root = await screen.findByTestId("person-view");
    await waitFor(() => expect(root).toHaveTextContent("Gjoka"));

    expect(root).toHaveTextContent("29.02.1980");
    expect(root).toHaveTextContent("G80218157A");
    expect(root).toHaveTextContent("Gjykata e Shkallës së Parë Tiranë");
    expect(root).toHaveTextContent("Marrëdhënie seksuale me të mitur nën 14 vjeç");
    expect(root).toHaveTextContent("10.05.2019");
    expect(root).toHaveTextContent("Kamëz");
    expect(screen.getByTestId("photo-placeholder")).toBeInTheDocument();

    const entries = within(screen.getByTestId("history")).getAllByTestId("history-entry");
    expect(entries[0]).toHaveTextContent("25.10.2026 02:30");
    expect(entries[0]).toHaveTextContent("officer.kola");
    expect(entries[0]).toHaveTextContent("identity.date_of_birth: 29.02.1980 → 01.03.1980");
    expect(entries[1]).toHaveTextContent("29.03.2026 03:30");

    await user.click(screen.getByTestId("back"));
    expect(await screen.findByTestId("search-input")).toBeInTheDocument();
  });

  it("shows a load failure in the current language and still offers Back", async () => {
    const fake = new FakeBackend();
    fake.addPerson({ surname: "Gjoka", given_name: "Ardit" });
    fake.failNext("getFile", { code: "not_found", message: { sq: "Dosja nuk u gjet.", en: "File not found." }, fields: [] });
    const { user } = await renderApp(fake);
    await user.click(screen.getAllByTestId("result-row")[0]!);
    expect(await screen.findByRole("alert")).toHaveTextContent("Dosja nuk u gjet.");
    await user.click(screen.getByTestId("back"));
    expect(await screen.findByTestId("search-input")).toBeInTheDocument();
  });
});
