/**
 * The API budget across a thread boundary. A worker thread has its own instances of every module, so a client made
 * there would get its own RequestBudget from budget-registry.ts — a second budget for the same token, and the pair
 * could send twice what Cloudflare allows (docs/cloudflare-api.md §15.1: 1,200 calls per 5 minutes per token, then a five-minute
 * block). Instead the thread's client gets a RemoteBudget, which asks the parent thread's budget for every call over
 * the deploy's MessagePort:
 *
 *   thread → parent   acquire {id, counted, maxBlockedMs}   parent → thread   permit {id, blockedMs} | refused | failed
 *                     complete {id, headers}                                  wait {id, wait}   (while it queues)
 *                     abort {id}   block {ms}
 *
 * Only the `Ratelimit` / `Ratelimit-Policy` headers of an answer cross (the budget reads nothing else), so nothing
 * secret does. The parent serves one port per deploy (serveBudget) and, when the deploy ends or its thread dies,
 * releases whatever that deploy still held, so a crashed thread never leaves calls "in flight" in the budget.
 */
import { z } from "zod";
import {
  RateLimitWaitExceeded,
  type AcquireOptions,
  type ApiBudget,
  type BudgetPermit,
  type BudgetSnapshot,
  type BudgetWait,
} from "../cloudflare/index.js";

/** What the thread's client reads of the budget synchronously; refreshed with every permit. */
export interface BudgetFacts {
  countsUploadCalls: boolean;
  description: string;
  snapshot: BudgetSnapshot;
}

export const budgetWaitSchema = z.object({
  id: z.number(),
  reason: z.enum(["budget", "server", "rate-limited"]),
  waitMs: z.number(),
  limit: z.number(),
  windowMs: z.number(),
  remaining: z.number().optional(),
}) satisfies z.ZodType<BudgetWait>;

export const budgetFactsSchema = z.object({
  countsUploadCalls: z.boolean(),
  description: z.string(),
  snapshot: z.object({
    callsInWindow: z.number().int().nonnegative(),
    inFlight: z.number().int().nonnegative(),
    waiting: z.number().int().nonnegative(),
    serverAllowed: z.union([z.number(), z.undefined()]),
  }),
}) satisfies z.ZodType<BudgetFacts>;

/** The only answer headers the budget reads (request-budget.ts `observe`). */
const RATE_LIMIT_HEADERS = ["ratelimit", "ratelimit-policy"] as const;

const id = z.number().int().nonnegative();

/** Thread → parent. `maxBlockedMs: null` = no bound (Infinity does not survive the schema). */
export const budgetRequestSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("acquire"), id, counted: z.boolean(), maxBlockedMs: z.number().nonnegative().nullable() }),
  z.object({ type: z.literal("complete"), id, headers: z.object({ ratelimit: z.string().optional(), "ratelimit-policy": z.string().optional() }).optional() }),
  z.object({ type: z.literal("abort"), id }),
  z.object({ type: z.literal("block"), ms: z.number().nonnegative() }),
]);
export type BudgetRequest = z.infer<typeof budgetRequestSchema>;

/** Parent → thread. */
export const budgetReplySchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("permit"), id, blockedMs: z.number().nonnegative(), facts: budgetFactsSchema }),
  z.object({ type: z.literal("wait"), id, wait: budgetWaitSchema }),
  z.object({ type: z.literal("refused"), id, waitMs: z.number(), allowedMs: z.number() }),
  z.object({ type: z.literal("failed"), id, message: z.string() }),
]);
export type BudgetReply = z.infer<typeof budgetReplySchema>;

export function budgetFacts(budget: ApiBudget): BudgetFacts {
  return { countsUploadCalls: budget.countsUploadCalls, description: budget.describe(), snapshot: budget.snapshot() };
}

// ---------------------------------------------------------------------------------------------------------------
// Parent side

export interface BudgetService {
  handle(request: BudgetRequest): void;
  /** The deploy is over (or its thread is gone): give back every slot it still holds, drop its waiting calls. */
  release(): void;
}

interface Held {
  controller: AbortController;
  permit?: BudgetPermit;
}

/** Serves one deploy's budget requests from `budget`; `reply` posts to that deploy's port. */
export function serveBudget(budget: ApiBudget, reply: (message: BudgetReply) => void): BudgetService {
  const held = new Map<number, Held>();
  let released = false;

  const acquire = (request: Extract<BudgetRequest, { type: "acquire" }>): void => {
    if (released || held.has(request.id)) return;
    const entry: Held = { controller: new AbortController() };
    held.set(request.id, entry);
    const options: AcquireOptions = {
      counted: request.counted,
      signal: entry.controller.signal,
      onWait: (wait) => reply({ type: "wait", id: request.id, wait }),
      ...(request.maxBlockedMs === null ? {} : { maxBlockedMs: request.maxBlockedMs }),
    };
    budget.acquire(options).then(
      (permit) => {
        if (held.get(request.id) !== entry) return permit.complete(); // aborted meanwhile: not ours any more
        entry.permit = permit;
        reply({ type: "permit", id: request.id, blockedMs: permit.blockedMs, facts: budgetFacts(budget) });
      },
      (error: unknown) => {
        if (held.get(request.id) !== entry) return; // the thread aborted it; it rejected the call itself
        held.delete(request.id);
        if (error instanceof RateLimitWaitExceeded) reply({ type: "refused", id: request.id, waitMs: error.waitMs, allowedMs: error.allowedMs });
        else reply({ type: "failed", id: request.id, message: error instanceof Error ? error.message : String(error) });
      },
    );
  };

  const drop = (requestId: number, headers?: Record<string, string>): void => {
    const entry = held.get(requestId);
    if (!entry) return;
    held.delete(requestId);
    if (entry.permit) entry.permit.complete(headers);
    else entry.controller.abort(new Error("the deploy thread no longer waits for this call"));
  };

  return {
    handle(request) {
      switch (request.type) {
        case "acquire":
          return acquire(request);
        case "complete":
          return drop(request.id, request.headers);
        case "abort":
          return drop(request.id);
        case "block":
          return budget.blockFor(request.ms);
      }
    },
    release() {
      released = true;
      for (const key of [...held.keys()]) drop(key);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Thread side

interface Pending {
  resolve: (permit: BudgetPermit) => void;
  reject: (error: unknown) => void;
  onWait: ((wait: BudgetWait) => void) | undefined;
  detach: () => void;
}

/**
 * The budget of a worker thread's client: every acquire is the parent's budget's decision. `send` posts to the
 * deploy's port; the thread's port listener hands the parent's replies to `handle`.
 */
export class RemoteBudget implements ApiBudget {
  readonly #send: (request: BudgetRequest) => void;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(wait: BudgetWait) => void>();
  #lastWaitHeard: number | undefined;
  #facts: BudgetFacts;
  #nextId = 0;
  #closed: Error | undefined;

  constructor(send: (request: BudgetRequest) => void, facts: BudgetFacts) {
    this.#send = send;
    this.#facts = facts;
  }

  get countsUploadCalls(): boolean {
    return this.#facts.countsUploadCalls;
  }

  describe(): string {
    return this.#facts.description;
  }

  /** The parent's budget as of its last permit. */
  snapshot(): BudgetSnapshot {
    return { ...this.#facts.snapshot };
  }

  onWait(listener: (wait: BudgetWait) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  acquire(options: AcquireOptions): Promise<BudgetPermit> {
    return new Promise<BudgetPermit>((resolve, reject) => {
      if (this.#closed) return reject(this.#closed);
      const signal = options.signal;
      if (signal?.aborted) return reject(signal.reason);
      const requestId = this.#nextId++;
      const onAbort = (): void => {
        if (!this.#pending.delete(requestId)) return;
        this.#send({ type: "abort", id: requestId });
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(requestId, { resolve, reject, onWait: options.onWait, detach: () => signal?.removeEventListener("abort", onAbort) });
      const bound = options.maxBlockedMs;
      this.#send({ type: "acquire", id: requestId, counted: options.counted, maxBlockedMs: bound === undefined || !Number.isFinite(bound) ? null : bound });
    });
  }

  blockFor(ms: number): void {
    if (!this.#closed) this.#send({ type: "block", ms: Math.max(0, ms) });
  }

  /** A reply from the parent's budget. */
  handle(reply: BudgetReply): void {
    const pending = this.#pending.get(reply.id);
    if (reply.type === "wait") {
      pending?.onWait?.(reply.wait);
      if (this.#lastWaitHeard !== reply.wait.id) {
        this.#lastWaitHeard = reply.wait.id;
        for (const listener of this.#listeners) listener(reply.wait);
      }
      return;
    }
    if (!pending) {
      // Aborted here while the permit was on its way: hand the slot straight back.
      if (reply.type === "permit") this.#send({ type: "abort", id: reply.id });
      return;
    }
    this.#pending.delete(reply.id);
    pending.detach();
    switch (reply.type) {
      case "permit": {
        this.#facts = reply.facts;
        let done = false;
        pending.resolve({
          blockedMs: reply.blockedMs,
          complete: (headers) => {
            if (done || this.#closed) return;
            done = true;
            this.#send({ type: "complete", id: reply.id, ...(headers ? { headers: rateLimitHeaders(headers) } : {}) });
          },
        });
        return;
      }
      case "refused":
        return pending.reject(new RateLimitWaitExceeded(reply.waitMs, reply.allowedMs));
      case "failed":
        return pending.reject(new Error(`the API budget of the parent thread refused the call: ${reply.message}`));
    }
  }

  /** The deploy's port closed: calls still waiting fail with `reason`, later ones at once. */
  close(reason: Error): void {
    this.#closed ??= reason;
    for (const pending of this.#pending.values()) {
      pending.detach();
      pending.reject(reason);
    }
    this.#pending.clear();
  }
}

/** The part of an answer's headers the parent's budget reads; nothing else crosses. */
function rateLimitHeaders(headers: Readonly<Record<string, string>>): Partial<Record<(typeof RATE_LIMIT_HEADERS)[number], string>> {
  const out: Partial<Record<(typeof RATE_LIMIT_HEADERS)[number], string>> = {};
  for (const name of RATE_LIMIT_HEADERS) {
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
