// The one interface between the screens and the Rust application layer: one method per Tauri
// command. Every method rejects only with an AppError (see errors.ts), never anything else.
import type { AppInfo } from "../generated/AppInfo";
import type { EditForm } from "../generated/EditForm";
import type { FieldError } from "../generated/FieldError";
import type { FileDraft } from "../generated/FileDraft";
import type { FileView } from "../generated/FileView";
import type { ReferenceSet } from "../generated/ReferenceSet";
import type { Saved } from "../generated/Saved";
import type { SearchPage } from "../generated/SearchPage";
import type { SearchQuery } from "../generated/SearchQuery";

export interface Backend {
  /** `app_info` */
  appInfo(): Promise<AppInfo>;
  /** `reference_data` */
  referenceData(): Promise<ReferenceSet>;
  /** `search_files`: one page of results; the backend pages. */
  searchFiles(query: SearchQuery): Promise<SearchPage>;
  /** `get_file` */
  getFile(id: string): Promise<FileView>;
  /** `edit_file` */
  editFile(id: string): Promise<EditForm>;
  /** `check_draft`: every problem of a draft, errors and warnings, without saving. */
  checkDraft(draft: FileDraft): Promise<FieldError[]>;
  /** `create_file` */
  createFile(draft: FileDraft): Promise<Saved>;
  /** `update_file`: `baseVersion` is the version the edit started from. */
  updateFile(id: string, baseVersion: number, draft: FileDraft): Promise<Saved>;
}

/** Tauri command names, in one place so tests can check them. */
export const COMMANDS = {
  appInfo: "app_info",
  referenceData: "reference_data",
  searchFiles: "search_files",
  getFile: "get_file",
  editFile: "edit_file",
  checkDraft: "check_draft",
  createFile: "create_file",
  updateFile: "update_file",
} as const satisfies Record<keyof Backend, string>;

/** The page size the list asks for. */
export const PAGE_SIZE = 25;
