/**
 * Host workaround: no stack traces while a resource is constructed.
 *
 * Why: Pulumi's Node.js SDK stamps every promise it makes for a resource's outputs (four per property: value, known,
 * secret, dependencies; runtime/debuggable.js `debuggablePromise`) with `new Error().stack`, only to print it if the
 * program exits with that promise still pending. Formatting those stacks through source maps costs ~10 ms of program
 * CPU per `UserWorkerAssets`, the larger half of a 1,000-tenant preview (bench/README.md, tenants). With
 * `Error.stackTraceLimit = 0` V8 captures no frames, so the stamp is just "Error". The registration's own source
 * position is unaffected: the SDK raises the limit itself while it reads it (resource.js `Resource.callsites`).
 *
 * The same holds for the outputs the resource's inputs are made of: every `pulumi.output()` / `pulumi.all()` keeps a
 * preallocated Error (output.js `outputRec`, for a circular input) with its captured frames until the output is
 * collected; a fleet makes a few per tenant before the first registers (bench/README.md, issue 19, the program's memory).
 *
 * What it costs: a promise the SDK reports as leaked names no call site; a circular input's error has no stack (its
 * message names the problem). Nothing else reads these stacks.
 *
 * Checked against @pulumi/pulumi 3.259.0 (pinned) and 3.139.0 (the oldest supported). test/host/stack-traces.test.ts
 * constructs real resources under both SDKs and fails if an SDK no longer stamps stacks (then this is not needed) or if
 * the limit no longer suppresses them.
 */

/**
 * Turns stack capture off until the returned function is called; use it around the making of a resource's inputs and
 * its `super()`, and restore in `finally`, so nothing else in the process ever runs without stacks.
 */
export function suspendStackTraces(): () => void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  return () => {
    Error.stackTraceLimit = limit;
  };
}
