import { describe, expect, it, vi } from "vitest";
import { emptyRecordDraft, FAKE_PASSWORD, FakeBackend } from "./fake";
import { guardBackend } from "./guard";

describe("session guard", () => {
  it("announces a successful local write to its listeners, but not a read or a refused write", async () => {
    const fake = new FakeBackend();
    const id = fake.addPerson({ surname: "Hoxha", given_name: "Arben", status: "pending" });
    const guard = guardBackend(fake, vi.fn());
    const listener = vi.fn();
    const unsubscribe = guard.onLocalWrite(listener);

    await guard.backend.searchFiles({ text: "", municipality_code: null, page: 0, page_size: 25 });
    expect(listener).not.toHaveBeenCalled();
    // a clerk may not approve: refused, nothing written, nothing announced
    await expect(guard.backend.approveFile(id, 1)).rejects.toMatchObject({ code: "forbidden" });
    expect(listener).not.toHaveBeenCalled();

    const view = await guard.backend.getFile(id);
    await guard.backend.addRecord(id, { ...emptyRecordDraft(), kind: "registration_notice", date: "01.12.2024", officer: "clerk" });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(view.file.id).toBe(id);

    unsubscribe();
    await guard.backend.addRecord(id, { ...emptyRecordDraft(), kind: "registration_notice", date: "02.12.2024", officer: "clerk" });
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it("holds a command refused with session_locked and runs it again after the unlock", async () => {
    const fake = new FakeBackend();
    fake.addPerson({ surname: "Hoxha", given_name: "Arben" });
    const onSignal = vi.fn();
    const guard = guardBackend(fake, onSignal);
    fake.lockSession();

    let answered = false;
    const page = guard.backend.searchFiles({ text: "", municipality_code: null, page: 0, page_size: 25 }).then((p) => {
      answered = true;
      return p;
    });
    await vi.waitFor(() => expect(onSignal).toHaveBeenCalledWith("locked", expect.objectContaining({ code: "session_locked" })));
    expect(answered).toBe(false);

    await fake.unlock(FAKE_PASSWORD);
    guard.resume();
    expect((await page).total).toBe(1);
    expect(fake.callsOf("searchFiles")).toHaveLength(2);
  });

  it("fails held commands when the session is abandoned", async () => {
    const fake = new FakeBackend();
    const onSignal = vi.fn();
    const guard = guardBackend(fake, onSignal);
    fake.lockSession();
    const call = guard.backend.referenceData();
    await vi.waitFor(() => expect(onSignal).toHaveBeenCalledWith("locked", expect.anything()));
    const ended = { code: "no_session", message: { sq: "a", en: "b" }, fields: [] };
    guard.abandon(ended);
    await expect(call).rejects.toEqual(ended);
  });

  it("never holds a call of an abandoned session, so it cannot run later for someone else", async () => {
    const fake = new FakeBackend();
    const onSignal = vi.fn();
    const guard = guardBackend(fake, onSignal);
    const release = fake.hold("approvalQueue");
    const call = guard.backend.approvalQueue();
    guard.abandon({ code: "no_session", message: { sq: "a", en: "b" }, fields: [] });
    fake.lockSession();
    release();
    await expect(call).rejects.toMatchObject({ code: "session_locked" });
    expect(onSignal).not.toHaveBeenCalled();
    guard.resume();
    expect(fake.callsOf("approvalQueue")).toHaveLength(1);
  });

  it("signals the end of the session and a required password change, and still rejects", async () => {
    const fake = new FakeBackend();
    const onSignal = vi.fn();
    const guard = guardBackend(fake, onSignal);
    fake.expireSession();
    await expect(guard.backend.listUsers()).rejects.toMatchObject({ code: "session_expired" });
    expect(onSignal).toHaveBeenLastCalledWith("ended", expect.objectContaining({ code: "session_expired" }));

    fake.user("clerk").must_change_password = true;
    fake.startSession("clerk");
    await expect(guard.backend.referenceData()).rejects.toMatchObject({ code: "password_change_required" });
    expect(onSignal).toHaveBeenLastCalledWith("must_change", expect.objectContaining({ code: "password_change_required" }));
  });

  it("passes other refusals through untouched, and leaves the session commands to the shell", async () => {
    const fake = new FakeBackend();
    const onSignal = vi.fn();
    const guard = guardBackend(fake, onSignal);
    await expect(guard.backend.listUsers()).rejects.toMatchObject({ code: "forbidden" });
    fake.lockSession();
    await expect(guard.backend.changePassword("a", "b")).rejects.toMatchObject({ code: "session_locked" });
    expect(onSignal).not.toHaveBeenCalled();
  });
});
