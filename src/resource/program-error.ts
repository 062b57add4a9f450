import * as pulumi from "@pulumi/pulumi";
import { quietLateRejectionWarnings } from "../host/late-rejections.js";
import { isManifestError } from "../manifest/index.js";
import { UserWorkerAssetsInputError } from "./prepare.js";

/**
 * Errors the user fixes in their input (a missing folder, a file over 25 MiB, a bad worker setting) become
 * `pulumi.RunError`s, which the CLI prints as just their message. Left as they are, Pulumi prints them as an
 * "unhandled exception" with the stack, the error's fields and its cause chain, and the one line that matters is
 * lost in the middle (found by test/e2e/bad-input). Anything else is a bug and keeps its stack.
 */
export function asProgramError(resourceName: string, error: unknown): unknown {
  if (isManifestError(error) || error instanceof UserWorkerAssetsInputError) {
    // Pulumi prints the rejected output before it is awaited; Node would add two warnings (src/host/late-rejections.ts).
    quietLateRejectionWarnings();
    return new pulumi.RunError(`UserWorkerAssets "${resourceName}": ${error.message}`);
  }
  return error;
}

/** Runs one preparation step of the program, turning input errors into clean CLI errors. */
export async function preparing<T>(resourceName: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw asProgramError(resourceName, error);
  }
}
