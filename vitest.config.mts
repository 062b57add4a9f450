import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One folder per run for the packed tarball and its installs, shared by every test file (see the file).
    globalSetup: ["test/fixtures/global-setup.mts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests start loopback servers and child processes; two cores, so keep parallelism modest.
    maxWorkers: 2,
  },
});
