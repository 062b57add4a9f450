import { z } from "zod";
import { deriveSeed, mulberry32 } from "./prng.js";
import { ALL_ROUTE_IDS, RouteAliases } from "../protocol/route-ids.js";

/**
 * Deterministic fault injection. A spec is a list of rules; each rule selects routes and either fires one action
 * at a seeded rate / a bounded number of times, or plays an exact sequence over consecutive matching requests.
 * Typed form (FaultSpec, validated with zod) for code; a compact string for the CLI (see parseFaultSpec and
 * src/emulator/README.md).
 */

export const GATEWAY_STATUSES = [500, 502, 503, 504, 524] as const;

export type FaultAction =
  | { type: "status"; status: (typeof GATEWAY_STATUSES)[number] }
  | { type: "rate-limit"; retryAfterSeconds: number }
  | { type: "reset" }
  | { type: "stall"; seconds: number }
  | { type: "latency"; ms: number }
  | { type: "html" }
  | { type: "null-result" }
  | { type: "no-completion" }
  | { type: "pass" };

export type FaultRule =
  | { route: string; sequence: FaultAction[] }
  | { route: string; action: FaultAction; rate?: number; times?: number; after?: number };

export interface FaultSpec {
  /** PRNG seed for rate rules; default 1. */
  seed?: number;
  /** Lifetime of newly issued upload/completion JWTs, overriding the emulator option. */
  jwtLifetimeSeconds?: number;
  rules?: FaultRule[];
}

export class FaultSpecError extends Error {
  constructor(message: string) {
    super(`Invalid fault spec: ${message}`);
    this.name = "FaultSpecError";
  }
}

const actionSchema: z.ZodType<FaultAction> = z.discriminatedUnion("type", [
  z.object({ type: z.literal("status"), status: z.union(GATEWAY_STATUSES.map((s) => z.literal(s)) as [z.ZodLiteral<500>, z.ZodLiteral<502>, z.ZodLiteral<503>, z.ZodLiteral<504>, z.ZodLiteral<524>]) }).strict(),
  z.object({ type: z.literal("rate-limit"), retryAfterSeconds: z.number().int().min(0).max(86_400) }).strict(),
  z.object({ type: z.literal("reset") }).strict(),
  z.object({ type: z.literal("stall"), seconds: z.number().positive().max(3_600) }).strict(),
  z.object({ type: z.literal("latency"), ms: z.number().int().min(0).max(600_000) }).strict(),
  z.object({ type: z.literal("html") }).strict(),
  z.object({ type: z.literal("null-result") }).strict(),
  z.object({ type: z.literal("no-completion") }).strict(),
  z.object({ type: z.literal("pass") }).strict(),
]);

const ruleSchema = z.union([
  z.object({ route: z.string().min(1), sequence: z.array(actionSchema).min(1) }).strict(),
  z
    .object({
      route: z.string().min(1),
      action: actionSchema,
      rate: z.number().min(0).max(1).optional(),
      times: z.number().int().min(0).optional(),
      after: z.number().int().min(0).optional(),
    })
    .strict(),
]);

const specSchema = z
  .object({
    seed: z.number().int().optional(),
    jwtLifetimeSeconds: z.number().positive().max(86_400).optional(),
    rules: z.array(ruleSchema).optional(),
  })
  .strict();

/** Validates a typed spec, a JSON string or a compact string; throws FaultSpecError naming the problem. */
export function parseFaultSpec(input: FaultSpec | string): FaultSpec {
  let candidate: unknown = input;
  if (typeof input === "string") {
    const text = input.trim();
    if (text.startsWith("{")) {
      try {
        candidate = JSON.parse(text);
      } catch (err) {
        throw new FaultSpecError(`JSON does not parse (${(err as Error).message})`);
      }
    } else {
      candidate = parseCompact(text);
    }
  }
  const parsed = specSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FaultSpecError(`${issue?.path.join(".") || "spec"}: ${issue?.message ?? "invalid"}`);
  }
  const spec = parsed.data as FaultSpec;
  for (const rule of spec.rules ?? []) checkRule(rule);
  return spec;
}

function routesOf(selector: string): readonly string[] {
  if (selector === "*") return ALL_ROUTE_IDS;
  const alias = RouteAliases[selector];
  if (alias) return alias;
  if (ALL_ROUTE_IDS.includes(selector)) return [selector];
  throw new FaultSpecError(`unknown route "${selector}". Use "*", one of ${Object.keys(RouteAliases).join(", ")}, or a route id (${ALL_ROUTE_IDS.join(", ")}).`);
}

function checkRule(rule: FaultRule): void {
  const routes = routesOf(rule.route);
  const actions = "sequence" in rule ? rule.sequence : [rule.action];
  for (const action of actions) {
    if (action.type === "null-result" && !routes.every((r) => RouteAliases.session!.includes(r))) {
      throw new FaultSpecError(`"null" (result: null) applies only to session routes, not "${rule.route}".`);
    }
    if (action.type === "no-completion" && !routes.every((r) => RouteAliases.upload!.includes(r))) {
      throw new FaultSpecError(`"nocomplete" applies only to upload routes, not "${rule.route}".`);
    }
  }
}

// ---- compact syntax ---------------------------------------------------------------------------------------------
//   spec  := item (";" item)*
//   item  := "seed=" INT | "jwt=" SECONDS | ROUTE "=" ACTION MOD* | ROUTE "=" ACTION ("," ACTION)+
//   MOD   := "@" RATE | "*" TIMES | "+" AFTER
//   ACTION:= 500|502|503|504|524 | 429[:SECONDS] | reset | stall:SECONDS | latency:MS | html | null | nocomplete | ok

function parseCompact(text: string): FaultSpec {
  const spec: FaultSpec = { rules: [] };
  for (const rawItem of text.split(";")) {
    const item = rawItem.trim();
    if (!item) continue;
    const eq = item.indexOf("=");
    if (eq <= 0) throw new FaultSpecError(`"${item}" is not KEY=VALUE (e.g. "upload=503@0.2", "seed=7").`);
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === "seed") {
      spec.seed = parseNumber(value, "seed", true);
    } else if (key === "jwt") {
      spec.jwtLifetimeSeconds = parseNumber(value, "jwt lifetime", false);
    } else if (value.includes(",")) {
      spec.rules!.push({ route: key, sequence: value.split(",").map((a) => parseAction(a.trim())) });
    } else {
      const match = /^([^@*+]+)((?:[@*+][0-9.]+)*)$/.exec(value);
      if (!match) throw new FaultSpecError(`"${value}" is not ACTION[@RATE][*TIMES][+AFTER].`);
      const rule: FaultRule = { route: key, action: parseAction(match[1]!.trim()) };
      for (const mod of match[2]!.match(/[@*+][0-9.]+/g) ?? []) {
        const n = parseNumber(mod.slice(1), `modifier "${mod}"`, mod[0] !== "@");
        if (mod[0] === "@") rule.rate = n;
        else if (mod[0] === "*") rule.times = n;
        else rule.after = n;
      }
      spec.rules!.push(rule);
    }
  }
  return spec;
}

function parseAction(token: string): FaultAction {
  const [name = "", arg] = token.split(":", 2);
  const needArg = (what: string): number => {
    if (arg === undefined) throw new FaultSpecError(`"${name}" needs ${what}, e.g. "${name}:5".`);
    return parseNumber(arg, `${name} ${what}`, name === "latency");
  };
  switch (name) {
    case "500":
    case "502":
    case "503":
    case "504":
    case "524":
      return { type: "status", status: Number(name) as (typeof GATEWAY_STATUSES)[number] };
    case "429":
      return { type: "rate-limit", retryAfterSeconds: arg === undefined ? 1 : parseNumber(arg, "Retry-After seconds", true) };
    case "reset":
      return { type: "reset" };
    case "stall":
      return { type: "stall", seconds: needArg("seconds") };
    case "latency":
      return { type: "latency", ms: needArg("milliseconds") };
    case "html":
      return { type: "html" };
    case "null":
      return { type: "null-result" };
    case "nocomplete":
      return { type: "no-completion" };
    case "ok":
      return { type: "pass" };
    default:
      throw new FaultSpecError(`unknown action "${token}". Known: 500 502 503 504 524 429[:S] reset stall:S latency:MS html null nocomplete ok.`);
  }
}

function parseNumber(text: string, what: string, integer: boolean): number {
  const n = Number(text);
  if (text === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new FaultSpecError(`${what} must be ${integer ? "an integer" : "a number"}, got "${text}".`);
  }
  return n;
}

// ---- injection --------------------------------------------------------------------------------------------------

export type FaultOutcome = Exclude<FaultAction, { type: "pass" } | { type: "latency" }>;

export interface FaultDecision {
  /** Delay before handling (summed over firing latency rules). */
  latencyMs: number;
  /** The first firing non-latency action, if any. */
  action?: FaultOutcome;
}

interface RuleState {
  rule: FaultRule;
  routes: ReadonlySet<string>;
  matched: number;
  fired: number;
  random: () => number;
}

export class FaultInjector {
  private readonly rules: RuleState[];
  readonly jwtLifetimeSeconds: number | undefined;

  constructor(spec: FaultSpec = {}) {
    const seed = spec.seed ?? 1;
    this.jwtLifetimeSeconds = spec.jwtLifetimeSeconds;
    this.rules = (spec.rules ?? []).map((rule, i) => ({
      rule,
      routes: new Set(routesOf(rule.route)),
      matched: 0,
      fired: 0,
      random: mulberry32(deriveSeed(seed, i)),
    }));
  }

  /** Every matching rule advances (so each rule's sequence depends only on its own matches). */
  decide(routeId: string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const state of this.rules) {
      if (!state.routes.has(routeId)) continue;
      const action = step(state);
      if (!action || action.type === "pass") continue;
      if (action.type === "latency") decision.latencyMs += action.ms;
      else decision.action ??= action;
    }
    return decision;
  }
}

function step(state: RuleState): FaultAction | undefined {
  const n = state.matched++;
  const { rule } = state;
  if ("sequence" in rule) return rule.sequence[n];
  if (rule.after !== undefined && n < rule.after) return undefined;
  if (rule.times !== undefined && state.fired >= rule.times) return undefined;
  if (rule.rate !== undefined && !(state.random() < rule.rate)) return undefined;
  state.fired++;
  return rule.action;
}
