import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { EnrolRequest } from "../generated/EnrolRequest";
import { FakeBackend } from "../backend/fake";
import { renderAs } from "../test/render";

const BUNDLE = [
  "-----BEGIN CERTIFICATE-----",
  "MIIB...station",
  "-----END CERTIFICATE-----",
  "-----BEGIN PRIVATE KEY-----",
  "MIG...secret",
  "-----END PRIVATE KEY-----",
  "-----BEGIN CERTIFICATE-----",
  "MIIB...ca",
  "-----END CERTIFICATE-----",
].join("\n");

async function openStation(fake = new FakeBackend({ signedInAs: null, enrolled: false })) {
  const r = await renderAs("admin", fake);
  await r.user.click(screen.getByTestId("nav-station"));
  await screen.findByTestId("station-view");
  return r;
}

describe("station enrolment", () => {
  it("enrols with the server URL and a pasted bundle, shows the station, and forgets the bundle", async () => {
    const { user, fake } = await openStation();
    expect(await screen.findByTestId("station-not-enrolled")).toBeInTheDocument();
    await user.type(screen.getByTestId("enrol-server-url"), "https://qendra.asp.gov.al:8443");
    await user.click(screen.getByTestId("enrol-bundle"));
    await user.paste(BUNDLE);
    expect(screen.getByTestId("enrol-bundle")).toHaveValue(BUNDLE);
    await user.click(screen.getByTestId("enrol-submit"));

    const result = await screen.findByTestId("enrol-result");
    expect(result).toHaveAttribute("data-code", "st-tr-07");
    expect(result).toHaveTextContent("Ky kompjuter u regjistrua si stacioni st-tr-07.");
    expect(result).toHaveTextContent("Drejtoria Vendore e Policisë Tiranë");
    expect(result).toHaveTextContent("Rajonal: llogaritë dhe dosjet e drejtorisë së vet");
    await waitFor(() => expect(result).toHaveFocus());
    expect(screen.getByTestId("enrol-bundle")).toHaveValue("");
    expect(fake.callsOf("enrolStation")).toEqual([[{ server_url: "https://qendra.asp.gov.al:8443", bundle: BUNDLE } satisfies EnrolRequest]]);
    // the status line follows
    await waitFor(() => expect(screen.getByTestId("sync-status")).toHaveAttribute("data-enrolled", "true"));
    expect(screen.getByTestId("station-current")).toHaveAttribute("data-code", "st-tr-07");
    expect(screen.getByTestId("station-kind")).toHaveTextContent("Rajonal");
  });

  it("shows a refusal by its code, focused, and forgets the bundle all the same", async () => {
    const { user } = await openStation();
    await user.type(screen.getByTestId("enrol-server-url"), "https://qendra.asp.gov.al:8443");
    await user.click(screen.getByTestId("enrol-bundle"));
    await user.paste("-----BEGIN CERTIFICATE-----\nonly a certificate\n-----END CERTIFICATE-----");
    await user.click(screen.getByTestId("enrol-submit"));
    const error = await screen.findByTestId("enrol-error");
    expect(error).toHaveAttribute("data-code", "invalid_input");
    expect(error).toHaveTextContent("Paketa e regjistrimit duhet të përmbajë certifikatën e stacionit, çelësin privat dhe CA-në e serverit.");
    await waitFor(() => expect(error).toHaveFocus());
    expect(screen.getByTestId("enrol-bundle")).toHaveValue("");
    expect(screen.getByTestId("enrol-server-url")).toHaveValue("https://qendra.asp.gov.al:8443");
    expect(screen.queryByTestId("enrol-result")).not.toBeInTheDocument();
  });

  it("says what to do when the server does not know the certificate", async () => {
    const { user, fake } = await openStation();
    fake.failNext("enrolStation", {
      code: "station_unknown",
      message: { sq: "Serveri nuk e njeh këtë stacion.", en: "The server does not know this station." },
      fields: [],
    });
    await user.type(screen.getByTestId("enrol-server-url"), "https://qendra.asp.gov.al:8443");
    await user.click(screen.getByTestId("enrol-bundle"));
    await user.paste(BUNDLE);
    await user.click(screen.getByTestId("enrol-submit"));
    const error = await screen.findByTestId("enrol-error");
    expect(error).toHaveAttribute("data-code", "station_unknown");
    expect(error).toHaveTextContent("kërkoni një paketë të re nga administratori i serverit");
    expect(screen.getByTestId("enrol-bundle")).toHaveValue("");
  });

  it("reads the bundle from a chosen file, and asks for what is missing before sending anything", async () => {
    const { user, fake } = await openStation();
    await user.click(screen.getByTestId("enrol-submit"));
    expect(await screen.findByText("Shkruani adresën e serverit.")).toBeInTheDocument();
    expect(screen.getByText("Ngjitni paketën ose zgjidhni skedarin e saj.")).toBeInTheDocument();
    expect(screen.getByTestId("enrol-server-url")).toHaveFocus();
    await user.type(screen.getByTestId("enrol-server-url"), "qendra.asp.gov.al");
    await user.click(screen.getByTestId("enrol-submit"));
    expect(await screen.findByText("Adresa duhet të nisë me https://")).toBeInTheDocument();
    expect(fake.callsOf("enrolStation")).toHaveLength(0);

    await user.upload(screen.getByTestId("enrol-bundle-file"), new File([BUNDLE], "st-tr-07.station.pem", { type: "application/x-pem-file" }));
    await waitFor(() => expect(screen.getByTestId("enrol-bundle")).toHaveValue(BUNDLE));
    expect(screen.getByTestId("enrol-file-read")).toHaveTextContent("Skedari «st-tr-07.station.pem» u lexua.");
    await user.clear(screen.getByTestId("enrol-server-url"));
    await user.type(screen.getByTestId("enrol-server-url"), "https://qendra.asp.gov.al:8443");
    await user.click(screen.getByTestId("enrol-submit"));
    expect(await screen.findByTestId("enrol-result")).toHaveAttribute("data-code", "st-tr-07");
    expect(fake.callsOf("enrolStation")[0]![0]).toMatchObject({ bundle: BUNDLE });
    expect(screen.getByTestId("enrol-bundle")).toHaveValue("");
    expect((screen.getByTestId("enrol-bundle-file") as HTMLInputElement).value).toBe("");
  });

  it("is refused to anyone but an administrator", async () => {
    const fake = new FakeBackend({ signedInAs: "supervisor", enrolled: false });
    await expect(fake.enrolStation({ server_url: "https://qendra.asp.gov.al:8443", bundle: BUNDLE })).rejects.toMatchObject({ code: "forbidden" });
  });
});
