// "Stacioni" (administrators): enrol this workstation as a station of the central server with
// the server's https address and the enrolment bundle that `regjistri-server enrol-station`
// wrote (station certificate, its private key, the server CA), pasted or read from a file. The
// bundle holds a private key: it leaves the screen's state as soon as it was sent, whatever the
// answer, and is never shown again.
import { useEffect, useId, useRef, useState } from "react";
import type { FormEvent } from "react";
import type { AppError } from "../generated/AppError";
import type { ReferenceSet } from "../generated/ReferenceSet";
import type { StationView } from "../generated/StationView";
import { useBackend } from "../backend/context";
import { ErrorCode, toAppError } from "../backend/errors";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { directorateName } from "../reference";
import { useAnnounce } from "../status";
import { useSync } from "../sync";
import { Row } from "./FileFacts";

/** What an administrator can do about a refusal, by its code. */
const ENROL_HINTS: Record<string, MessageKey> = {
  [ErrorCode.invalidInput]: "enrolHintInvalid",
  [ErrorCode.stationIdentityInvalid]: "enrolHintIdentity",
  [ErrorCode.serverUnreachable]: "enrolHintUnreachable",
  [ErrorCode.stationUnknown]: "enrolHintUnknown",
};

const HTTPS = /^https:\/\/[^\s/]+/i;

export function StationEnrolment({ reference }: { reference: ReferenceSet }) {
  const backend = useBackend();
  const { t, text } = useI18n();
  const announce = useAnnounce();
  const sync = useSync();
  const ids = useId();
  const [url, setUrl] = useState("");
  const [bundle, setBundle] = useState("");
  const [fileName, setFileName] = useState<string | null>(null);
  const [problems, setProblems] = useState<{ url?: MessageKey; bundle?: MessageKey }>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [result, setResult] = useState<StationView | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const urlRef = useRef<HTMLInputElement>(null);
  const bundleRef = useRef<HTMLTextAreaElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const errorRef = useRef<HTMLParagraphElement>(null);
  const resultRef = useRef<HTMLDivElement>(null);
  const live = useRef(true);

  useEffect(() => {
    live.current = true;
    heading.current?.focus();
    return () => {
      live.current = false;
    };
  }, []);

  const status = sync.status;

  const forgetBundle = () => {
    setBundle("");
    setFileName(null);
    if (fileRef.current) fileRef.current.value = "";
  };

  const readFile = (file: File | undefined) => {
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => {
      if (!live.current) return;
      setBundle(typeof reader.result === "string" ? reader.result : "");
      setFileName(file.name);
      setProblems(({ url }) => (url ? { url } : {}));
      announce(t("enrolFileRead", { name: file.name }));
    };
    reader.onerror = () => {
      if (!live.current) return;
      setProblems((p) => ({ ...p, bundle: "enrolFileUnreadable" }));
    };
    reader.readAsText(file);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const found: { url?: MessageKey; bundle?: MessageKey } = {};
    if (!url.trim()) found.url = "enrolUrlRequired";
    else if (!HTTPS.test(url.trim())) found.url = "enrolUrlHttps";
    if (!bundle.trim()) found.bundle = "enrolBundleRequired";
    setProblems(found);
    if (found.url || found.bundle) {
      (found.url ? urlRef.current : bundleRef.current)?.focus();
      return;
    }
    const request = { server_url: url.trim(), bundle };
    // the private key does not stay in the screen's state, whatever the answer
    forgetBundle();
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const station = await backend.enrolStation(request);
      if (!live.current) return;
      setResult(station);
      announce(t("enrolDone", { code: station.code }));
      sync.refresh();
    } catch (err) {
      if (!live.current) return;
      setError(toAppError(err));
    } finally {
      if (live.current) setBusy(false);
    }
  };

  // Focus the outcome once it is rendered (it arrives after an await).
  useEffect(() => {
    if (result) resultRef.current?.focus();
  }, [result]);
  useEffect(() => {
    if (error) errorRef.current?.focus();
  }, [error]);

  const hint = error ? ENROL_HINTS[error.code] : undefined;

  return (
    <main className="station" id="main" data-testid="station-view">
      <h2 tabIndex={-1} ref={heading}>
        {t("stationTitle")}
      </h2>

      <section className="panel" aria-labelledby="station-now-title">
        <h3 id="station-now-title">{t("stationNowTitle")}</h3>
        {!status && <p>{t("loading")}</p>}
        {status && !status.enrolled && (
          <p className="message message--warning" data-testid="station-not-enrolled">
            {t("syncNotEnrolledLong")}
          </p>
        )}
        {status && status.enrolled && (
          <dl className="facts" data-testid="station-current" data-code={status.station}>
            <Row label={t("syncStation")}>
              <span className="mono">{status.station}</span>
            </Row>
            <Row label={t("directorate")}>{directorateName(reference, status.directorate)}</Row>
            <Row label={t("stationKind")}>
              <span data-testid="station-kind">{t(status.administration ? "stationAdministration" : "stationRegional")}</span>
            </Row>
            <Row label={t("syncServer")}>
              <span className="mono">{status.server_url ?? t("none")}</span>
            </Row>
          </dl>
        )}
      </section>

      <section className="panel" aria-labelledby="station-enrol-title">
        <h3 id="station-enrol-title">{status?.enrolled ? t("enrolAgainTitle") : t("enrolTitle")}</h3>
        <p className="note">{t("enrolIntro")}</p>
        <form className="enrol" onSubmit={(e) => void submit(e)} noValidate>
          <div className="field">
            <label htmlFor={`${ids}-url`}>
              {t("enrolServerUrl")}
              <span className="required" aria-hidden="true">
                {" "}
                *
              </span>
            </label>
            <input
              id={`${ids}-url`}
              ref={urlRef}
              type="url"
              inputMode="url"
              className="input--wide"
              data-testid="enrol-server-url"
              autoComplete="off"
              spellCheck={false}
              value={url}
              aria-required="true"
              aria-invalid={problems.url ? true : undefined}
              aria-describedby={problems.url ? `${ids}-url-problem` : `${ids}-url-hint`}
              onChange={(e) => setUrl(e.target.value)}
            />
            {problems.url ? (
              <span id={`${ids}-url-problem`} className="problem problem--error">
                {t(problems.url)}
              </span>
            ) : (
              <span id={`${ids}-url-hint`} className="hint">
                {t("enrolServerUrlHint")}
              </span>
            )}
          </div>
          <div className="field">
            <label htmlFor={`${ids}-bundle`}>
              {t("enrolBundle")}
              <span className="required" aria-hidden="true">
                {" "}
                *
              </span>
            </label>
            <textarea
              id={`${ids}-bundle`}
              ref={bundleRef}
              className="enrol__bundle mono"
              data-testid="enrol-bundle"
              rows={8}
              autoComplete="off"
              spellCheck={false}
              value={bundle}
              aria-required="true"
              aria-invalid={problems.bundle ? true : undefined}
              aria-describedby={`${ids}-bundle-note ${problems.bundle ? `${ids}-bundle-problem` : ""}`.trim()}
              onChange={(e) => {
                setBundle(e.target.value);
                setFileName(null);
              }}
            />
            <span id={`${ids}-bundle-note`} className="hint">
              {t("enrolBundleHint")}
            </span>
            {problems.bundle && (
              <span id={`${ids}-bundle-problem`} className="problem problem--error">
                {t(problems.bundle)}
              </span>
            )}
          </div>
          <div className="field">
            <label htmlFor={`${ids}-file`}>{t("enrolBundleFile")}</label>
            <input
              id={`${ids}-file`}
              ref={fileRef}
              type="file"
              data-testid="enrol-bundle-file"
              accept=".pem,.txt,.bundle,text/plain,application/x-pem-file"
              onChange={(e) => readFile(e.target.files?.[0])}
            />
            {fileName && (
              <span className="hint" data-testid="enrol-file-read">
                {t("enrolFileRead", { name: fileName })}
              </span>
            )}
          </div>
          <div className="toolbar">
            <button type="submit" className="button button--primary" data-testid="enrol-submit" disabled={busy}>
              {busy ? t("enrolling") : t("enrolSubmit")}
            </button>
          </div>
        </form>
        {error && (
          <p className="message message--error" role="alert" tabIndex={-1} ref={errorRef} data-testid="enrol-error" data-code={error.code}>
            {text(error.message)} {hint && t(hint)} <code>{error.code}</code>
          </p>
        )}
        {result && (
          <div className="message message--ok" tabIndex={-1} ref={resultRef} data-testid="enrol-result" data-code={result.code}>
            <p>{t("enrolDone", { code: result.code })}</p>
            <dl className="facts">
              <Row label={t("syncStation")}>
                <span className="mono">{result.code}</span>
              </Row>
              <Row label={t("directorate")}>{directorateName(reference, result.directorate)}</Row>
              <Row label={t("stationKind")}>{t(result.administration ? "stationAdministration" : "stationRegional")}</Row>
              <Row label={t("syncServer")}>
                <span className="mono">{result.server_url}</span>
              </Row>
            </dl>
            <p className="note">{t("enrolNext")}</p>
          </div>
        )}
      </section>
    </main>
  );
}
