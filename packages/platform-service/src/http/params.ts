/** zod schemas for what a request names: path parameters and query options. Every problem is a 400 that says which. */
import { z } from "zod";
import { DEPLOYMENT_ID_PATTERN } from "../deployment.ts";
import { RequestRejected, type RejectionCode } from "../errors.ts";
import { TENANT_TOKEN_TTL } from "../tenant-tokens.ts";
import { HTML_HANDLING_VALUES, NOT_FOUND_HANDLING_VALUES, scriptNameSchema, type AssetConfig } from "../wfp.ts";

function parse<T>(schema: z.ZodType<T>, value: unknown, code: RejectionCode, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message));
  throw new RequestRejected(code, `${what}: ${problems.join("; ")}`);
}

export function tenantParam(params: unknown): string {
  const { tenant } = parse(z.object({ tenant: z.string() }), params, "invalid-tenant", "bad request");
  return parse(scriptNameSchema, tenant, "invalid-tenant", `tenant ${JSON.stringify(tenant)} is not a valid worker script name (the tenant's worker is named after it)`);
}

export function deploymentParam(params: unknown): string {
  const { id } = parse(z.object({ id: z.string() }), params, "invalid-deployment-id", "bad request");
  return parse(z.string().regex(DEPLOYMENT_ID_PATTERN), id, "invalid-deployment-id", `${JSON.stringify(id)} is not a deployment id (ids look like mi2x5k1a-0f3c9b2e)`);
}

const flag = z.enum(["1", "true", "0", "false"]).transform((value) => value === "1" || value === "true");

const uploadQuerySchema = z
  .object({
    htmlHandling: z.enum(HTML_HANDLING_VALUES).optional(),
    notFoundHandling: z.enum(NOT_FOUND_HANDLING_VALUES).optional(),
    follow: flag.optional(),
  })
  .strict();

export interface UploadOptions {
  assetConfig: AssetConfig;
  follow: boolean;
}

/** `?htmlHandling=…&notFoundHandling=…` (Cloudflare's asset config for the tenant's site) and `follow`. */
export function uploadOptions(query: unknown): UploadOptions {
  const options = parse(uploadQuerySchema, query, "invalid-option", "bad query options");
  const assetConfig: AssetConfig = {};
  if (options.htmlHandling) assetConfig.htmlHandling = options.htmlHandling;
  if (options.notFoundHandling) assetConfig.notFoundHandling = options.notFoundHandling;
  return { assetConfig, follow: options.follow ?? false };
}

export function followOption(query: unknown): boolean {
  return parse(z.object({ follow: flag.optional() }).strict(), query, "invalid-option", "bad query options").follow ?? false;
}

/** An SSE position: a whole number of events, at most 15 digits (every seq this service hands out fits). */
const eventSeq = z.string().regex(/^\d{1,15}$/, { error: "must be a whole number of at most 15 digits (an event id this service sent)" });

/**
 * The SSE resume point: the Last-Event-ID header (sent by EventSource on reconnect) or `?after=N`. Anything
 * else there — negative, fractional, huge, not a number — is a 400 that names which, not a silent restart.
 */
export function afterOption(query: unknown, lastEventId: unknown): number {
  const { after } = parse(z.object({ after: eventSeq.optional() }).strict(), query, "invalid-option", "bad query options");
  const header = lastEventId === undefined ? undefined : parse(eventSeq, lastEventId, "invalid-option", "bad Last-Event-ID header");
  return Number(header ?? after ?? 0);
}

const tokenQuerySchema = z
  .object({
    ttl: z
      .string()
      .regex(/^\d{1,9}$/, { error: "must be a whole number of seconds" })
      .transform(Number)
      .pipe(z.number().min(TENANT_TOKEN_TTL.min).max(TENANT_TOKEN_TTL.max, { error: `must be at most ${TENANT_TOKEN_TTL.max} (30 days)` }))
      .optional(),
  })
  .strict();

/** `?ttl=<seconds>` of a tenant token (default one hour). */
export function tokenOptions(query: unknown): { ttlSeconds: number } {
  const { ttl } = parse(tokenQuerySchema, query, "invalid-option", "bad query options");
  return { ttlSeconds: ttl ?? TENANT_TOKEN_TTL.default };
}
