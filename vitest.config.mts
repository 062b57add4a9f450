import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One folder per run for the packed tarball and its installs, shared by every test file (see the file).
    globalSetup: ["test/fixtures/global-setup.mts"],
    testTimeout: 30_000,
    // End-to-end suites run `pulumi up` in their beforeAll; on a loaded machine one took over 60 s. A hook that hangs
    // still fails, after four minutes.
    hookTimeout: 240_000,
    // Tests start loopback servers and child processes; two cores, so keep parallelism modest.
    maxWorkers: 2,
  },
});
