/**
 * The e2e suite's secret check. What counts as a leak (a registered secret, anything shaped like a JWT) is in
 * test/fixtures/secret-leaks.mts, which every Pulumi run of the shared project fixture applies to its output;
 * this adds the check of the exported state after every test.
 */
import { afterEach } from "vitest";

export { assertNoSecretLeaks, findSecretLeaks, JWT_PATTERN, SecretLeakError } from "../fixtures/secret-leaks.mjs";

interface StateChecked {
  checkStateForSecrets(): Promise<unknown>;
  readonly disposed: boolean;
}

/** After every test: `pulumi stack export` of each listed project must hold no registered secret and no JWT. */
export function guardSecrets(projects: () => Iterable<StateChecked | undefined>): void {
  afterEach(async () => {
    for (const project of projects()) {
      if (project && !project.disposed) await project.checkStateForSecrets();
    }
  });
}
