/**
 * The Cloudflare API the stacks deploy to. Without CLOUDFLARE_API_BASE_URL: the package's emulator, started in
 * this process with its data in the service's data directory, and the dispatch namespace created on it. With
 * one: a real account (or any emulator), whose namespace must exist already; it is checked at start, so a
 * typo fails now and not at a tenant's first upload.
 */
import { appendFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ConfigError, type ServiceConfig } from "./config.ts";
import { startEmulator, type RunningEmulator } from "./wfp.ts";

export interface CloudflareTarget {
  /** For the stacks' environment: the base URL and, for the emulator, its token. */
  env: Record<string, string>;
  /** Secrets to keep out of every answer and log. */
  secrets: string[];
  emulator: RunningEmulator | undefined;
  description: string;
  siteAddress: (tenant: string) => { url: string; fallbackUrl?: string } | undefined;
  close(): Promise<void>;
}

const envelopeSchema = z.object({ success: z.boolean(), errors: z.array(z.object({ code: z.number(), message: z.string() })).optional() });

function credentialHeaders(env: Record<string, string | undefined>, token: string | undefined): Record<string, string> {
  if (token) return { authorization: `Bearer ${token}` };
  return { "x-auth-email": env.CLOUDFLARE_EMAIL ?? "", "x-auth-key": env.CLOUDFLARE_API_KEY ?? "" };
}

async function namespaceRequest(baseUrl: string, config: ServiceConfig, headers: Record<string, string>, method: "GET" | "POST") {
  const route = `${baseUrl}/accounts/${config.accountId}/workers/dispatch/namespaces`;
  const response = await fetch(method === "GET" ? `${route}/${config.namespace}` : route, {
    method,
    headers: { ...headers, "content-type": "application/json" },
    ...(method === "POST" ? { body: JSON.stringify({ name: config.namespace }) } : {}),
  });
  const body = envelopeSchema.safeParse(await response.json().catch(() => null));
  const errors = body.success ? (body.data.errors ?? []).map((e) => `${e.code} ${e.message}`).join("; ") : "not a Cloudflare API answer";
  return { status: response.status, errors };
}

export async function connectCloudflare(config: ServiceConfig, env: Record<string, string | undefined>): Promise<CloudflareTarget> {
  if (config.cloudflare.kind === "api") {
    const baseUrl = config.cloudflare.baseUrl;
    const token = env.CLOUDFLARE_API_TOKEN;
    const check = await namespaceRequest(baseUrl, config, credentialHeaders(env, token), "GET").catch((error: unknown) => {
      throw new ConfigError(`cannot reach the Cloudflare API at ${baseUrl} (${(error as Error).message}).`);
    });
    if (check.status === 404) {
      throw new ConfigError(
        `dispatch namespace "${config.namespace}" does not exist in account ${config.accountId}; create it (\`wrangler dispatch-namespace create ${config.namespace}\`) or set PLATFORM_NAMESPACE.`,
      );
    }
    if (check.status !== 200) {
      throw new ConfigError(`checking dispatch namespace "${config.namespace}" failed: HTTP ${check.status} ${check.errors}; check the credentials and CLOUDFLARE_ACCOUNT_ID.`);
    }
    const template = config.siteUrlTemplate;
    return {
      env: { CLOUDFLARE_API_BASE_URL: baseUrl },
      secrets: [token, env.CLOUDFLARE_API_KEY].filter((s): s is string => s !== undefined),
      emulator: undefined,
      description: `Cloudflare API ${baseUrl}, account ${config.accountId}, dispatch namespace "${config.namespace}"`,
      siteAddress: (tenant) => (template ? { url: template.replaceAll("{tenant}", tenant) } : undefined),
      close: async () => {},
    };
  }

  const dataDir = path.join(config.dataDir, "emulator");
  const logFile = path.join(config.dataDir, "emulator.log");
  const options = { dataDir, log: (line: string) => appendFileSync(logFile, `${line}\n`) };
  let emulator: RunningEmulator;
  try {
    emulator = await startEmulator({ ...options, port: config.cloudflare.port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || config.cloudflare.port === 0) throw error;
    emulator = await startEmulator({ ...options, port: 0 });
  }
  const token = emulator.tokens[0] ?? "";
  const created = await namespaceRequest(emulator.url, config, credentialHeaders(env, token), "POST");
  // 409: it exists from an earlier run (the emulator's data persists in the data directory).
  if (created.status !== 200 && created.status !== 409) {
    await emulator.close();
    throw new Error(`creating dispatch namespace "${config.namespace}" on the emulator failed: HTTP ${created.status} ${created.errors}`);
  }
  const origin = emulator.origin;
  return {
    env: { CLOUDFLARE_API_BASE_URL: emulator.url, CLOUDFLARE_API_TOKEN: token },
    secrets: [token],
    emulator,
    description: `emulator ${emulator.url} (data ${dataDir}, log ${logFile}), dispatch namespace "${config.namespace}"`,
    siteAddress: (tenant) => ({
      url: `http://${tenant}.${config.namespace}.localhost:${emulator.port}/`,
      fallbackUrl: `${origin}/__sites/${config.namespace}/${tenant}/`,
    }),
    close: () => emulator.close(),
  };
}
