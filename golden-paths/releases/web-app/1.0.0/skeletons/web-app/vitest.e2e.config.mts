import { defineConfig } from "vitest/config";

// The end-to-end test: the built app served by `next start`, checked in Chromium.
// Run `npm run e2e` (builds first) or `npm run e2e:run` after `npm run build`.
export default defineConfig({
  test: {
    include: ["e2e/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
