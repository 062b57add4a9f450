/** The step of the deploy flow an error belongs to, so a message can say where it stopped. */
export type DeployStep = "session" | "upload" | "completion" | "script" | "read" | "delete";

/**
 * A deploy that could not finish. Nothing is attached to a worker before the script PUT, so any
 * failure before step "script" leaves the live worker as it was; uploaded files stay in
 * Cloudflare's store and the next attempt resumes from them.
 */
export class DeployError extends Error {
  override readonly name = "DeployError";
  constructor(
    readonly step: DeployStep,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What to do about a 401/403 from any route: the same words wherever the API refuses the credentials. */
export function credentialAdvice(accountId: string): string {
  return (
    `check that the API token is valid and may edit Workers scripts of account ${accountId} ` +
    "(it comes from the `cloudflare:apiToken` stack config or CLOUDFLARE_API_TOKEN)"
  );
}
