import type { IncomingMessage } from "node:http";
import { successEnvelope } from "./envelope.js";

/** What a route handler gets: the request, its decoded params, and the fault modifiers that apply to it. */
export interface RequestContext {
  req: IncomingMessage;
  url: URL;
  params: Record<string, string>;
  routeId: string;
  /** The validated account id from the path ("" for routes without one). */
  account: string;
  fault: { nullResult: boolean; noCompletion: boolean };
  /** The API credential's identity (auth.ts), on routes authenticated by one. */
  identity?: string;
}

export type Reply =
  | { kind: "json"; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: "raw"; status: number; body: Buffer; headers: Record<string, string> };

export type Handler = (ctx: RequestContext) => Promise<Reply>;

export interface RouteDef {
  method: string;
  /** relative to /client/v4 */
  pattern: string;
  id: string;
  /** "api": API token or legacy key, checked by the server. "upload": the handler checks the upload JWT. */
  auth: "api" | "upload";
  handler: Handler;
}

export function ok(result: unknown, status = 200, resultInfo?: Record<string, unknown>): Reply {
  return { kind: "json", status, body: successEnvelope(result, resultInfo) };
}
