/**
 * Path matching for the emulator: a method plus a pattern of literal and `:param` segments (relative to
 * /client/v4), carrying an arbitrary value (the route definition). Segments are percent-decoded before matching;
 * validating the params is the handler's job (model/names.ts).
 */

export interface RoutePattern<H> {
  method: string;
  pattern: string;
  value: H;
}

export type RouteMatch<H> =
  | { kind: "match"; route: RoutePattern<H>; params: Record<string, string> }
  | { kind: "method-not-allowed"; allowed: string[] }
  | { kind: "none" };

interface CompiledRoute<H> {
  route: RoutePattern<H>;
  segments: Array<{ literal: string } | { param: string }>;
}

export class Router<H> {
  private readonly compiled: CompiledRoute<H>[] = [];

  add(route: RoutePattern<H>): this {
    const segments = splitPath(route.pattern).map((s) => (s.startsWith(":") ? { param: s.slice(1) } : { literal: s }));
    this.compiled.push({ route, segments });
    return this;
  }

  match(method: string, path: string): RouteMatch<H> {
    const parts = decodeSegments(path);
    if (!parts) return { kind: "none" };
    const allowed: string[] = [];
    for (const { route, segments } of this.compiled) {
      const params = matchSegments(segments, parts);
      if (!params) continue;
      if (route.method === method) return { kind: "match", route, params };
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { kind: "method-not-allowed", allowed } : { kind: "none" };
  }
}

function splitPath(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

function decodeSegments(path: string): string[] | undefined {
  try {
    return splitPath(path).map((s) => decodeURIComponent(s));
  } catch {
    return undefined; // malformed percent-encoding matches nothing
  }
}

function matchSegments(segments: CompiledRoute<unknown>["segments"], parts: string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const part = parts[i]!;
    if ("literal" in segment) {
      if (segment.literal !== part) return undefined;
    } else {
      params[segment.param] = part;
    }
  }
  return params;
}
