import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { SearchQuery } from "../generated/SearchQuery";
import { FakeBackend } from "../backend/fake";
import { renderApp } from "../test/render";

function searches(fake: FakeBackend): SearchQuery[] {
  return fake.callsOf("searchFiles").map((args) => args[0] as SearchQuery);
}

function rowsText(): string[] {
  return screen.getAllByTestId("result-row").map((r) => r.textContent ?? "");
}

describe("search list", () => {
  it("lists the first page of everything at start, focused on the search box", async () => {
    const fake = new FakeBackend();
    fake.addMany(60);
    await renderApp(fake);
    expect(searches(fake)).toEqual([{ text: "", municipality_code: null, page: 0, page_size: 25 }]);
    expect(screen.getAllByTestId("result-row")).toHaveLength(25);
    expect(screen.getByTestId("result-total")).toHaveAttribute("data-total", "60");
    expect(screen.getByTestId("result-total")).toHaveTextContent("1–25 nga 60");
    expect(screen.getByTestId("search-input")).toHaveFocus();
  });

  it("searches once, 150 ms after the last keystroke", async () => {
    const fake = new FakeBackend();
    fake.addMany(30);
    fake.addPerson({ surname: "Hoxha", given_name: "Arben" });
    fake.addPerson({ surname: "Hoxhaj", given_name: "Ilir" });
    await renderApp(fake);
    vi.useFakeTimers();
    const input = screen.getByTestId("search-input");

    // keystrokes 100 ms apart keep postponing the search
    fireEvent.change(input, { target: { value: "h" } });
    await act(() => vi.advanceTimersByTimeAsync(100));
    fireEvent.change(input, { target: { value: "ho" } });
    await act(() => vi.advanceTimersByTimeAsync(100));
    fireEvent.change(input, { target: { value: "hox" } });
    await act(() => vi.advanceTimersByTimeAsync(149));
    expect(searches(fake)).toHaveLength(1);
    await act(() => vi.advanceTimersByTimeAsync(1));
    expect(searches(fake)).toHaveLength(2);
    expect(searches(fake)[1]).toEqual({ text: "hox", municipality_code: null, page: 0, page_size: 25 });

    await act(() => vi.advanceTimersByTimeAsync(1000));
    expect(searches(fake)).toHaveLength(2);
    expect(rowsText()).toHaveLength(2);
    expect(rowsText()[0]).toContain("Hoxha");
    expect(screen.getByTestId("result-total")).toHaveAttribute("data-total", "2");
  });

  it("searches at once on Enter, and not again when the delay runs out", async () => {
    const fake = new FakeBackend();
    fake.addPerson({ surname: "Çela", given_name: "Besnik" });
    fake.addPerson({ surname: "Dervishi", given_name: "Ana" });
    await renderApp(fake);
    vi.useFakeTimers();
    const input = screen.getByTestId("search-input");

    fireEvent.change(input, { target: { value: "cela" } });
    fireEvent.keyDown(input, { key: "Enter" });
    expect(searches(fake)).toHaveLength(2);
    expect(searches(fake)[1]!.text).toBe("cela");
    await act(() => vi.advanceTimersByTimeAsync(500));
    expect(searches(fake)).toHaveLength(2);
    // stored with its diacritics, found without them
    expect(rowsText()).toHaveLength(1);
    expect(rowsText()[0]).toContain("Çela");
  });

  it("pages through the backend one page per request", async () => {
    const fake = new FakeBackend();
    fake.addMany(60);
    const { user } = await renderApp(fake);

    expect(screen.getByTestId("page-previous")).toBeDisabled();
    await user.click(screen.getByTestId("page-next"));
    await waitFor(() => expect(screen.getByTestId("result-total")).toHaveTextContent("26–50 nga 60"));
    expect(rowsText()[0]).toContain("Person0026");

    await user.click(screen.getByTestId("page-next"));
    await waitFor(() => expect(screen.getByTestId("result-total")).toHaveTextContent("51–60 nga 60"));
    expect(screen.getAllByTestId("result-row")).toHaveLength(10);
    expect(screen.getByTestId("page-next")).toBeDisabled();

    await user.click(screen.getByTestId("page-previous"));
    await waitFor(() => expect(screen.getByTestId("result-total")).toHaveTextContent("26–50 nga 60"));

    expect(searches(fake).map((q) => [q.page, q.page_size])).toEqual([
      [0, 25],
      [1, 25],
      [2, 25],
      [1, 25],
    ]);
  });

  it("groups large totals and exposes the bare number", async () => {
    const fake = new FakeBackend();
    fake.addMany(3);
    vi.spyOn(fake, "searchFiles").mockImplementation(async (q) => ({
      total: 10000,
      page: q.page,
      page_size: 25,
      items: [],
      interpreted_as: "none",
      national: [],
    }));
    fake.info.file_count = 10000;
    await renderApp(fake);
    const total = screen.getByTestId("result-total");
    expect(total).toHaveAttribute("data-total", "10000");
    expect(total.textContent).toBe("1–25 nga 10\u00a0000");
  });

  it("filters by municipality", async () => {
    const fake = new FakeBackend();
    fake.addPerson({ surname: "Kola", given_name: "Agim", municipality_code: "durres" });
    fake.addPerson({ surname: "Leka", given_name: "Ervin", municipality_code: "tirane" });
    const { user } = await renderApp(fake);
    await user.selectOptions(screen.getByLabelText("Bashkia (vendbanimi)"), "durres");
    await waitFor(() => expect(screen.getAllByTestId("result-row")).toHaveLength(1));
    expect(searches(fake).at(-1)).toEqual({ text: "", municipality_code: "durres", page: 0, page_size: 25 });
    expect(rowsText()[0]).toContain("Kola");
  });

  it("moves the selection with the arrow keys and opens the file with Enter", async () => {
    const fake = new FakeBackend();
    fake.addPerson({ surname: "Alia", given_name: "Bora" });
    const second = fake.addPerson({ surname: "Brahimi", given_name: "Dritan" });
    fake.addPerson({ surname: "Cani", given_name: "Elton" });
    const { user } = await renderApp(fake);
    const rows = () => screen.getAllByTestId("result-row");
    const input = screen.getByTestId("search-input");

    expect(rows().map((r) => r.getAttribute("aria-selected"))).toEqual(["false", "false", "false"]);
    await user.keyboard("{ArrowDown}{ArrowDown}{ArrowDown}{ArrowDown}");
    expect(rows()[2]).toHaveAttribute("aria-selected", "true");
    expect(input).toHaveAttribute("aria-activedescendant", rows()[2]!.id);
    await user.keyboard("{ArrowUp}");
    expect(rows()[1]).toHaveAttribute("aria-selected", "true");
    expect(rows()[2]).toHaveAttribute("aria-selected", "false");

    await user.keyboard("{Enter}");
    const view = await screen.findByTestId("person-view");
    await waitFor(() => expect(view).toHaveTextContent("Brahimi"));
    expect(fake.callsOf("getFile")).toEqual([[second]]);
    expect(searches(fake)).toHaveLength(1);
  });

  it("goes back to the same search with Escape", async () => {
    const fake = new FakeBackend();
    fake.addPerson({ surname: "Hoxha", given_name: "Arben" });
    fake.addPerson({ surname: "Leka", given_name: "Ervin" });
    const { user } = await renderApp(fake);
    await user.type(screen.getByTestId("search-input"), "leka{Enter}");
    await waitFor(() => expect(screen.getAllByTestId("result-row")).toHaveLength(1));
    await user.click(screen.getAllByTestId("result-row")[0]!);
    await waitFor(() => expect(screen.getByTestId("person-view")).toHaveTextContent("Leka"));

    await user.keyboard("{Escape}");
    const input = await screen.findByTestId("search-input");
    expect(input).toHaveValue("leka");
    await waitFor(() => expect(screen.getAllByTestId("result-row")).toHaveLength(1));
    expect(within(screen.getAllByTestId("result-row")[0]!).getByText("Leka")).toBeInTheDocument();
  });
});
