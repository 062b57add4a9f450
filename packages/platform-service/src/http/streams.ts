/**
 * A deployment's progress as it happens, written on the raw response (fastify's `reply.hijack()`):
 * - server-sent events (`text/event-stream`): `id` = the event's seq (resume with Last-Event-ID),
 *   `event: status | progress`, `data` = the event as JSON, and a final `event: end` with the deployment;
 * - plain text for `?follow=1` (one line per event, then the outcome), which is what curl shows best.
 * Events come from the database (store/event-feed.ts), so a stream on any replica follows a deploy on any other.
 */
import type { ServerResponse } from "node:http";
import type { DeploymentEvent } from "../store/records.ts";

/** Comments keep idle proxies from closing a quiet stream (a deploy can wait minutes for a slot). */
const KEEP_ALIVE_MS = 15_000;

export type Subscribe = (afterSeq: number, listener: (event: DeploymentEvent | undefined) => void) => () => void;

function follow(
  response: ServerResponse,
  subscribe: Subscribe,
  afterSeq: number,
  write: { event: (event: DeploymentEvent) => string; end: () => Promise<string>; keepAlive: string },
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
  unsubscribe = subscribe(afterSeq, (event) => {
    if (closed) return;
    if (event) {
      response.write(write.event(event));
      return;
    }
    write.end().then(
      (text) => response.end(text),
      () => response.end(),
    );
    close();
  });
  if (closed) unsubscribe();
}

export function streamEvents(response: ServerResponse, subscribe: Subscribe, afterSeq: number, end: () => Promise<Record<string, unknown>>): void {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  response.write("retry: 2000\n\n");
  follow(response, subscribe, afterSeq, {
    event: (event) => `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`,
    end: async () => `event: end\ndata: ${JSON.stringify(await end())}\n\n`,
    keepAlive: ": keep-alive\n\n",
  });
}

/** `outcome` is the last line(s), computed when the deployment has finished (e.g. the site's URL). */
export function streamText(response: ServerResponse, status: number, headers: Record<string, string>, subscribe: Subscribe, outcome: () => Promise<string>): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no", ...headers });
  follow(response, subscribe, 0, {
    event: (event) => `${event.time.slice(11, 19)} ${event.message}\n`,
    end: outcome,
    keepAlive: "",
  });
}
