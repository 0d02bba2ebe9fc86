import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { FileView } from "../generated/FileView";
import { FakeBackend } from "../backend/fake";
import { openSearch, renderAs } from "../test/render";

function withPending(): { fake: FakeBackend; id: string } {
  const fake = new FakeBackend({ signedInAs: null });
  fake.addPerson({ surname: "Approved", given_name: "A" });
  const id = fake.addPerson({ surname: "Kelmendi", given_name: "Besnik", status: "pending", author: "clerk" });
  return { fake, id };
}

async function openFromQueue(fake: FakeBackend) {
  const r = await renderAs("supervisor", fake);
  await r.user.click(screen.getByTestId("nav-approvals"));
  const row = await screen.findByTestId("approval-row");
  expect(row).toHaveTextContent("Kelmendi");
  await r.user.click(row);
  await screen.findByTestId("person-surname");
  return r;
}

describe("approval queue", () => {
  it("lists the files waiting in the supervisor's directorate, focused on the first", async () => {
    const { fake } = withPending();
    fake.addPerson({ surname: "Other", given_name: "D", status: "pending", author: "x", owning_directorate: "dvp-durres" });
    const { user } = await renderAs("supervisor", fake);
    await user.click(screen.getByTestId("nav-approvals"));
    const rows = await screen.findAllByTestId("approval-row");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveTextContent("Kelmendi");
    expect(rows[0]).toHaveTextContent("Në pritje");
    expect(within(rows[0]!).getByRole("button", { name: "Kelmendi" })).toHaveFocus();
  });

  it("approves the version on screen: the file becomes registered and leaves the queue", async () => {
    const { fake, id } = withPending();
    const { user } = await openFromQueue(fake);
    expect(screen.getByTestId("registered-badge")).toHaveAttribute("data-registered", "false");
    expect(screen.getByTestId("registered-badge")).toHaveTextContent("E paregjistruar");
    await waitFor(() => expect(screen.getByTestId("nav-approvals")).toHaveAttribute("data-count", "1"));

    await user.click(screen.getByTestId("approve-file"));
    await waitFor(() => expect(screen.getByTestId("registered-badge")).toHaveAttribute("data-registered", "true"));
    expect(fake.callsOf("approveFile")).toEqual([[id, 1]]);
    expect(screen.getByTestId("file-status")).toHaveAttribute("data-status", "approved");
    expect(screen.queryByTestId("approve-file")).not.toBeInTheDocument();
    expect(screen.getByTestId("approved-info")).toHaveTextContent("Versioni i miratuar: 2, nga supervisor");
    expect(screen.getAllByTestId("history-entry")[0]).toHaveTextContent("Miratim");
    await waitFor(() => expect(screen.getByTestId("nav-approvals")).toHaveAttribute("data-count", "0"));
    expect(screen.getByTestId("status")).toHaveTextContent("Dosja u miratua.");

    await user.click(screen.getByTestId("back"));
    expect(await screen.findByTestId("approvals-empty")).toBeInTheDocument();
  });

  it("returns only with a reason, which is sent and then shown in the history", async () => {
    const { fake, id } = withPending();
    const { user } = await openFromQueue(fake);
    await user.click(screen.getByTestId("return-file"));
    const reason = screen.getByTestId("return-reason");
    expect(reason).toHaveFocus();
    expect(screen.getByLabelText(/^Arsyeja e kthimit/)).toBe(reason);

    await user.type(reason, "   ");
    await user.click(screen.getByTestId("return-submit"));
    expect(screen.getByTestId("return-reason-problem")).toHaveTextContent("Shkruani arsyen e kthimit.");
    expect(reason).toHaveAttribute("aria-invalid", "true");
    expect(reason).toHaveFocus();
    expect(fake.callsOf("returnFile")).toHaveLength(0);

    await user.clear(reason);
    await user.type(reason, "Mungon numri i vendimit të apelit.");
    await user.click(screen.getByTestId("return-submit"));
    await waitFor(() => expect(screen.getByTestId("file-status")).toHaveAttribute("data-status", "returned"));
    expect(fake.callsOf("returnFile")).toEqual([[id, 1, "Mungon numri i vendimit të apelit."]]);
    expect(screen.getByTestId("registered-badge")).toHaveAttribute("data-registered", "false");
    const latest = screen.getAllByTestId("history-entry")[0]!;
    expect(latest).toHaveTextContent("Kthim");
    expect(latest).toHaveTextContent("supervisor");
    expect(within(latest).getByTestId("history-reason")).toHaveTextContent("Arsyeja: Mungon numri i vendimit të apelit.");
  });

  it("shows the refusal of approving one's own work in the current language", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    fake.addPerson({ surname: "Kelmendi", given_name: "Besnik", status: "pending", author: "supervisor" });
    const { user } = await openFromQueue(fake);
    await user.click(screen.getByTestId("lang-switch"));
    await user.click(screen.getByTestId("approve-file"));
    expect(await screen.findByText("You cannot approve or return a version you created or changed yourself.")).toBeInTheDocument();
    expect(screen.getByTestId("registered-badge")).toHaveAttribute("data-registered", "false");
  });

  it("offers no decision to a clerk, nor to a supervisor of another directorate", async () => {
    const { fake } = withPending();
    const clerk = await renderAs("clerk", fake);
    await clerk.user.type(await openSearch(clerk.user), "kelmendi{Enter}");
    await waitFor(() => expect(screen.getAllByTestId("result-row")).toHaveLength(1));
    await clerk.user.click(screen.getByTestId("result-row"));
    await screen.findByTestId("person-surname");
    expect(screen.getByTestId("registered-badge")).toHaveAttribute("data-registered", "false");
    expect(screen.queryByTestId("approve-file")).not.toBeInTheDocument();
    expect(screen.queryByTestId("return-file")).not.toBeInTheDocument();
    expect(screen.getByTestId("edit-file")).toBeInTheDocument();
    clerk.unmount();

    const other = await renderAs("supervisor.durres", fake);
    await other.user.type(await openSearch(other.user), "kelmendi{Enter}");
    await waitFor(() => expect(screen.getAllByTestId("result-row")).toHaveLength(1));
    await other.user.click(screen.getByTestId("result-row"));
    await screen.findByTestId("person-surname");
    expect(screen.queryByTestId("approve-file")).not.toBeInTheDocument();
    expect(screen.queryByTestId("edit-file")).not.toBeInTheDocument();
  });
});

describe("pending amendment", () => {
  it("shows what the pending version changes against the approved one, readably", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const id = fake.addPerson({ surname: "Hoxha", given_name: "Arben", municipality_code: "tirane" });
    const stored = await (async () => {
      fake.startSession("supervisor");
      return fake.getFile(id);
    })();
    const conviction = stored.file.data.convictions[0]!.id;
    const address = stored.file.data.addresses[0]!.id;
    const view: FileView = {
      ...stored,
      file: { ...stored.file, version: 3, status: "amended" },
      approved: { version: 2, approved_by: "mbikeqyres.kola", approved_at: "2026-03-01T09:00:00Z" },
      registered: true,
      pending_changes: [
        { path: "identity.surname", old: "Hoxa", new: "Hoxha" },
        { path: "identity.date_of_birth", old: "1980-02-28", new: "1980-02-29" },
        { path: "identity.citizenships", old: ["AL"], new: ["AL", "IT"] },
        { path: `convictions[${conviction}].court_code`, old: "gj-durres", new: "gj-tirane" },
        { path: `convictions[${conviction}].final_date`, old: null, new: "2019-07-01" },
        { path: `addresses[${address}].municipality_code`, old: "kamez", new: "tirane" },
        { path: "convictions[gone-1].decision_number", old: "77/2010", new: null },
        { path: "convictions[gone-1].id", old: "gone-1", new: null },
      ],
    };
    vi.spyOn(fake, "getFile").mockResolvedValue(view);
    const { user } = await renderAs("supervisor", fake);
    await openSearch(user);
    await user.click((await screen.findAllByTestId("result-row"))[0]!);
    const diff = await screen.findByTestId("pending-diff");
    const rows = within(diff).getAllByTestId("pending-change");
    expect(rows.map((r) => [...r.children].map((c) => c.textContent))).toEqual([
      ["Mbiemri", "Hoxa", "Hoxha"],
      ["Datëlindja", "28.02.1980", "29.02.1980"],
      ["Shtetësitë", "Shqipëri", "Shqipëri, Itali"],
      ["Dënimi 1 · Gjykata", "Gjykata e Shkallës së Parë Durrës", "Gjykata e Shkallës së Parë Tiranë"],
      ["Dënimi 1 · Data e formës së prerë", "—", "01.07.2019"],
      ["Adresa 1 · Bashkia", "Kamëz", "Tiranë"],
      ["Dënimi (hequr) · Nr. i vendimit", "77/2010", "—"],
    ]);
    expect(screen.getByTestId("registered-badge")).toHaveAttribute("data-registered", "true");
    expect(screen.getByTestId("approve-file")).toBeInTheDocument();
    expect(screen.getByText(/Versioni 3 krahasuar me versionin e miratuar 2 \(mbikeqyres\.kola, 01\.03\.2026 10:00\)/)).toBeInTheDocument();
  });

  it("is made by an edit of an approved file, and the supervisor sees the diff", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const id = fake.addPerson({ surname: "Hoxa", given_name: "Arben" });
    fake.startSession("clerk");
    const form = await fake.editFile(id);
    await fake.updateFile(id, form.base_version, { ...form.draft, identity: { ...form.draft.identity, surname: "Hoxha" } });
    const { user } = await renderAs("supervisor", fake);
    await user.click(screen.getByTestId("nav-approvals"));
    await user.click(await screen.findByTestId("approval-row"));
    const diff = await screen.findByTestId("pending-diff");
    expect(within(diff).getByTestId("pending-change")).toHaveTextContent("MbiemriHoxaHoxha");
    expect(screen.getByTestId("file-status")).toHaveTextContent("Ndryshim në pritje");
    expect(screen.getByTestId("registered-badge")).toHaveAttribute("data-registered", "true");
  });
});
