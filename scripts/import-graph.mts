// The import graph of the library's sources and what it must look like: no cycle among the files, and no import
// running back up the layering below. Pure (the caller reads the files); test/layout/imports.test.ts runs it over
// src/ and packages/*/src in `npm test`.
//
// Imports are read with TypeScript's own pre-processor (`ts.preProcessFile`), which skips comments and strings, so
// a commented-out import is no edge and a dynamic `import()` is one.
import path from "node:path";
import ts from "typescript";

/**
 * The layering, as data. A file's room is its folder under src/ (a file directly in src/ is a room of its own,
 * named by its base name), or `packages/<name>` for a workspace package; inside src/emulator, each folder is a
 * room and so is each file at its root (`emulator/core`), so the emulator's layout is held to the same rule.
 *
 * `way` is the data's way through the library, bottom to top: a room may import the rooms below it and on its own
 * step, never one above. The rooms in `apart` are off that way: each names what it may import (`uses`) and who may
 * import it (`usedBy`; tests may too, they are not in the graph). `emulator` is the emulator's inside, bottom to
 * top, in the same way as `way`; from outside, only its entry (src/emulator/index.ts) may be imported.
 *
 * The workspace packages (packages/*) stand outside: they import the library only as its users do, through the
 * package's exports ("pulumi-wfp-assets", "…/emulator", …), and the library imports none of them.
 */
export const LAYERING: Layering = {
  way: [
    // What every room may use: the host-process workarounds (one visible place) and the off-thread runner.
    ["host", "worker-thread"],
    ["rules"],
    ["manifest"],
    ["cloudflare"],
    ["deploy"],
    ["provider"],
    ["resource"],
    ["tenant-sites", "component-package"],
    // The package's public entry (src/index.ts) and the command line (src/cli.ts, src/cli/) sit on top.
    ["index", "cli"],
  ],
  apart: {
    // The API contract suite, a client of its own (its HTTP client, SDK-typed schemas). It shares the rules, the
    // asset hash and the base-URL setting with the library, nothing of the deploy flow.
    contract: { uses: ["rules", "manifest", "cloudflare"], usedBy: ["cli"] },
    // The local Cloudflare API: it shares only the HTTP protocol with the client code.
    emulator: { uses: [], usedBy: ["cli"] },
  },
  emulator: [
    ["protocol"], // the wire: envelope, credentials, JWTs, bodies, multipart, routing, rate limit
    ["model"], // what scripts, sessions and names are (pure)
    ["store"], // the data directory
    ["harness"], // stats and fault injection, what tests look in and disturb with
    ["peer-dependencies", "options"],
    ["core"], // the state every route shares
    ["routes", "serve"], // the API routes; serving deployed sites
    ["server"],
    ["index"], // startEmulator
  ],
};

export type Layering = {
  way: readonly (readonly string[])[];
  apart: Readonly<Record<string, { uses: readonly string[]; usedBy: readonly string[] }>>;
  emulator: readonly (readonly string[])[];
};

/** An import the layering forbids that exists today, kept visible with the reason it is tolerated. */
export type AllowedImport = { from: string; to: string; why: string };

export type SourceFile = { path: string; text: string };
export type Edge = { from: string; to: string };

/** The package's own name and its `exports` map (subpath → built file), to resolve self-imports from packages/. */
export type SelfPackage = { name: string; exports: Record<string, string> };

/**
 * The files each file imports, among `files` (paths relative to the repository root, `/`-separated). Relative
 * specifiers name the compiled file (`./x.js` for x.ts) or the source (`./x.ts`); imports of the package itself
 * (`pulumi-wfp-assets/…`) resolve through its exports to src/. Anything else is a dependency, not an edge.
 */
export function importEdges(files: readonly SourceFile[], self: SelfPackage): Edge[] {
  const known = new Set(files.map((f) => f.path));
  const edges: Edge[] = [];
  for (const file of files) {
    for (const ref of ts.preProcessFile(file.text, true, true).importedFiles) {
      const target = resolveSpecifier(file.path, ref.fileName, known, self);
      if (target !== undefined) edges.push({ from: file.path, to: target });
    }
  }
  return edges;
}

/** Where a built file the package exports comes from: `./dist/<path>.js` is compiled from `<path>.ts` under src. */
const sourceOfBuilt = (built: string) => path.posix.join("src", path.posix.relative("dist", path.posix.normalize(built)));

function resolveSpecifier(from: string, specifier: string, known: Set<string>, self: SelfPackage): string | undefined {
  let base: string;
  if (specifier.startsWith(".")) {
    base = path.posix.join(path.posix.dirname(from), specifier);
  } else if (specifier === self.name || specifier.startsWith(`${self.name}/`)) {
    const built = self.exports[`.${specifier.slice(self.name.length)}`];
    if (built === undefined) return undefined;
    base = sourceOfBuilt(built);
  } else {
    return undefined;
  }
  const candidates = [base, base.replace(/\.js$/, ".ts"), base.replace(/\.mjs$/, ".mts"), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => known.has(c));
}

/** Every cycle among the files, each as a path that returns to its start (Tarjan's strongly connected components). */
export function findCycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = (next.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) components.push(component);
    }
  };
  for (const node of [...next.keys()].sort()) if (!index.has(node)) visit(node);
  return components.map((component) => cyclePath(component, next));
}

/** One walk around a strongly connected component, from its first file in sort order back to it. */
function cyclePath(component: string[], next: Map<string, string[]>): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  // Breadth-first from start's successors back to start, inside the component: the shortest cycle through start.
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const to of next.get(node) ?? []) {
      if (!members.has(to) || cameFrom.has(to)) continue;
      cameFrom.set(to, node);
      if (to === start) queue.length = 0;
      else queue.push(to);
    }
  }
  const walk = [start];
  for (let node = cameFrom.get(start)!; node !== start; node = cameFrom.get(node)!) walk.unshift(node);
  return [start, ...walk];
}

/** A file's room: its src/ folder or a src/ file's base name, `emulator/<folder or root file>`, or `packages/<name>`. */
export function roomOf(file: string): string | undefined {
  const parts = file.split("/");
  if (parts[0] === "packages" && parts[2] === "src") return `packages/${parts[1]}`;
  if (parts[0] !== "src") return undefined;
  const stem = (name: string) => name.replace(/\.m?ts$/, "");
  if (parts.length === 2) return stem(parts[1]!);
  if (parts[1] === "emulator") return `emulator/${stem(parts[2]!)}`;
  return parts[1];
}

/** Rooms of these files that the layering does not place (a new folder must be given its place). */
export function roomsWithoutPlace(files: readonly string[], layering: Layering): string[] {
  const placed = (room: string) =>
    isPackage(room) ||
    (room.startsWith("emulator/") ? stepOf(layering.emulator, room.slice("emulator/".length)) >= 0 : stepOf(layering.way, room) >= 0 || room in layering.apart);
  const rooms = new Set(files.map(roomOf).filter((room): room is string => room !== undefined));
  return [...rooms].filter((room) => !placed(room)).sort();
}

const isPackage = (room: string) => room.startsWith("packages/");

/** Which step of `steps` holds `room` (-1: none). */
const stepOf = (steps: Layering["way"], room: string) => steps.findIndex((rooms) => rooms.includes(room));

/** Why a file in room `from` may not import one in room `to` under the layering, or undefined when it may. */
export function layeringProblem(from: string, to: string, layering: Layering): string | undefined {
  if (from === to) return undefined;
  // A workspace package's imports of the library are judged file by file, against the exports (checkImportGraph).
  if (isPackage(from)) return isPackage(to) ? "a workspace package imports no other one" : undefined;
  if (isPackage(to)) return "the library imports no workspace package";
  const inside = (room: string) => (room.startsWith("emulator/") ? room.slice("emulator/".length) : undefined);
  const [fromInside, toInside] = [inside(from), inside(to)];
  if (fromInside !== undefined && toInside !== undefined) return upward(layering.emulator, fromInside, toInside, "the emulator's layering");
  // From outside, the emulator is its entry; an import of any other emulator file is a problem of its own.
  if (toInside !== undefined && toInside !== "index") return `only src/emulator/index.ts may be imported from outside the emulator`;
  const [fromRoom, toRoom] = [fromInside !== undefined ? "emulator" : from, toInside !== undefined ? "emulator" : to];
  const fromApart = layering.apart[fromRoom];
  if (fromApart !== undefined) return fromApart.uses.includes(toRoom) ? undefined : `${fromRoom} may import only ${fromApart.uses.join(", ") || "its own files"}`;
  const toApart = layering.apart[toRoom];
  if (toApart !== undefined) return toApart.usedBy.includes(fromRoom) ? undefined : `only ${toApart.usedBy.join(", ")} may import ${toRoom}`;
  return upward(layering.way, fromRoom, toRoom, "the data's way");
}

function upward(steps: Layering["way"], from: string, to: string, name: string): string | undefined {
  const [fromStep, toStep] = [stepOf(steps, from), stepOf(steps, to)];
  if (fromStep < 0 || toStep < 0) return `${fromStep < 0 ? from : to} has no place in ${name} (scripts/import-graph.mts LAYERING)`;
  return toStep > fromStep ? `${to} is above ${from} in ${name}` : undefined;
}

export type GraphReport = {
  /** Each cycle as a path of files back to its start. */
  cycles: string[][];
  /** Imports that run against the layering and are not allowed: "from → to: why". */
  violations: string[];
  /** Allowed imports that no longer exist (the allow-list must shrink with the code). */
  staleAllowances: AllowedImport[];
};

/** The whole check over the files' import graph. */
export function checkImportGraph(files: readonly SourceFile[], self: SelfPackage, layering: Layering, allowed: readonly AllowedImport[]): GraphReport {
  const edges = importEdges(files, self);
  const isAllowed = (e: Edge) => allowed.some((a) => a.from === e.from && a.to === e.to);
  const exported = new Set(Object.values(self.exports).map((built) => sourceOfBuilt(built).replace(/\.js$/, ".ts")));
  const violations: string[] = [];
  for (const edge of edges) {
    const from = roomOf(edge.from);
    const to = roomOf(edge.to);
    if (from === undefined || to === undefined) continue;
    const throughExports = isPackage(from) && !isPackage(to) && !exported.has(edge.to);
    const problem = throughExports ? "a workspace package imports the library only through the package's exports" : layeringProblem(from, to, layering);
    if (problem !== undefined && !isAllowed(edge)) violations.push(`${edge.from} → ${edge.to}: ${problem}`);
  }
  return {
    cycles: findCycles(edges),
    violations,
    staleAllowances: allowed.filter((a) => !edges.some((e) => e.from === a.from && e.to === a.to)),
  };
}
