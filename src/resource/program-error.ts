import * as pulumi from "@pulumi/pulumi";
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
    quietLateRejectionHandlers();
    return new pulumi.RunError(`UserWorkerAssets "${resourceName}": ${error.message}`);
  }
  return error;
}

let quieted = false;

/**
 * The rejected output reaches Pulumi's unhandled-rejection handler (which prints the error) before the resource's
 * serialization awaits it, so Node then prints "PromiseRejectionHandledWarning: Promise rejection was handled
 * asynchronously" twice next to the message. Node prints that warning only when nobody listens for
 * `rejectionHandled`; listening from here, once a program is already failing on bad input, drops the noise and
 * changes nothing for programs that succeed.
 */
function quietLateRejectionHandlers(): void {
  if (quieted) return;
  quieted = true;
  process.on("rejectionHandled", () => {});
}

/** Runs one preparation step of the program, turning input errors into clean CLI errors. */
export async function preparing<T>(resourceName: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw asProgramError(resourceName, error);
  }
}
