import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// Built into the Python package; `voicebox serve` serves it at `/` (no Node at run time).
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "../src/voicebox/console/static",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: { "/v1": "http://127.0.0.1:8000", "/oauth": "http://127.0.0.1:8000" },
  },
  test: { environment: "node", include: ["tests/**/*.test.ts", "tests/**/*.test.tsx"], testTimeout: 30_000 },
});
