// The only file in the UI that imports @tauri-apps/*.
import { invoke } from "@tauri-apps/api/core";
import type { Backend } from "./backend";
import { COMMANDS } from "./backend";
import { toAppError } from "./errors";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toAppError(e);
  }
}

/** The Backend over Tauri commands. Argument keys are camelCase, as Tauri expects. */
export function tauriBackend(): Backend {
  return {
    appInfo: () => call(COMMANDS.appInfo),
    referenceData: () => call(COMMANDS.referenceData),
    searchFiles: (query) => call(COMMANDS.searchFiles, { query }),
    getFile: (id) => call(COMMANDS.getFile, { id }),
    editFile: (id) => call(COMMANDS.editFile, { id }),
    checkDraft: (draft) => call(COMMANDS.checkDraft, { draft }),
    createFile: (draft) => call(COMMANDS.createFile, { draft }),
    updateFile: (id, baseVersion, draft) => call(COMMANDS.updateFile, { id, baseVersion, draft }),
  };
}
