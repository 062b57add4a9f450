/**
 * Typed errors the HTTP layer turns into answers. `RequestRejected` is the client's fault (4xx, nothing
 * deployed, nothing kept); its `code` is stable for programs, its message names the input and the fix.
 */

export type RejectionCode =
  | "invalid-tenant"
  | "invalid-deployment-id"
  | "invalid-option"
  | "unauthorized"
  | "unexpected-body"
  | "too-many-streams"
  | "too-many-uploads"
  | "auth-not-configured"
  | "unsupported-media-type"
  | "empty-body"
  | "archive-too-large"
  | "not-an-archive"
  | "corrupt-archive"
  | "nested-compression"
  | "absolute-path"
  | "path-traversal"
  | "invalid-path"
  | "symlink"
  | "hard-link"
  | "special-file"
  | "encrypted-entry"
  | "duplicate-path"
  | "file-too-large"
  | "too-many-files"
  | "site-too-large"
  | "no-files"
  | "unknown-tenant"
  | "unknown-deployment";

const STATUS: Record<RejectionCode, number> = {
  "invalid-tenant": 400,
  "invalid-deployment-id": 400,
  "invalid-option": 400,
  unauthorized: 401,
  "unexpected-body": 400,
  "too-many-streams": 429,
  "too-many-uploads": 429,
  "auth-not-configured": 409,
  "unsupported-media-type": 415,
  "empty-body": 400,
  "archive-too-large": 413,
  "not-an-archive": 400,
  "corrupt-archive": 400,
  "nested-compression": 400,
  "absolute-path": 400,
  "path-traversal": 400,
  "invalid-path": 400,
  symlink: 400,
  "hard-link": 400,
  "special-file": 400,
  "encrypted-entry": 400,
  "duplicate-path": 400,
  "file-too-large": 413,
  "too-many-files": 413,
  "site-too-large": 413,
  "no-files": 400,
  "unknown-tenant": 404,
  "unknown-deployment": 404,
};

export class RequestRejected extends Error {
  override readonly name = "RequestRejected";
  readonly code: RejectionCode;
  readonly status: number;

  constructor(code: RejectionCode, message: string) {
    super(message);
    this.code = code;
    this.status = STATUS[code];
  }
}

export function isRequestRejected(error: unknown): error is RequestRejected {
  return error instanceof RequestRejected;
}
