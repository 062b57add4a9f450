/** The e2e suite's leak detector itself: it must catch what it is for, and not cry wolf on ordinary output. */
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { assertNoSecretLeaks, findSecretLeaks, SecretLeakError } from "./secret-guard.js";

const TOKEN = "e2e-token-4f2a9c1b7d";

describe("findSecretLeaks", () => {
  it("finds a registered secret and masks it in the report", () => {
    const leaks = findSecretLeaks(`Previewing update (dev):\n  using token ${TOKEN} for the API\n`, [TOKEN]);
    expect(leaks).toEqual(["line 2 has registered secret #1: using token [secret #1] for the API"]);
  });

  it("finds JWTs, signed or not, and never repeats them whole", async () => {
    const jwt = await new SignJWT({ knd: "upload", acct: "x" }).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode("k".repeat(32)));
    const unsigned = jwt.split(".").slice(0, 2).join(".");
    const leaks = findSecretLeaks(`bucket 1 with ${jwt}\nmetadata {"jwt":"${unsigned}"}`, []);
    expect(leaks).toHaveLength(2);
    expect(leaks.join("\n")).not.toContain(jwt.split(".")[1]!);
    expect(leaks[0]).toMatch(/line 1 has a JWT: bucket 1 with eyJhbGci…\[JWT, \d+ chars\]/);
  });

  it("passes ordinary CLI output and exported state", () => {
    const output = [
      " +  pulumi-nodejs:dynamic/wfp:UserWorkerAssets site created (3s)",
      "    tenants/site: done: uploaded 2 files (25 B), 0 already stored, 1 bucket, 0 retries, 0.05s",
      '"secrets_providers": {"type":"passphrase","state":{"salt":"v1:302Ki3o8yQU=:v1:D3FldQP0iyX2U2Ed:2bkm6/670NVnyxl9A60jRtIj/nRftQ=="}}',
      '"ciphertext": "v1:eyJpbnZhbGlkIjp0cnVlf:Zm9v"',
      '"etag": "9f51f34f900a3df745653968dcb9bcab0123456789abcdef0123456789abcdef"',
    ].join("\n");
    expect(findSecretLeaks(output, [TOKEN])).toEqual([]);
  });
});

describe("assertNoSecretLeaks", () => {
  it("throws a SecretLeakError naming the source", () => {
    expect(() => assertNoSecretLeaks("`pulumi up --yes`", `x ${TOKEN}`, [TOKEN])).toThrow(SecretLeakError);
    expect(() => assertNoSecretLeaks("`pulumi up --yes`", `x ${TOKEN}`, [TOKEN])).toThrow(/`pulumi up --yes` leaked a credential or a JWT/);
    expect(() => assertNoSecretLeaks("`pulumi up --yes`", "clean", [TOKEN])).not.toThrow();
  });
});
