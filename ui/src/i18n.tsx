// A small dictionary: Albanian first, English as the alternative. Messages that come from
// Rust (AppError, FieldError) are already bilingual and are shown with `text()`.
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import type { Text } from "./generated/Text";

export type Lang = "sq" | "en";

export const LANG_STORAGE_KEY = "regjistri.lang";

const sq = {
  appName: "Regjistri",
  skipToContent: "Kalo te përmbajtja",
  langSwitch: "EN",
  langSwitchLabel: "Switch to English",
  newFile: "Dosje e re",
  station: "Stacioni",
  directorate: "Drejtoria",
  fileCount: "Dosje",
  loading: "Duke u ngarkuar…",
  startupTitle: "Aplikacioni nuk mund të nisë",
  errorCode: "Kodi",
  // search
  searchLabel: "Kërko (emër, mbiemër, numër personal ose datëlindje)",
  searchPlaceholder: "p.sh. Hoxha Arben, G80218157A, 29.02.1980",
  municipalityFilter: "Bashkia (vendbanimi)",
  allMunicipalities: "Të gjitha bashkitë",
  resultsCaption: "Rezultatet e kërkimit",
  colSurname: "Mbiemri",
  colGivenName: "Emri",
  colFatherName: "Atësia",
  colDateOfBirth: "Datëlindja",
  colNid: "Nr. personal",
  colMunicipality: "Bashkia",
  colStatus: "Statusi",
  colMatch: "Përputhja",
  pages: "Faqet e rezultateve",
  previous: "Mëparshmja",
  next: "Tjetra",
  of: "nga",
  noResults: "Asnjë dosje nuk u gjet.",
  searching: "Duke kërkuar…",
  resultsStatus: "{count} dosje u gjetën",
  keyboardHint: "↑ ↓ zgjedh, Enter hap dosjen",
  status_pending: "Në pritje",
  status_approved: "Miratuar",
  status_returned: "Kthyer",
  status_removed: "Hequr",
  match_exact: "E saktë",
  match_variant: "Variant",
  match_prefix: "Fillim",
  match_listed: "Listë",
  // person view
  back: "Kthehu",
  edit: "Ndrysho",
  photo: "Foto",
  noPhoto: "Pa foto",
  identity: "Identiteti",
  description: "Përshkrimi",
  convictions: "Dënimet",
  addresses: "Adresat",
  history: "Historiku i ndryshimeve",
  surname: "Mbiemri",
  givenName: "Emri",
  fatherName: "Atësia",
  motherName: "Amësia",
  sex: "Gjinia",
  sex_M: "Mashkull",
  sex_F: "Femër",
  dateOfBirth: "Datëlindja",
  placeOfBirth: "Vendlindja",
  nid: "Numri personal",
  nidOverridden: "shifra e kontrollit e konfirmuar me dorë",
  citizenships: "Shtetësitë",
  citizenship: "Shtetësia",
  aliases: "Pseudonime dhe emra të mëparshëm",
  aliasKind: "Lloji",
  alias_alias: "Pseudonim",
  alias_former_name: "Emër i mëparshëm",
  alias_maiden_name: "Mbiemër vajzërie",
  heightCm: "Gjatësia (cm)",
  eyeColour: "Ngjyra e syve",
  hairColour: "Ngjyra e flokëve",
  marks: "Shenja, plagë, tatuazhe",
  court: "Gjykata",
  foreign: "Vendim i huaj",
  domestic: "Vendim shqiptar",
  country: "Shteti",
  courtName: "Emri i gjykatës",
  decisionNumber: "Nr. i vendimit",
  decisionDate: "Data e vendimit",
  finalDate: "Data e formës së prerë",
  articles: "Nenet e Kodit Penal",
  unconfirmed: "i pakonfirmuar",
  sentenceMonths: "Dënimi (muaj)",
  sentenceText: "Dënimi (përshkrim)",
  custodyFrom: "Në paraburgim/burg nga",
  releaseDate: "Data e lirimit",
  recognition: "Njohja nga gjykata shqiptare",
  victimAge: "Mosha e viktimës",
  victimRelationship: "Lidhja me viktimën",
  addressKind: "Lloji i adresës",
  address_residence: "Vendbanim",
  address_temporary_stay: "Qëndrim i përkohshëm",
  address_work: "Punë",
  municipality: "Bashkia",
  street: "Rruga, nr.",
  from: "Nga",
  to: "Deri",
  untilNow: "sot",
  validUntil: "deri",
  status: "Statusi",
  owningDirectorate: "Drejtoria përgjegjëse",
  created: "Krijuar",
  updated: "Ndryshuar",
  version: "Versioni",
  time: "Koha",
  actor: "Përdoruesi",
  action: "Veprimi",
  changes: "Ndryshimet",
  action_create: "Krijim",
  action_update: "Ndryshim",
  none: "—",
  months: "muaj",
  // form
  newFileTitle: "Dosje e re",
  editFileTitle: "Ndrysho dosjen",
  steps: "Hapat",
  step: "Hapi",
  stepIdentity: "Identiteti",
  stepDescription: "Përshkrimi",
  stepConvictions: "Dënimet",
  stepAddresses: "Adresat",
  stepReview: "Përmbledhja",
  datePlaceholder: "dd.mm.vvvv",
  choose: "— zgjidh —",
  nextStep: "Hapi tjetër",
  previousStep: "Hapi i mëparshëm",
  save: "Ruaj",
  saving: "Duke ruajtur…",
  checking: "Duke kontrolluar…",
  cancel: "Anulo",
  addCitizenship: "Shto shtetësi",
  addAlias: "Shto pseudonim",
  addConviction: "Shto dënim",
  addAddress: "Shto adresë",
  remove: "Hiq",
  conviction: "Dënimi",
  address: "Adresa",
  alias: "Pseudonimi",
  noAddresses: "Asnjë adresë ende.",
  noConvictions: "Asnjë dënim ende.",
  confirmWarnings: "Konfirmoj",
  confirmWarningsHint: "Kam kontrolluar paralajmërimet dhe i konfirmoj.",
  warnings: "Paralajmërime",
  problemsInStep: "Probleme në këtë hap",
  problemsAll: "Dosja ka probleme që duhen rregulluar para ruajtjes",
  goToStep: "Shko te hapi",
  stepHasErrors: "Hapi ka gabime: rregullojini dhe provoni përsëri.",
  stepOk: "Hapi u kontrollua.",
  saved: "Dosja u ruajt.",
  saveHint: "Ctrl+Enter ruan dosjen",
  versionConflictAction: "Hap versionin e fundit",
  warningLabel: "Paralajmërim",
  errorLabel: "Gabim",
} as const;

export type MessageKey = keyof typeof sq;

const en: Record<MessageKey, string> = {
  appName: "Regjistri",
  skipToContent: "Skip to content",
  langSwitch: "SQ",
  langSwitchLabel: "Kalo në shqip",
  newFile: "New file",
  station: "Station",
  directorate: "Directorate",
  fileCount: "Files",
  loading: "Loading…",
  startupTitle: "The application cannot start",
  errorCode: "Code",
  searchLabel: "Search (name, surname, personal number or date of birth)",
  searchPlaceholder: "e.g. Hoxha Arben, G80218157A, 29.02.1980",
  municipalityFilter: "Municipality (residence)",
  allMunicipalities: "All municipalities",
  resultsCaption: "Search results",
  colSurname: "Surname",
  colGivenName: "Given name",
  colFatherName: "Father's name",
  colDateOfBirth: "Date of birth",
  colNid: "Personal no.",
  colMunicipality: "Municipality",
  colStatus: "Status",
  colMatch: "Match",
  pages: "Result pages",
  previous: "Previous",
  next: "Next",
  of: "of",
  noResults: "No file found.",
  searching: "Searching…",
  resultsStatus: "{count} files found",
  keyboardHint: "↑ ↓ select, Enter opens the file",
  status_pending: "Pending",
  status_approved: "Approved",
  status_returned: "Returned",
  status_removed: "Removed",
  match_exact: "Exact",
  match_variant: "Variant",
  match_prefix: "Prefix",
  match_listed: "Listed",
  back: "Back",
  edit: "Edit",
  photo: "Photo",
  noPhoto: "No photo",
  identity: "Identity",
  description: "Description",
  convictions: "Convictions",
  addresses: "Addresses",
  history: "History of changes",
  surname: "Surname",
  givenName: "Given name",
  fatherName: "Father's name",
  motherName: "Mother's name",
  sex: "Sex",
  sex_M: "Male",
  sex_F: "Female",
  dateOfBirth: "Date of birth",
  placeOfBirth: "Place of birth",
  nid: "Personal number",
  nidOverridden: "check letter confirmed by hand",
  citizenships: "Citizenships",
  citizenship: "Citizenship",
  aliases: "Aliases and former names",
  aliasKind: "Kind",
  alias_alias: "Alias",
  alias_former_name: "Former name",
  alias_maiden_name: "Maiden name",
  heightCm: "Height (cm)",
  eyeColour: "Eye colour",
  hairColour: "Hair colour",
  marks: "Scars, marks, tattoos",
  court: "Court",
  foreign: "Foreign decision",
  domestic: "Albanian decision",
  country: "Country",
  courtName: "Court name",
  decisionNumber: "Decision no.",
  decisionDate: "Decision date",
  finalDate: "Date it became final",
  articles: "Criminal Code articles",
  unconfirmed: "unconfirmed",
  sentenceMonths: "Sentence (months)",
  sentenceText: "Sentence (description)",
  custodyFrom: "In custody from",
  releaseDate: "Release date",
  recognition: "Recognition by an Albanian court",
  victimAge: "Victim's age",
  victimRelationship: "Relationship to the victim",
  addressKind: "Address type",
  address_residence: "Residence",
  address_temporary_stay: "Temporary stay",
  address_work: "Work",
  municipality: "Municipality",
  street: "Street, no.",
  from: "From",
  to: "To",
  untilNow: "present",
  validUntil: "until",
  status: "Status",
  owningDirectorate: "Responsible directorate",
  created: "Created",
  updated: "Updated",
  version: "Version",
  time: "Time",
  actor: "By",
  action: "Action",
  changes: "Changes",
  action_create: "Created",
  action_update: "Updated",
  none: "—",
  months: "months",
  newFileTitle: "New file",
  editFileTitle: "Edit file",
  steps: "Steps",
  step: "Step",
  stepIdentity: "Identity",
  stepDescription: "Description",
  stepConvictions: "Convictions",
  stepAddresses: "Addresses",
  stepReview: "Review",
  datePlaceholder: "dd.mm.yyyy",
  choose: "— choose —",
  nextStep: "Next step",
  previousStep: "Previous step",
  save: "Save",
  saving: "Saving…",
  checking: "Checking…",
  cancel: "Cancel",
  addCitizenship: "Add citizenship",
  addAlias: "Add alias",
  addConviction: "Add conviction",
  addAddress: "Add address",
  remove: "Remove",
  conviction: "Conviction",
  address: "Address",
  alias: "Alias",
  noAddresses: "No address yet.",
  noConvictions: "No conviction yet.",
  confirmWarnings: "I confirm",
  confirmWarningsHint: "I have checked the warnings and confirm them.",
  warnings: "Warnings",
  problemsInStep: "Problems in this step",
  problemsAll: "The file has problems to fix before saving",
  goToStep: "Go to step",
  stepHasErrors: "This step has errors: fix them and try again.",
  stepOk: "Step checked.",
  saved: "The file was saved.",
  saveHint: "Ctrl+Enter saves the file",
  versionConflictAction: "Open the latest version",
  warningLabel: "Warning",
  errorLabel: "Error",
};

const dictionaries: Record<Lang, Record<MessageKey, string>> = { sq, en };

export interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  /** A dictionary entry; `{name}` placeholders are filled from `vars`. */
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  /** The current language's half of a bilingual message from Rust. */
  text(message: Text): string;
}

function storedLang(): Lang {
  try {
    const v = window.localStorage.getItem(LANG_STORAGE_KEY);
    return v === "en" ? "en" : "sq";
  } catch {
    return "sq";
  }
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(storedLang);

  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    try {
      window.localStorage.setItem(LANG_STORAGE_KEY, l);
    } catch {
      // storage unavailable: the choice lasts for this session only
    }
  }, []);

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  const value = useMemo<I18n>(() => {
    const dict = dictionaries[lang];
    return {
      lang,
      setLang,
      t: (key, vars) => {
        let s = dict[key];
        if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
        return s;
      },
      text: (m) => (lang === "en" ? m.en : m.sq) || m.sq || m.en,
    };
  }, [lang, setLang]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (!v) throw new Error("useI18n outside I18nProvider");
  return v;
}
