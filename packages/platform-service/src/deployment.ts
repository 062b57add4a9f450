/**
 * What an operation on a tenant's stack is (a deploy, a delete or an unlock), what it can end as, and its id.
 * Records and events live in the database (store/records.ts).
 */
import { randomBytes } from "node:crypto";
import type { ArchiveFormat } from "./archive/detect.ts";

export type DeploymentKind = "deploy" | "delete" | "unlock";
export type DeploymentStatus = "queued" | "running" | "succeeded" | "failed" | "superseded";

export type FailureCode = "stack-locked" | "deploy-failed" | "delete-failed" | "unlock-failed" | "internal-error";

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

export const DEPLOYMENT_ID_PATTERN = /^[a-z0-9]{8,12}-[0-9a-f]{8}$/;

export function newDeploymentId(now = Date.now()): string {
  // Time first, so ids sort by creation; the random half makes them unguessable.
  return `${now.toString(36)}-${randomBytes(4).toString("hex")}`;
}
