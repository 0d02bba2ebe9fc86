import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The Tauri shell loads http://localhost:1420 in development and ../ui/dist in a build.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
  },
  build: {
    outDir: "dist",
    // WebKitGTK and WebView2 both handle modern JavaScript.
    target: "es2022",
    // Everything becomes a file: nothing inlined that a strict CSP would have to allow.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    // generous: CI may build Rust on the same two cores while these run
    testTimeout: 20000,
  },
});
