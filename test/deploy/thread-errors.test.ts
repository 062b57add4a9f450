/**
 * The deploy's errors across the thread boundary (DEPLOY_ERROR_TYPES): every error a deploy throws comes back from
 * structured clone (what postMessage does) as its own class with its own fields and cause chain, and anything unknown
 * as a plain Error with its name.
 */
import { describe, expect, it } from "vitest";
import { CloudflareApiError } from "../../src/cloudflare/index.js";
import { DeployError, InvalidDeployRequestError, NamespaceNotFoundError } from "../../src/deploy/index.js";
import { DEPLOY_ERROR_TYPES } from "../../src/deploy/thread-errors.js";
import { ManifestError } from "../../src/manifest/index.js";
import { carriedErrorSchema, carryError, reviveError } from "../../src/worker-thread/index.js";

/** What the parent gets: the thread's data, cloned as postMessage clones it, checked, and rebuilt. */
const across = (error: unknown): Error =>
  reviveError(carriedErrorSchema.parse(structuredClone(carryError(error, DEPLOY_ERROR_TYPES))), DEPLOY_ERROR_TYPES);

const network = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
const apiError = new CloudflareApiError({
  kind: "http",
  message: "Cloudflare API request POST /accounts/a/workers/assets/upload failed: HTTP 503 (gave up after 5 attempts)",
  status: 503,
  codes: [10013],
  apiMessages: ["Service unavailable"],
  method: "POST",
  path: "/accounts/a/workers/assets/upload",
  retryable: true,
  attempts: 5,
  retryAfterMs: 2000,
  cause: network,
});

describe("DEPLOY_ERROR_TYPES across a thread", () => {
  it("a DeployError with a CloudflareApiError cause, which has a network cause: classes, fields and messages kept", () => {
    const original = new DeployError("upload", "Uploading assets failed after 5 attempt(s): …", 503, { cause: apiError });
    const back = across(original);
    expect(back).toBeInstanceOf(DeployError);
    expect(back).toMatchObject({ name: "DeployError", step: "upload", status: 503, message: original.message });
    expect(back.stack).toBe(original.stack);
    const cause = back.cause as CloudflareApiError;
    expect(cause).toBeInstanceOf(CloudflareApiError);
    expect({ ...cause, message: cause.message }).toEqual({ ...apiError, message: apiError.message });
    expect(cause.hasCode(10013)).toBe(true);
    const root = cause.cause as NodeJS.ErrnoException;
    expect(root).toBeInstanceOf(Error);
    expect(root).toMatchObject({ message: "read ECONNRESET", code: "ECONNRESET" });
  });

  it("DeployError subclasses come back as themselves", () => {
    const missing = new NamespaceNotFoundError("read", { accountId: "a".repeat(32), namespace: "gone", scriptName: "s" }, apiError);
    const back = across(missing);
    expect(back).toBeInstanceOf(NamespaceNotFoundError);
    expect(back).toBeInstanceOf(DeployError);
    expect(back).toMatchObject({ step: "read", status: 404, message: missing.message });

    const invalid = new InvalidDeployRequestError("session", "The deploy request is invalid", undefined, { problems: ["scriptName: too long"] });
    const backInvalid = across(invalid);
    expect(backInvalid).toBeInstanceOf(InvalidDeployRequestError);
    expect(backInvalid).toMatchObject({ step: "session", problems: ["scriptName: too long"], message: invalid.message });
  });

  it("a ManifestError (a file changed during the deploy) keeps its code and path", () => {
    const changed = new ManifestError("changed-during-deploy", "The file /site/a.css changed during the deploy", { path: "/site/a.css" });
    const back = across(changed);
    expect(back).toBeInstanceOf(ManifestError);
    expect(back).toMatchObject({ code: "changed-during-deploy", path: "/site/a.css", message: changed.message });
  });

  it("anything else is an Error with the same name, message and code; a thrown non-error becomes its text", () => {
    const back = across(Object.assign(new TypeError("bad thing"), { code: "ERR_BAD" }));
    expect(back).toBeInstanceOf(Error);
    expect(back).toMatchObject({ name: "TypeError", message: "bad thing", code: "ERR_BAD" });
    expect(across("just text")).toMatchObject({ name: "Error", message: "just text" });
  });

  it("fields that do not check come back as a plain Error with the name, not as a half-built class", () => {
    const data = structuredClone(carryError(new DeployError("upload", "x", 503), DEPLOY_ERROR_TYPES));
    const back = reviveError({ ...data, fields: { step: "nowhere" } }, DEPLOY_ERROR_TYPES);
    expect(back).not.toBeInstanceOf(DeployError);
    expect(back).toMatchObject({ name: "DeployError", message: "x" });
  });
});
