/**
 * A deployment's progress as it happens, written on the raw response (fastify's `reply.hijack()`):
 * - server-sent events (`text/event-stream`): `id` = the event's seq (resume with Last-Event-ID),
 *   `event: status | progress`, `data` = the event as JSON, and a final `event: end` with the deployment;
 * - plain text for `?follow=1` (one line per event, then the outcome), which is what curl shows best.
 */
import type { ServerResponse } from "node:http";
import type { Deployment, DeploymentEvent } from "../deployment.ts";

/** Comments keep idle proxies from closing a quiet stream (a deploy can wait minutes for a slot). */
const KEEP_ALIVE_MS = 15_000;

function follow(
  response: ServerResponse,
  deployment: Deployment,
  afterSeq: number,
  write: { event: (event: DeploymentEvent) => string; end: () => string; keepAlive: string },
): void {
  let closed = false;
  let unsubscribe: (() => void) | undefined;
  const timer = setInterval(() => response.write(write.keepAlive), KEEP_ALIVE_MS);
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    unsubscribe?.();
  };
  response.on("close", close);
  unsubscribe = deployment.subscribe(afterSeq, (event) => {
    if (closed) return;
    if (event) {
      response.write(write.event(event));
      return;
    }
    response.end(write.end());
    close();
  });
  if (closed) unsubscribe();
}

export function streamEvents(response: ServerResponse, deployment: Deployment, afterSeq: number): void {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  response.write("retry: 2000\n\n");
  follow(response, deployment, afterSeq, {
    event: (event) => `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`,
    end: () => `event: end\ndata: ${JSON.stringify(deployment.toJSON())}\n\n`,
    keepAlive: ": keep-alive\n\n",
  });
}

/** `outcome` is the last line(s), computed when the deployment has finished (e.g. the site's URL). */
export function streamText(response: ServerResponse, status: number, headers: Record<string, string>, deployment: Deployment, outcome: () => string): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no", ...headers });
  follow(response, deployment, 0, {
    event: (event) => `${event.time.slice(11, 19)} ${event.message}\n`,
    end: outcome,
    keepAlive: "",
  });
}
