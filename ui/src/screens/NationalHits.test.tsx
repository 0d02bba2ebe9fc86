import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { FakeBackend } from "../backend/fake";
import { REMOTE_IDS } from "../backend/fakeSync";
import { openSearch, renderAs } from "../test/render";

async function searchHoxha(userName = "clerk", fake = new FakeBackend({ signedInAs: null })) {
  fake.addPerson({ surname: "Hoxha", given_name: "Arben" });
  const r = await renderAs(userName, fake);
  const input = await openSearch(r.user);
  await r.user.type(input, "hoxha");
  await screen.findAllByTestId("national-row");
  return r;
}

describe("files of other directorates in the search", () => {
  it("lists national hits below the local results: directorate, date of birth, NID, status, match, never a name", async () => {
    await searchHoxha();
    await waitFor(() => expect(screen.getAllByTestId("result-row")).toHaveLength(1));
    const section = screen.getByTestId("national-hits");
    expect(within(section).getByRole("heading", { name: /Në drejtori të tjera/ })).toBeInTheDocument();
    const rows = screen.getAllByTestId("national-row");
    expect(rows.map((r) => r.getAttribute("data-id"))).toEqual([REMOTE_IDS.hoxha, REMOTE_IDS.hoxhaj]);
    expect(rows[0]).toHaveTextContent("Drejtoria Vendore e Policisë Durrës");
    expect(rows[0]).toHaveTextContent("12.04.1975");
    expect(rows[0]).toHaveTextContent("F50412033M");
    expect(rows[0]).toHaveTextContent("Miratuar");
    expect(rows[0]).toHaveTextContent("E saktë");
    expect(rows[1]).toHaveTextContent("Në pritje");
    expect(rows[1]).toHaveTextContent("Fillim");
    expect(section).not.toHaveTextContent("Gjergj");
    expect(section).not.toHaveTextContent("Elton");
    // the local results come first in the document
    expect(screen.getAllByTestId("result-row")[0]!.compareDocumentPosition(section) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it("fetches a file from the server only with a reason, and shows it read-only, marked, with a way back", async () => {
    const { user, fake } = await searchHoxha();
    const row = screen.getAllByTestId("national-row")[0]!;
    await user.click(within(row).getByTestId("fetch-remote"));
    const reason = await screen.findByTestId("fetch-reason");
    expect(reason).toHaveFocus();
    await user.click(screen.getByTestId("fetch-submit"));
    expect(await screen.findByTestId("fetch-reason-problem")).toHaveTextContent("Shkruani arsyen e kërkimit.");
    expect(reason).toHaveAttribute("aria-invalid", "true");
    expect(fake.callsOf("fetchRemoteFile")).toHaveLength(0);

    await user.type(reason, "Kontroll në kufi, Durrës");
    await user.click(screen.getByTestId("fetch-submit"));
    const view = await screen.findByTestId("remote-file-view");
    expect(fake.callsOf("fetchRemoteFile")).toEqual([[REMOTE_IDS.hoxha, "Kontroll në kufi, Durrës"]]);
    expect(view).toHaveAttribute("data-id", REMOTE_IDS.hoxha);
    expect(screen.getByTestId("remote-banner")).toHaveTextContent("Dosje e një drejtorie tjetër: Drejtoria Vendore e Policisë Durrës");
    expect(screen.getByTestId("remote-banner")).toHaveTextContent("Marrë nga serveri qendror më 29.03.2026 03:30");
    expect(screen.getByTestId("remote-banner")).toHaveTextContent("Nuk ruhet në këtë stacion.");
    expect(view).toHaveTextContent("Gjergj");
    expect(view).toHaveTextContent("Gjykata e Shkallës së Parë Durrës");
    expect(view).toHaveTextContent("Durrës");
    expect(within(view).getByRole("heading", { name: "Identiteti" })).toBeInTheDocument();
    expect(within(view).getByRole("heading", { name: "Dënimet" })).toBeInTheDocument();
    expect(within(view).getByRole("heading", { name: "Adresat" })).toBeInTheDocument();
    expect(within(view).queryByTestId("edit-file")).not.toBeInTheDocument();
    expect(within(view).queryByTestId("open-timeline")).not.toBeInTheDocument();

    await user.click(screen.getByTestId("back"));
    expect(await screen.findByTestId("search-input")).toHaveValue("hoxha");
    expect(await screen.findAllByTestId("national-row")).toHaveLength(2);
  });

  it("shows the server's refusal at the row, by its code", async () => {
    const { user, fake } = await searchHoxha();
    fake.setOnline(false);
    await user.click(screen.getAllByTestId("fetch-remote")[1]!);
    await user.type(await screen.findByTestId("fetch-reason"), "Verifikim adrese");
    await user.click(screen.getByTestId("fetch-submit"));
    const error = await screen.findByTestId("fetch-error");
    expect(error).toHaveAttribute("data-code", "server_unreachable");
    await waitFor(() => expect(error).toHaveFocus());
    expect(screen.queryByTestId("remote-file-view")).not.toBeInTheDocument();
  });

  it("refuses a reason that is only spaces, as the server does", async () => {
    const fake = new FakeBackend();
    await expect(fake.fetchRemoteFile(REMOTE_IDS.hoxha, "   ")).rejects.toMatchObject({ code: "reason_required" });
    await expect(fake.fetchRemoteFile(REMOTE_IDS.hoxha, "x".repeat(501))).rejects.toMatchObject({ code: "reason_required" });
    await expect(fake.fetchRemoteFile(REMOTE_IDS.hoxha, "x".repeat(500))).resolves.toMatchObject({ id: REMOTE_IDS.hoxha });
  });

  it("shows an administrator the national hits but offers no fetch (fetch_remote_file is for clerks and supervisors)", async () => {
    await searchHoxha("admin");
    expect(screen.getAllByTestId("national-row")).toHaveLength(2);
    expect(screen.queryByTestId("fetch-remote")).not.toBeInTheDocument();
  });

  it("has no national hits at a station that is not enrolled", async () => {
    const fake = new FakeBackend({ signedInAs: null, enrolled: false });
    fake.addPerson({ surname: "Hoxha", given_name: "Arben" });
    const r = await renderAs("clerk", fake);
    await r.user.type(await openSearch(r.user), "hoxha");
    await waitFor(() => expect(screen.getByTestId("result-total")).toHaveAttribute("data-total", "1"));
    expect(screen.queryByTestId("national-hits")).not.toBeInTheDocument();
  });
});

/** Searches "hoxha" as a clerk and fetches the national hit `id` with a reason; the remote view. */
async function fetchRemote(id: string, fake = new FakeBackend({ signedInAs: null })) {
  const r = await searchHoxha("clerk", fake);
  const row = screen.getAllByTestId("national-row").find((x) => x.getAttribute("data-id") === id)!;
  await r.user.click(within(row).getByTestId("fetch-remote"));
  await r.user.type(await screen.findByTestId("fetch-reason"), "Kontroll në kufi");
  await r.user.click(screen.getByTestId("fetch-submit"));
  return { ...r, view: await screen.findByTestId("remote-file-view") };
}

function remote(fake: FakeBackend, id: string) {
  return fake.remote.find((r) => r.id === id)!;
}

describe("whether a person of another directorate is registered", () => {
  it("says in the search that the national status is the file's, never that the person is registered", async () => {
    const { user } = await searchHoxha();
    const section = screen.getByTestId("national-hits");
    expect(section).toHaveTextContent("Persona me dosje në drejtori të tjera");
    expect(section).toHaveTextContent("nëse personi është i regjistruar tani shihet te dosja e plotë");
    expect(section).not.toHaveTextContent(/të regjistruar në drejtori/);
    expect(within(section).getByRole("columnheader", { name: "Statusi i dosjes" })).toBeInTheDocument();
    await user.click(screen.getByTestId("lang-switch"));
    expect(section).toHaveTextContent("Persons with files in other directorates");
    expect(section).not.toHaveTextContent(/registered in other directorates/);
    expect(within(section).getByRole("columnheader", { name: "File status" })).toBeInTheDocument();
  });

  it("shows a deceased person (the death confirmed) as not registered, though the file is approved", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    remote(fake, REMOTE_IDS.hoxha).records.push({
      id: "30000000-0000-4000-8000-000000000001",
      file_id: REMOTE_IDS.hoxha,
      data: { kind: "status_change", state: "deceased", effective: "2026-02-01", reason: "Certifikatë vdekjeje" },
      recorded_at: "2026-02-02T09:00:00Z",
      recorded_by: "punonjes.durres",
      void: null,
      confirmation: { by: "mbikeqyres.durres", at: "2026-02-03T09:00:00Z" },
    });
    const { user, view } = await fetchRemote(REMOTE_IDS.hoxha, fake);
    const badge = within(view).getByTestId("registered-badge");
    expect(badge).toHaveAttribute("data-registered", "false");
    expect(badge).toHaveTextContent("E paregjistruar");
    expect(within(view).getByTestId("compliance-badge")).toHaveAttribute("data-status", "deceased");
    expect(within(view).getByTestId("compliance-badge")).toHaveTextContent("I vdekur");
    expect(within(view).getByTestId("file-status")).toHaveAttribute("data-status", "approved");
    expect(within(view).getByTestId("remote-shows")).toHaveAttribute("data-shows", "approved");
    await user.click(screen.getByTestId("lang-switch"));
    expect(badge).toHaveTextContent("Not registered");
    expect(within(view).getByTestId("compliance-badge")).toHaveTextContent("Deceased");
  });

  it("does not count a death that no second supervisor confirmed", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    remote(fake, REMOTE_IDS.hoxha).records.push({
      id: "30000000-0000-4000-8000-000000000002",
      file_id: REMOTE_IDS.hoxha,
      data: { kind: "status_change", state: "deceased", effective: "2026-02-01", reason: "Njoftim" },
      recorded_at: "2026-02-02T09:00:00Z",
      recorded_by: "punonjes.durres",
      void: null,
      confirmation: null,
    });
    const { view } = await fetchRemote(REMOTE_IDS.hoxha, fake);
    expect(within(view).getByTestId("registered-badge")).toHaveAttribute("data-registered", "true");
    expect(within(view).getByTestId("compliance-badge")).toHaveAttribute("data-status", "compliant");
  });

  it("shows an approved, compliant person as registered, with the approved data", async () => {
    const { user, view } = await fetchRemote(REMOTE_IDS.hoxha);
    const badge = within(view).getByTestId("registered-badge");
    expect(badge).toHaveAttribute("data-registered", "true");
    expect(badge).toHaveTextContent("E regjistruar");
    expect(within(view).getByTestId("compliance-badge")).toHaveAttribute("data-status", "compliant");
    expect(within(view).getByTestId("compliance-badge")).toHaveTextContent("Në rregull");
    expect(within(view).getByTestId("remote-shows")).toHaveTextContent("Më poshtë janë të dhënat e miratuara (miratuar nga mbikeqyres.durres");
    expect(within(view).queryByTestId("remote-pending")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("lang-switch"));
    expect(badge).toHaveTextContent("Registered");
    expect(within(view).getByTestId("compliance-badge")).toHaveTextContent("Compliant");
    expect(within(view).getByTestId("remote-shows")).toHaveTextContent("Below is the approved data (approved by mbikeqyres.durres");
  });

  it("shows a file never approved as not registered, without a compliance status", async () => {
    const { view } = await fetchRemote(REMOTE_IDS.hoxhaj);
    expect(within(view).getByTestId("registered-badge")).toHaveAttribute("data-registered", "false");
    expect(within(view).getByTestId("registered-badge")).toHaveTextContent("E paregjistruar");
    expect(within(view).queryByTestId("compliance-badge")).not.toBeInTheDocument();
    expect(within(view).getByTestId("file-status")).toHaveAttribute("data-status", "pending");
    expect(within(view).getByTestId("remote-shows")).toHaveAttribute("data-shows", "unapproved");
    expect(within(view).getByTestId("remote-shows")).toHaveTextContent("Dosja nuk është miratuar kurrë");
  });

  it("shows the approved data of an amended file, and the amendment apart, not as registered data", async () => {
    const fake = new FakeBackend({ signedInAs: null });
    const r = remote(fake, REMOTE_IDS.hoxha);
    r.status = "amended";
    r.amended_marks = "Tatuazh në krahun e djathtë";
    const { view } = await fetchRemote(REMOTE_IDS.hoxha, fake);
    expect(within(view).getByTestId("registered-badge")).toHaveAttribute("data-registered", "true");
    expect(within(view).getByTestId("remote-shows")).toHaveAttribute("data-shows", "approved");
    const pending = within(view).getByTestId("remote-pending");
    expect(pending).toHaveTextContent("Ndryshim në pritje të miratimit");
    expect(pending).toHaveTextContent("nuk vlen për regjistrimin");
    const change = within(pending).getByTestId("pending-change");
    expect(change).toHaveAttribute("data-path", "description.marks");
    expect(change).toHaveTextContent("Tatuazh në krahun e djathtë");
    // the facts are the approved ones: the amendment's marks appear only in the change
    expect(view.textContent!.split("Tatuazh në krahun e djathtë")).toHaveLength(2);
  });
});
