import { describe, expect, it } from "vitest";
import { Deployment, DEPLOYMENT_ID_PATTERN, newDeploymentId, type DeploymentEvent } from "../../packages/platform-service/src/deployment.ts";
import { redactor } from "../../packages/platform-service/src/redact.ts";

const redact = redactor(["secret-token-0123456789"]);

describe("Deployment", () => {
  it("has sortable, unguessable ids that the routes accept", () => {
    const a = newDeploymentId(1_700_000_000_000);
    const b = newDeploymentId(1_700_000_000_001);
    expect(a).toMatch(DEPLOYMENT_ID_PATTERN);
    expect(a < b).toBe(true);
    expect(newDeploymentId(1_700_000_000_000)).not.toBe(a);
  });

  it("replays past events to a late subscriber, follows new ones, and signals the end once", () => {
    const deployment = new Deployment({ tenant: "acme", kind: "deploy", redact });
    deployment.start();
    deployment.log("tenants/acme: 2 new of 4 files");
    const seen: Array<DeploymentEvent | undefined> = [];
    deployment.subscribe(1, (event) => seen.push(event));
    expect(seen.map((e) => e?.message)).toEqual(["deploy started", "tenants/acme: 2 new of 4 files"]);
    deployment.log("done");
    deployment.succeed();
    deployment.log("after the end is dropped");
    expect(seen.map((e) => e?.message)).toEqual(["deploy started", "tenants/acme: 2 new of 4 files", "done", "deploy succeeded", undefined]);
    expect(seen.slice(0, -1).map((e) => e?.seq)).toEqual([2, 3, 4, 5]);
    const late: Array<DeploymentEvent | undefined> = [];
    deployment.subscribe(4, (event) => late.push(event));
    expect(late.map((e) => e?.message)).toEqual(["deploy succeeded", undefined]);
  });

  it("redacts secrets in events and errors", () => {
    const deployment = new Deployment({ tenant: "acme", kind: "deploy", redact });
    deployment.start();
    deployment.log("calling with secret-token-0123456789");
    deployment.fail("deploy-failed", "refused secret-token-0123456789");
    const messages: string[] = [];
    deployment.subscribe(0, (event) => event && messages.push(event.message));
    expect(messages.join("\n")).not.toContain("secret-token-0123456789");
    expect(deployment.error).toEqual({ code: "deploy-failed", message: "refused [redacted]" });
    expect(deployment.toJSON()).toMatchObject({ status: "failed", events: `/tenants/acme/deployments/${deployment.id}/events` });
  });
});
