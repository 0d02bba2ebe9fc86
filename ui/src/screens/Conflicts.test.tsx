import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ConflictDecision } from "../generated/ConflictDecision";
import type { ConflictField } from "../generated/ConflictField";
import { FakeBackend } from "../backend/fake";
import { CONFLICT_IDS, KOLA_ADDRESS } from "../backend/fakeSync";
import { renderAs } from "../test/render";
import { editKind } from "./ConflictsView";

async function openConflicts(fake = new FakeBackend({ signedInAs: null })) {
  const r = await renderAs("supervisor", fake);
  await r.user.click(screen.getByTestId("nav-conflicts"));
  await screen.findByTestId("conflicts-view");
  return r;
}

function row(id: string): HTMLElement {
  return screen.getAllByTestId("conflict-row").find((r) => r.getAttribute("data-id") === id)!;
}

function field(conflict: HTMLElement, path: string): HTMLElement {
  return within(conflict)
    .getAllByTestId("conflict-field")
    .find((f) => f.getAttribute("data-path") === path)!;
}

function side(f: HTMLElement, name: "server" | "station" | "base" | "edit"): HTMLInputElement {
  return f.querySelector<HTMLInputElement>(`input[data-side=${name}]`)!;
}

describe("synchronisation conflicts", () => {
  it("lists the directorate's open conflicts with the three values, readable, the server's chosen", async () => {
    await openConflicts();
    const rows = await screen.findAllByTestId("conflict-row");
    // dvp-durres's conflict is not shown to a supervisor of dvp-tirane
    expect(rows.map((r) => r.getAttribute("data-id"))).toEqual([CONFLICT_IDS.clerk, CONFLICT_IDS.own]);
    const c = row(CONFLICT_IDS.clerk);
    expect(c).toHaveTextContent("Hoxha Arben");
    expect(c).toHaveTextContent("Stacioni st-tr-02 · punonjësi clerk · 28.03.2026 10:15");
    const dob = field(c, "identity.date_of_birth");
    expect(within(dob).getByText("Datëlindja")).toBeInTheDocument();
    expect(side(dob, "base").closest("label")).toHaveTextContent("Vlera e mëparshme29.02.1980");
    expect(side(dob, "server").closest("label")).toHaveTextContent("Në server01.03.1980");
    expect(side(dob, "station").closest("label")).toHaveTextContent("Nga stacioni28.02.1980");
    expect(side(dob, "server")).toBeChecked();
    expect(side(field(c, "identity.father_name"), "server")).toBeChecked();
    expect(screen.getByTestId("nav-conflicts")).toHaveAttribute("data-count", "2");
  });

  it("sends exactly the path whose chosen value differs from the server's, then reloads the list", async () => {
    const { user, fake } = await openConflicts();
    const c = await waitFor(() => row(CONFLICT_IDS.clerk));
    await user.click(side(field(c, "identity.father_name"), "station"));
    await user.click(within(c).getByTestId("conflict-resolve"));
    await waitFor(() => expect(fake.decisions).toHaveLength(1));
    expect(fake.callsOf("resolveConflict")).toEqual([
      [{ conflict_id: CONFLICT_IDS.clerk, choices: [{ path: "identity.father_name", value: "Petrit Ali" }] } satisfies ConflictDecision],
    ]);
    await waitFor(() => expect(screen.getAllByTestId("conflict-row")).toHaveLength(1));
    expect(fake.callsOf("conflicts")).toHaveLength(2);
    expect(screen.getByTestId("nav-conflicts")).toHaveAttribute("data-count", "1");
    expect(screen.getByTestId("status")).toHaveTextContent("Konflikti u vendos.");
  });

  it("sends typed values: text stays a string, a day typed dd.mm.yyyy goes as ISO; keeping the server's sends nothing", async () => {
    const { user, fake } = await openConflicts();
    const c = await waitFor(() => row(CONFLICT_IDS.clerk));
    const father = field(c, "identity.father_name");
    const fatherEdit = within(father).getByTestId("conflict-edit-value");
    expect(fatherEdit).toBeDisabled();
    await user.click(side(father, "edit"));
    expect(fatherEdit).toBeEnabled();
    await user.clear(fatherEdit);
    await user.type(fatherEdit, "Petrit Ndue");

    const dob = field(c, "identity.date_of_birth");
    await user.click(side(dob, "edit"));
    const dobEdit = within(dob).getByTestId("conflict-edit-value");
    await user.clear(dobEdit);
    await user.type(dobEdit, "31.02.1980");
    await user.click(within(c).getByTestId("conflict-resolve"));
    // not a real day: said at the field, nothing sent
    expect(await within(dob).findByText("Data duhet të jetë dd.mm.vvvv.")).toBeInTheDocument();
    expect(dobEdit).toHaveAttribute("aria-invalid", "true");
    expect(fake.callsOf("resolveConflict")).toHaveLength(0);

    await user.clear(dobEdit);
    await user.type(dobEdit, "2.3.1980");
    await user.click(within(c).getByTestId("conflict-resolve"));
    await waitFor(() => expect(fake.decisions).toHaveLength(1));
    expect(fake.decisions[0]!.choices).toEqual([
      { path: "identity.father_name", value: "Petrit Ndue" },
      { path: "identity.date_of_birth", value: "1980-03-02" },
    ]);
  });

  it("takes a whole number typed for a number (a height), and says so at the field when it is not one", async () => {
    const { user, fake } = await openConflicts();
    const c = await waitFor(() => row(CONFLICT_IDS.clerk));
    const height = field(c, "description.height_cm");
    expect(side(height, "station").closest("label")).toHaveTextContent("175");
    await user.click(side(height, "edit"));
    const edit = within(height).getByTestId("conflict-edit-value");
    // starts from the station's value
    expect(edit).toHaveValue("175");
    await user.clear(edit);
    await user.type(edit, "17a");
    await user.click(within(c).getByTestId("conflict-resolve"));
    expect(await within(height).findByText("Shkruani një numër të plotë.")).toBeInTheDocument();
    expect(edit).toHaveAttribute("aria-invalid", "true");
    expect(fake.callsOf("resolveConflict")).toHaveLength(0);

    await user.clear(edit);
    await user.type(edit, "177");
    await user.click(within(c).getByTestId("conflict-resolve"));
    await waitFor(() => expect(fake.decisions).toHaveLength(1));
    expect(fake.decisions[0]!.choices).toEqual([{ path: "description.height_cm", value: 177 }]);
  });

  it("closes a conflict with the server's values by sending no choice", async () => {
    const { user, fake } = await openConflicts();
    const c = await waitFor(() => row(CONFLICT_IDS.clerk));
    await user.click(side(field(c, "identity.father_name"), "station"));
    await user.click(side(field(c, "identity.father_name"), "server"));
    await user.click(within(c).getByTestId("conflict-resolve"));
    await waitFor(() => expect(fake.decisions).toEqual([{ conflict_id: CONFLICT_IDS.clerk, choices: [] }]));
  });

  it("disables the supervisor's own conflict with the reason (four eyes), and the server refuses it with own_work", async () => {
    const { fake } = await openConflicts();
    const own = await waitFor(() => row(CONFLICT_IDS.own));
    expect(own).toHaveAttribute("data-may-resolve", "false");
    expect(within(own).getByTestId("conflict-own")).toHaveTextContent("Ky konflikt vjen nga ndryshimi juaj");
    expect(within(own).getByTestId("conflict-resolve")).toBeDisabled();
    const street = field(own, `addresses[${KOLA_ADDRESS}].street`);
    expect(within(street).getByText("Adresa · Rruga, nr.")).toBeInTheDocument();
    for (const s of ["server", "station", "base", "edit"] as const) expect(side(street, s)).toBeDisabled();

    await expect(fake.resolveConflict({ conflict_id: CONFLICT_IDS.own, choices: [] })).rejects.toMatchObject({ code: "own_work" });
  });

  it("shows a refusal at the conflict, focused, by its code", async () => {
    const { user, fake } = await openConflicts();
    const c = await waitFor(() => row(CONFLICT_IDS.clerk));
    fake.failNext("resolveConflict", {
      code: "own_work",
      message: { sq: "Nuk mund të vendosni për një konflikt të krijuar nga ndryshimi juaj.", en: "You cannot decide your own conflict." },
      fields: [],
    });
    await user.click(within(c).getByTestId("conflict-resolve"));
    const error = await within(c).findByTestId("conflict-error");
    expect(error).toHaveAttribute("data-code", "own_work");
    await waitFor(() => expect(error).toHaveFocus());
    expect(within(c).getByTestId("conflict-resolve")).toBeEnabled();
  });

  it("reloads the list when someone else decided meanwhile, saying so", async () => {
    const { user, fake } = await openConflicts();
    const c = await waitFor(() => row(CONFLICT_IDS.clerk));
    fake.resolveElsewhere(CONFLICT_IDS.clerk);
    await user.click(within(c).getByTestId("conflict-resolve"));
    const error = await screen.findByTestId("conflict-error");
    expect(error).toHaveAttribute("data-code", "conflict_resolved");
    expect(error).toHaveTextContent("Hoxha Arben: Konflikti u vendos ndërkohë nga dikush tjetër. Lista u rifreskua.");
    await waitFor(() => expect(error).toHaveFocus());
    await waitFor(() => expect(screen.getAllByTestId("conflict-row").map((r) => r.getAttribute("data-id"))).toEqual([CONFLICT_IDS.own]));
    expect(fake.decisions).toHaveLength(0);
  });

  it("says when the server cannot be reached, and tries again", async () => {
    const fake = new FakeBackend({ signedInAs: null, online: false });
    const { user } = await openConflicts(fake);
    const error = await screen.findByTestId("conflicts-error");
    expect(error).toHaveAttribute("data-code", "server_unreachable");
    fake.setOnline(true);
    await user.click(within(error).getByRole("button", { name: "Provo përsëri" }));
    expect(await screen.findAllByTestId("conflict-row")).toHaveLength(2);
  });
});

describe("what a supervisor may type", () => {
  const f = (path: string, base: unknown, server: unknown, station: unknown) => ({ path, base, server, station }) as ConflictField;
  it("is a kind per value: text, a day, a whole number; an instant or a yes/no is only picked", () => {
    expect(editKind(f("data.identity.father_name", "Ali", "Petrit", "Ndue"))).toBe("text");
    expect(editKind(f("data.identity.date_of_birth", "1980-03-01", "1980-03-02", "1980-03-03"))).toBe("date");
    expect(editKind(f("data.description.height_cm", null, 181, 178))).toBe("number");
    expect(editKind(f("void.at", null, "2026-12-02T09:00:00Z", "2026-12-02T09:30:00Z"))).toBeNull();
    expect(editKind(f("data.convictions[c-1].foreign", false, true, false))).toBeNull();
    expect(editKind(f("confirmation.by", null, "supervisor.a", "supervisor.b"))).toBeNull();
    expect(editKind(f("void.reason", null, "Gabim", "Dy herë"))).toBeNull();
    expect(editKind(f("served_on", null, "2026-12-01", "2026-12-02"))).toBeNull();
  });
});
