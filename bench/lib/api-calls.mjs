// API calls as the emulator saw them (GET /__emulator/stats), and the wall time Cloudflare's budget allows for them.
//
// `requests` (route id → count) counts every routed call, 429s included, so it is "calls sent"; the rate limiter's
// per-token windows count the calls it let through (src/emulator/README.md "Rate limit").

/** The emulator's `--rate-limit` spec as the client's budget and the floor: "on" is Cloudflare's 1,200 per 300 s. */
export function parseBudget(spec) {
  if (spec === undefined || spec === "off") return undefined;
  if (spec === "on") return { spec, limit: 1200, windowSeconds: 300, perSecond: 4, clientBudget: undefined };
  const match = /^(\d+)\/(\d+)(?:,|$)/.exec(spec);
  if (!match) throw new Error(`--rate-limit: expected "on", "off" or "N/W[,block=S…]" (the emulator's syntax), got ${JSON.stringify(spec)}`);
  const [limit, windowSeconds] = [Number(match[1]), Number(match[2])];
  // The client gets the same numbers; its own 5 % reserve stays (README "Configuration").
  return { spec, limit, windowSeconds, perSecond: limit / windowSeconds, clientBudget: `${limit}/${windowSeconds}` };
}

/** The counters of one account (and of every token's rate-limit windows) from a stats answer. */
export function apiCounters(stats, account) {
  const byRoute = { ...(stats.accounts?.[account]?.requests ?? {}) };
  const limit = stats.rateLimit;
  let counted = 0;
  for (const token of Object.values(limit?.tokens ?? {})) {
    counted += token.window.calls + token.history.reduce((sum, window) => sum + window.calls, 0);
  }
  return {
    calls: Object.values(byRoute).reduce((sum, n) => sum + n, 0),
    byRoute,
    counted,
    throttled: limit?.throttled ?? 0,
    blocks: limit?.blocks ?? 0,
    rateLimited: limit !== undefined,
  };
}

/** What happened between two `apiCounters` readings. */
export function apiCallsBetween(before, after) {
  const byRoute = {};
  for (const [route, n] of Object.entries(after.byRoute)) {
    const delta = n - (before.byRoute[route] ?? 0);
    if (delta > 0) byRoute[route] = delta;
  }
  return {
    calls: after.calls - before.calls,
    byRoute,
    counted: after.counted - before.counted,
    throttled: after.throttled - before.throttled,
    blocks: after.blocks - before.blocks,
  };
}

/**
 * The floor the budget allows: `calls ÷ (limit ÷ window)` seconds (Cloudflare: calls ÷ 4 per second). Judged only
 * when the calls exceed one window's limit: below that the budget never has to make anyone wait.
 */
export function againstFloor(seconds, calls, budget, atMost = 1.2) {
  if (!budget) return { floorSeconds: undefined, ratio: undefined, budgetBinds: false };
  const floorSeconds = calls / budget.perSecond;
  const budgetBinds = calls > budget.limit;
  const ratio = floorSeconds > 0 ? seconds / floorSeconds : undefined;
  return { floorSeconds, ratio, budgetBinds, ...(budgetBinds ? { target: `≤ ${atMost}`, met: ratio <= atMost } : {}) };
}
