// One polite live region for status messages ("25 files found", "Saved").
import { createContext, useCallback, useContext, useState } from "react";
import type { ReactNode } from "react";

type Announce = (message: string) => void;

const StatusContext = createContext<Announce>(() => {});

export function StatusProvider({ children }: { children: ReactNode }) {
  const [message, setMessage] = useState("");
  const announce = useCallback<Announce>((m) => setMessage(m), []);
  return (
    <StatusContext.Provider value={announce}>
      {children}
      <div className="visually-hidden" role="status" aria-live="polite" data-testid="status">
        {message}
      </div>
    </StatusContext.Provider>
  );
}

export function useAnnounce(): Announce {
  return useContext(StatusContext);
}
