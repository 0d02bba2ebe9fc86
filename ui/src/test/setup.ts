import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach, vi } from "vitest";

// findBy / waitFor wait up to 5 s rather than 1 s: the files run in parallel on two cores,
// and a test that is only slow must not fail (a wrong screen still fails, just later).
configure({ asyncUtilTimeout: 5000 });

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  window.localStorage.clear();
});
