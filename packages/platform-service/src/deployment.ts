/**
 * One operation on a tenant's stack (a deploy, a delete or an unlock): its status, its result and the
 * progress lines it printed, which any number of subscribers can replay and follow (the SSE route).
 * Every line goes through the redactor before it is stored, so no reader can see a secret.
 */
import { randomBytes } from "node:crypto";
import type { ArchiveFormat } from "./archive/detect.ts";
import type { Redactor } from "./redact.ts";

export type DeploymentKind = "deploy" | "delete" | "unlock";
export type DeploymentStatus = "queued" | "running" | "succeeded" | "failed" | "superseded";

export type FailureCode = "stack-locked" | "deploy-failed" | "delete-failed" | "unlock-failed" | "internal-error";

export interface DeploymentEvent {
  /** 1, 2, 3… per deployment: the SSE `id`, so a client can resume with Last-Event-ID. */
  seq: number;
  time: string;
  type: "status" | "progress";
  message: string;
}

export interface DeployResult {
  /** False when Pulumi saw no change (the same files as live): nothing was uploaded. */
  changed: boolean;
  fileCount: number;
  totalBytes: number;
  uploadedFiles: number;
  uploadedBytes: number;
  manifestDigest: string;
  etag: string;
}

export interface UploadedArchive {
  format: ArchiveFormat;
  bytes: number;
  files: number;
  siteBytes: number;
}

/** Progress lines kept per deployment; a 20,000-file deploy prints about 50. */
const MAX_EVENTS = 2000;

export const DEPLOYMENT_ID_PATTERN = /^[a-z0-9]{8,12}-[0-9a-f]{8}$/;

export function newDeploymentId(now = Date.now()): string {
  // Time first, so ids sort by creation; the random half makes them unguessable.
  return `${now.toString(36)}-${randomBytes(4).toString("hex")}`;
}

type Listener = (event: DeploymentEvent | undefined) => void;

export class Deployment {
  readonly id: string;
  readonly tenant: string;
  readonly kind: DeploymentKind;
  readonly createdAt = new Date().toISOString();
  readonly archive: UploadedArchive | undefined;
  status: DeploymentStatus = "queued";
  startedAt: string | undefined;
  finishedAt: string | undefined;
  result: DeployResult | undefined;
  error: { code: FailureCode; message: string } | undefined;
  supersededBy: string | undefined;
  private readonly redact: Redactor;
  private readonly events: DeploymentEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private dropped = 0;

  constructor(init: { tenant: string; kind: DeploymentKind; redact: Redactor; archive?: UploadedArchive; id?: string }) {
    this.id = init.id ?? newDeploymentId();
    this.tenant = init.tenant;
    this.kind = init.kind;
    this.redact = init.redact;
    this.archive = init.archive;
    this.push("status", `${this.kind} queued`);
  }

  get finished(): boolean {
    return this.status === "succeeded" || this.status === "failed" || this.status === "superseded";
  }

  start(): void {
    this.status = "running";
    this.startedAt = new Date().toISOString();
    this.push("status", `${this.kind} started`);
  }

  log(line: string): void {
    if (this.finished) return;
    if (this.events.length >= MAX_EVENTS) {
      this.dropped++;
      return;
    }
    this.push("progress", line);
  }

  succeed(result?: DeployResult): void {
    this.result = result;
    this.finish("succeeded", `${this.kind} succeeded`);
  }

  fail(code: FailureCode, message: string): void {
    this.error = { code, message: this.redact(message) };
    this.finish("failed", `${this.kind} failed: ${message}`);
  }

  supersede(by: Deployment): void {
    this.supersededBy = by.id;
    this.finish("superseded", `superseded by ${by.kind} ${by.id} before it started`);
  }

  /**
   * Replays the events after `afterSeq`, then follows new ones; `undefined` is delivered once, when the
   * deployment has finished. Returns the unsubscribe function.
   */
  subscribe(afterSeq: number, listener: Listener): () => void {
    for (const event of this.events) if (event.seq > afterSeq) listener(event);
    if (this.finished) {
      listener(undefined);
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What the API shows (events are streamed separately). */
  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      tenant: this.tenant,
      kind: this.kind,
      status: this.status,
      createdAt: this.createdAt,
      startedAt: this.startedAt ?? null,
      finishedAt: this.finishedAt ?? null,
      archive: this.archive ?? null,
      result: this.result ?? null,
      error: this.error ?? null,
      supersededBy: this.supersededBy ?? null,
      events: `/tenants/${this.tenant}/deployments/${this.id}/events`,
    };
  }

  private finish(status: DeploymentStatus, message: string): void {
    if (this.finished) return;
    if (this.dropped > 0) this.push("progress", `(${this.dropped} more progress lines were not kept)`);
    this.status = status;
    this.finishedAt = new Date().toISOString();
    this.push("status", message);
    for (const listener of this.listeners) listener(undefined);
    this.listeners.clear();
  }

  private push(type: DeploymentEvent["type"], message: string): void {
    const event: DeploymentEvent = { seq: this.events.length + 1, time: new Date().toISOString(), type, message: this.redact(message) };
    this.events.push(event);
    for (const listener of this.listeners) listener(event);
  }
}
