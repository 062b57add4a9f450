/**
 * Cloudflare's rate-limit headers on every answer to the API token (documented on its API limits page; see
 * ../ratelimit-header.ts). Judged over the exchanges the run already made: no call of its own.
 */
import type { ContractCheck } from "../context.js";
import { Problems } from "../expect.js";
import { parseRateLimit, parseRateLimitPolicy } from "../ratelimit-header.js";

export const rateLimitHeaders: ContractCheck = {
  id: "rate-limit-headers",
  title: "rate-limit headers: Ratelimit and Ratelimit-Policy on every answer to the API token (below 500), counting down",
  maxCalls: 0,
  needs: ["namespace-create"],
  async run({ state, note }) {
    const p = new Problems();
    // A 5xx can come from the edge in front of the API, which does not count calls: only the API's own answers.
    const judged = state.exchanges.filter((e) => e.auth === "api-token" && e.response.status < 500);
    let previous: { remaining: number; resetSeconds: number } | undefined;
    let policyText = "";
    let windowStart = 0;
    for (const e of judged) {
      const where = `#${e.seq} ${e.method} ${e.path.split("?")[0]} (HTTP ${e.response.status})`;
      const limit = parseRateLimit(e.response.headers.ratelimit);
      const policy = parseRateLimitPolicy(e.response.headers["ratelimit-policy"]);
      p.expect(limit !== undefined, `${where}: Ratelimit header ${JSON.stringify(e.response.headers.ratelimit ?? null)}, expected "default";r=<remaining>;t=<seconds>`);
      p.expect(policy !== undefined, `${where}: Ratelimit-Policy header ${JSON.stringify(e.response.headers["ratelimit-policy"] ?? null)}, expected "burst";q=<quota>;w=<window seconds>`);
      if (!limit || !policy) continue;
      policyText = `${policy.quota} calls per ${policy.windowSeconds} s`;
      p.expect(limit.remaining <= policy.quota, `${where}: r=${limit.remaining} is more than the quota q=${policy.quota}`);
      p.expect(limit.resetSeconds <= policy.windowSeconds, `${where}: t=${limit.resetSeconds} is longer than the window w=${policy.windowSeconds}`);
      // Within a window the count only goes down (other clients of the token may spend calls too, and a distributed
      // counter may lag a call behind, so "not up" rather than "down by one"); a new window starts afresh.
      const newWindow = previous !== undefined && limit.resetSeconds > previous.resetSeconds;
      if (previous && !newWindow) p.expect(limit.remaining <= previous.remaining, `${where}: r=${limit.remaining} went up from r=${previous.remaining} within one window`);
      if (!previous || newWindow) windowStart = limit.remaining;
      previous = limit;
    }
    p.expect(judged.length > 0, "no answer to the API token to judge");
    if (previous) {
      p.expect(previous.remaining < windowStart, `r stayed at ${windowStart} over all the calls of the window: the headers do not count`);
      note(`${policyText}; ${previous.remaining} left in the window after the checks`);
    }
    p.throwIfAny();
  },
};
