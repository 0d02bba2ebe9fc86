import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import { FakeBackend } from "./backend/fake";
import { LANG_STORAGE_KEY } from "./i18n";
import { renderApp } from "./test/render";

describe("startup", () => {
  it("shows only a full-screen error, in both languages with its code, when app_info fails", async () => {
    const fake = new FakeBackend().failNext("appInfo", {
      code: "key_store_locked",
      message: { sq: "Ruajtja e çelësave është e kyçur.", en: "The key store is locked." },
      fields: [],
    });
    render(<App backend={fake} />);
    const error = await screen.findByTestId("startup-error");
    expect(error).toHaveTextContent("Ruajtja e çelësave është e kyçur.");
    expect(error).toHaveTextContent("The key store is locked.");
    expect(screen.getByTestId("startup-error-code")).toHaveTextContent("key_store_locked");
    expect(screen.queryByTestId("search-input")).not.toBeInTheDocument();
    expect(screen.queryByTestId("new-file")).not.toBeInTheDocument();
    expect(fake.callsOf("searchFiles")).toHaveLength(0);
  });

  it("reports a rejection that is not an AppError as code internal", async () => {
    const fake = new FakeBackend().failNext("referenceData", "reference tables missing");
    render(<App backend={fake} />);
    const error = await screen.findByTestId("startup-error");
    expect(screen.getByTestId("startup-error-code")).toHaveTextContent("internal");
    expect(error).toHaveTextContent("reference tables missing");
  });

  it("shows the station, directorate and file count in the header", async () => {
    const fake = new FakeBackend();
    fake.addMany(3);
    await renderApp(fake);
    expect(screen.getByTestId("station")).toHaveTextContent("Komisariati Tiranë 1");
    expect(screen.getByText("Drejtoria Vendore e Policisë Tiranë")).toBeInTheDocument();
    expect(screen.getByTestId("file-count")).toHaveTextContent("3");
  });
});

describe("language switch", () => {
  it("starts in Albanian and switches labels to English, remembering the choice", async () => {
    const { user, unmount } = await renderApp();
    expect(document.documentElement.lang).toBe("sq");
    expect(screen.getByTestId("new-file")).toHaveTextContent("Dosje e re");
    expect(screen.getByLabelText(/^Kërko \(/)).toBe(screen.getByTestId("search-input"));
    expect(screen.getByTestId("lang-switch")).toHaveTextContent(/^EN/);

    await user.click(screen.getByTestId("lang-switch"));
    expect(screen.getByTestId("new-file")).toHaveTextContent("New file");
    expect(screen.getByLabelText(/^Search \(/)).toBe(screen.getByTestId("search-input"));
    expect(screen.getByRole("columnheader", { name: "Surname" })).toBeInTheDocument();
    expect(screen.getByTestId("lang-switch")).toHaveTextContent(/^SQ/);
    expect(document.documentElement.lang).toBe("en");
    expect(window.localStorage.getItem(LANG_STORAGE_KEY)).toBe("en");

    unmount();
    await renderApp();
    expect(screen.getByTestId("new-file")).toHaveTextContent("New file");
  });

  it("shows messages from Rust in the chosen language", async () => {
    const fake = new FakeBackend();
    const { user } = await renderApp(fake);
    await user.click(screen.getByTestId("lang-switch"));
    await user.click(screen.getByTestId("new-file"));
    await screen.findByTestId("file-form");
    await user.click(screen.getByTestId("next-step"));
    const surname = document.querySelector('[data-field="identity.surname"]')!;
    await waitFor(() => expect(surname).toHaveAttribute("aria-invalid", "true"));
    expect(document.getElementById(surname.getAttribute("aria-describedby")!)).toHaveTextContent("This field is required.");
    expect(screen.getByLabelText(/^Surname/)).toBe(surname);

    await user.click(screen.getByTestId("lang-switch"));
    expect(document.getElementById(surname.getAttribute("aria-describedby")!)).toHaveTextContent("Fusha është e detyrueshme.");
    expect(screen.getByLabelText(/^Mbiemri/)).toBe(surname);
  });

  it("shows the startup error in the remembered language first", async () => {
    window.localStorage.setItem(LANG_STORAGE_KEY, "en");
    const fake = new FakeBackend().failNext("appInfo", {
      code: "database_unreadable",
      message: { sq: "Baza e të dhënave nuk mund të hapet.", en: "The database cannot be opened." },
      fields: [],
    });
    render(<App backend={fake} />);
    const error = await screen.findByTestId("startup-error");
    expect(error.querySelector("h1")).toHaveTextContent("The application cannot start");
    expect(error.querySelector(".startup-error__message")).toHaveTextContent("The database cannot be opened.");
    void userEvent;
  });
});
