import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { FAKE_PHOTO_PNG, FakeBackend } from "../backend/fake";
import { fromBase64 } from "../photo";
import { renderAs } from "../test/render";

/** Signs in `who` and opens a seeded person from the dashboard. */
async function openPerson(who: string, surname: string) {
  const fake = new FakeBackend({ signedInAs: null });
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
  return { ...r, fake, ids, timeline };
}

const png = () => new File([fromBase64(FAKE_PHOTO_PNG) as BlobPart], "foto.png", { type: "image/png" });

describe("photos", () => {
  it("shows the person's latest photo with its date, and the placeholder when there is none", async () => {
    const { fake, ids, user } = await openPerson("clerk", "Leka");
    const photo = await screen.findByTestId("person-photo");
    expect(within(photo).getByRole("img")).toHaveAttribute("src", `data:image/png;base64,${FAKE_PHOTO_PNG}`);
    expect(within(photo).getByRole("img")).toHaveAccessibleName("Foto e 29.08.2025");
    expect(screen.getByTestId("person-photo-date")).toHaveTextContent("29.08.2025");
    expect(screen.queryByTestId("photo-placeholder")).not.toBeInTheDocument();
    // Each image shown is a view in the audit trail.
    expect(fake.audit.filter((e) => e.action === "photo.view")).toHaveLength(1);

    // A person without photos: the placeholder says so.
    await user.click(screen.getByTestId("back"));
    const dash = await screen.findByTestId("dashboard-view");
    const row = within(dash)
      .getAllByTestId("dashboard-row")
      .find((b) => b.textContent?.startsWith("Shehu"))!;
    await user.click(row);
    const placeholder = await screen.findByTestId("photo-placeholder");
    expect(placeholder).toHaveTextContent("Pa foto");
    expect(ids.absconded).toBeTruthy();
  });

  it("offers a check-in's photo on the timeline, shown on demand", async () => {
    const { timeline, user } = await openPerson("clerk", "Leka");
    const links = within(timeline).getAllByTestId("check-in-photo");
    expect(links).toHaveLength(2);
    expect(within(timeline).queryByTestId("check-in-photo-image")).not.toBeInTheDocument();
    await user.click(links[0]!);
    const image = await within(timeline).findByTestId("check-in-photo-image");
    expect(image).toHaveAttribute("src", expect.stringMatching(/^data:image\/png;base64,/));
    expect(links[0]).toHaveAttribute("aria-expanded", "true");
    // A check-in from before photos keeps its old mark; one without a photo says why.
    expect(timeline).toHaveTextContent("foto e re");
  });

  it("takes a check-in's photo from a file, previews it, sends it first and names it in the record", async () => {
    const { timeline, user, fake, ids } = await openPerson("clerk", "Hoxha");
    await user.click(within(timeline).getByRole("button", { name: /Paraqitje periodike/ }));
    const form = await screen.findByTestId("record-form");
    // No photo and no reason: the form says one of them is needed, at the reason.
    await user.type(within(form).getByLabelText(/^Data e paraqitjes/), "28.03.2026");
    await user.click(within(form).getByTestId("record-save"));
    const reason = within(form).getByLabelText(/^Arsyeja pse nuk u bë foto/);
    await waitFor(() => expect(reason).toHaveAttribute("aria-invalid", "true"));
    expect(form).toHaveTextContent("Paraqitja periodike kërkon një foto të re");

    // A file that is not a JPEG or PNG is refused by its content, whatever its name.
    const input = within(form).getByLabelText(/^Foto e re/);
    await user.upload(input, new File(["GIF89a not a photo"], "foto.png", { type: "image/png" }));
    expect(await within(form).findByText("Skedari nuk është një foto JPEG ose PNG e plotë.")).toBeInTheDocument();
    expect(within(form).queryByTestId("photo-preview")).not.toBeInTheDocument();

    await user.upload(input, png());
    const preview = await within(form).findByTestId("photo-preview");
    expect(within(preview).getByRole("img", { name: "Parapamja e fotos së re" })).toHaveAttribute(
      "src",
      `data:image/png;base64,${FAKE_PHOTO_PNG}`,
    );
    // With a photo there is no reason to give.
    expect(within(form).queryByLabelText(/^Arsyeja pse nuk u bë foto/)).not.toBeInTheDocument();
    await user.click(within(form).getByTestId("record-save"));
    await waitFor(() => expect(screen.queryByTestId("record-form")).not.toBeInTheDocument());

    const sent = fake.callsOf("addPhoto");
    expect(sent).toHaveLength(1);
    expect(sent[0]![1]).toEqual({ taken_on: "28.03.2026", data_base64: FAKE_PHOTO_PNG });
    const saved = fake.callsOf("addRecord");
    const photoId = (saved[saved.length - 1]![1] as { photo_id: string }).photo_id;
    expect(photoId).toMatch(/^40000000-/);
    const last = fake.recordsOf(ids.overdue).at(-1)!;
    expect(last.data).toMatchObject({ kind: "check_in", date: "2026-03-28", photo_id: photoId });
    // The new photo is the person's latest.
    await waitFor(() => expect(screen.getByTestId("person-photo")).toHaveAttribute("data-photo-id", photoId));
  });

  it("lets the preview be removed with the keyboard, back to the reason", async () => {
    const { timeline, user } = await openPerson("clerk", "Hoxha");
    await user.click(within(timeline).getByRole("button", { name: /Paraqitje periodike/ }));
    const form = await screen.findByTestId("record-form");
    const input = within(form).getByLabelText(/^Foto e re/);
    expect(input).toHaveAttribute("accept", "image/jpeg,image/png");
    await user.upload(input, png());
    const remove = await within(form).findByTestId("photo-remove");
    remove.focus();
    await user.keyboard("{Enter}");
    expect(within(form).queryByTestId("photo-preview")).not.toBeInTheDocument();
    expect(within(form).getByLabelText(/^Arsyeja pse nuk u bë foto/)).toBeInTheDocument();
    expect(input).toHaveFocus();
  });
});

describe("voiding a photo", () => {
  it("lets a supervisor void the latest photo with a reason; the one before then shows", async () => {
    const { fake, ids, user } = await openPerson("supervisor", "Leka");
    const photo = await screen.findByTestId("person-photo");
    await user.click(within(photo).getByTestId("photo-void"));
    const form = await screen.findByTestId("photo-void-form");
    await user.click(within(form).getByTestId("photo-void-submit"));
    expect(form).toHaveTextContent("Shkruani arsyen e shfuqizimit.");
    expect(fake.callsOf("voidPhoto")).toHaveLength(0);
    await user.type(within(form).getByRole("textbox"), "Foto e një personi tjetër");
    await user.click(within(form).getByTestId("photo-void-submit"));
    await waitFor(() => expect(screen.getByTestId("person-photo-date")).toHaveTextContent("28.08.2024"));
    expect(screen.getByTestId("status")).toHaveTextContent("Fotoja u shfuqizua.");
    const voided = (await fake.listPhotos(ids.travelling)).find((p) => p.taken_on === "2025-08-29")!;
    expect(voided.void).toMatchObject({ reason: "Foto e një personi tjetër", by: "supervisor" });
  });

  it("offers a clerk no void", async () => {
    await openPerson("clerk", "Leka");
    const photo = await screen.findByTestId("person-photo");
    expect(within(photo).queryByTestId("photo-void")).not.toBeInTheDocument();
  });
});
