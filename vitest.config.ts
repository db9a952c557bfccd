import { defineConfig } from "vitest/config";

// Tests run against the TypeScript sources of every workspace package (the "source" export
// condition), so a test never depends on a stale dist/. Generated artefacts (the Poseidon
// WebAssembly module) come from `npm run build`, which `npm test` runs first.
export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"], externalConditions: ["source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/support/global-redis.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
