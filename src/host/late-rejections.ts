/**
 * Quiet Node's "PromiseRejectionHandledWarning" once a Pulumi program already fails on bad input.
 *
 * Why: a UserWorkerAssets input error rejects an output that reaches Pulumi's unhandled-rejection handler (which
 * prints the error) before the resource's serialization awaits it, so Node then prints "Promise rejection was handled
 * asynchronously" twice next to the one line that matters (found by test/e2e/bad-input). What it relies on (checked
 * against Node 24.21.0; test/host/late-rejections.test.ts): Node prints that warning only when the process has no
 * `rejectionHandled` listener. So a listener that does nothing is added — once, and only by a program that is already
 * failing on bad input; a program that succeeds never gets it.
 */
let quieted = false;

export function quietLateRejectionWarnings(): void {
  if (quieted) return;
  quieted = true;
  process.on("rejectionHandled", () => {});
}
