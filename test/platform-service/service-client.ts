/**
 * The tests' HTTP client for the platform service: uploads (raw body or form), JSON calls, and a deployment's
 * server-sent events read to the end (the stream closes when the deployment has finished).
 */
import { z } from "zod";

export interface Answer {
  status: number;
  text: string;
  json: unknown;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

export async function call(base: string, method: string, route: string, init: { body?: RequestInit["body"]; headers?: Record<string, string> } = {}): Promise<Answer> {
  return answer(await fetch(`${base}${route}`, { method, ...init }));
}

/** PUT …/site with the archive as the raw body (what `curl -T` sends: no Content-Type). */
export function putSite(base: string, tenant: string, archive: Buffer, query = ""): Promise<Answer> {
  return call(base, "PUT", `/tenants/${tenant}/site${query}`, { body: new Uint8Array(archive) });
}

/** PUT …/site as a multipart form (what `curl -F site=@site.tar.gz` and browsers send). */
export function putSiteForm(base: string, tenant: string, archive: Buffer, fileName: string, query = ""): Promise<Answer> {
  const form = new FormData();
  form.append("note", "uploaded from a form");
  form.append("site", new Blob([new Uint8Array(archive)]), fileName);
  return call(base, "PUT", `/tenants/${tenant}/site${query}`, { body: form });
}

export const deploymentSchema = z.looseObject({
  id: z.string(),
  tenant: z.string(),
  kind: z.enum(["deploy", "delete", "unlock"]),
  status: z.enum(["queued", "running", "succeeded", "failed", "superseded"]),
  result: z
    .object({
      changed: z.boolean(),
      fileCount: z.number(),
      totalBytes: z.number(),
      uploadedFiles: z.number(),
      uploadedBytes: z.number(),
      manifestDigest: z.string(),
      etag: z.string(),
    })
    .nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type DeploymentJson = z.infer<typeof deploymentSchema>;

export const acceptedSchema = z.looseObject({ tenant: z.string(), deployment: deploymentSchema });

export interface StreamedEvent {
  id: number | undefined;
  event: string;
  data: unknown;
}

export interface FinishedDeployment {
  deployment: DeploymentJson;
  events: StreamedEvent[];
  /** The progress and status messages, in order. */
  lines: string[];
  raw: string;
}

/** Reads GET …/events until the service closes it, then returns the events and the final deployment. */
export async function followEvents(base: string, tenant: string, id: string, headers: Record<string, string> = {}): Promise<FinishedDeployment> {
  const response = await fetch(`${base}/tenants/${tenant}/deployments/${id}/events`, { headers });
  if (response.status !== 200 || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
    throw new Error(`events of ${tenant}/${id}: HTTP ${response.status} ${await response.text()}`);
  }
  const raw = await response.text();
  const events: StreamedEvent[] = [];
  for (const block of raw.split("\n\n")) {
    let id: number | undefined;
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("id: ")) id = Number(line.slice(4));
      else if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    if (data.length > 0) events.push({ id, event, data: JSON.parse(data.join("\n")) });
  }
  const end = events.find((e) => e.event === "end");
  if (!end) throw new Error(`events of ${tenant}/${id} ended without an end event:\n${raw}`);
  const lines = events.filter((e) => e.event !== "end").map((e) => (e.data as { message: string }).message);
  return { deployment: deploymentSchema.parse(end.data), events, lines, raw };
}
