import { useCallback, useEffect, useState } from "react";
import type { AppError } from "./generated/AppError";
import type { AppInfo } from "./generated/AppInfo";
import type { ReferenceSet } from "./generated/ReferenceSet";
import type { Backend } from "./backend/backend";
import { BackendProvider, useBackend } from "./backend/context";
import { toAppError } from "./backend/errors";
import { FileForm } from "./form/FileForm";
import { I18nProvider, useI18n } from "./i18n";
import { Header } from "./screens/Header";
import { PersonView } from "./screens/PersonView";
import { INITIAL_SEARCH, SearchScreen } from "./screens/SearchScreen";
import type { SearchState } from "./screens/SearchScreen";
import { StartupError } from "./screens/StartupError";
import { StatusProvider } from "./status";

type Screen =
  | { kind: "list" }
  | { kind: "person"; id: string }
  | { kind: "new" }
  | { kind: "edit"; id: string };

type Boot =
  | { state: "loading" }
  | { state: "failed"; error: AppError }
  | { state: "ready"; info: AppInfo; reference: ReferenceSet };

function Shell() {
  const backend = useBackend();
  const { t } = useI18n();
  const [boot, setBoot] = useState<Boot>({ state: "loading" });
  const [screen, setScreen] = useState<Screen>({ kind: "list" });
  const [search, setSearch] = useState<SearchState>(INITIAL_SEARCH);

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const info = await backend.appInfo();
        const reference = await backend.referenceData();
        if (live) setBoot({ state: "ready", info, reference });
      } catch (e) {
        if (live) setBoot({ state: "failed", error: toAppError(e) });
      }
    })();
    return () => {
      live = false;
    };
  }, [backend]);

  const refreshInfo = useCallback(() => {
    backend.appInfo().then(
      (info) => setBoot((b) => (b.state === "ready" ? { ...b, info } : b)),
      () => {
        // the count stays as it was; the next screen shows any real failure
      },
    );
  }, [backend]);

  const toList = useCallback(() => setScreen({ kind: "list" }), []);
  const open = useCallback((id: string) => setScreen({ kind: "person", id }), []);

  if (boot.state === "loading") {
    return (
      <main className="loading" aria-busy="true">
        <p>{t("loading")}</p>
      </main>
    );
  }
  if (boot.state === "failed") return <StartupError error={boot.error} />;

  const { info, reference } = boot;
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t("skipToContent")}
      </a>
      <Header info={info} reference={reference} onHome={toList} onNewFile={() => setScreen({ kind: "new" })} />
      {screen.kind === "list" && (
        <SearchScreen reference={reference} state={search} onStateChange={setSearch} onOpen={open} />
      )}
      {screen.kind === "person" && (
        <PersonView
          key={screen.id}
          id={screen.id}
          reference={reference}
          onBack={toList}
          onEdit={(id) => setScreen({ kind: "edit", id })}
        />
      )}
      {(screen.kind === "new" || screen.kind === "edit") && (
        <FileForm
          key={screen.kind === "edit" ? `edit-${screen.id}` : "new"}
          mode={screen.kind === "edit" ? { kind: "edit", id: screen.id } : { kind: "new" }}
          reference={reference}
          onSaved={(id) => {
            refreshInfo();
            open(id);
          }}
          onCancel={() => (screen.kind === "edit" ? open(screen.id) : toList())}
          onOpenLatest={open}
        />
      )}
    </div>
  );
}

/** The whole UI over a Backend: the Tauri one in the app, a fake one in unit tests. */
export function App({ backend }: { backend: Backend }) {
  return (
    <BackendProvider backend={backend}>
      <I18nProvider>
        <StatusProvider>
          <Shell />
        </StatusProvider>
      </I18nProvider>
    </BackendProvider>
  );
}
