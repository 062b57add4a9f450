/**
 * The platform service as its users start it: `node packages/platform-service/src/main.ts`, a process of its
 * own (so the Pulumi inline program runs outside vitest, whose module transform breaks closure
 * serialization), configured through its environment. Collects its output, for the secret checks.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { isAlive, killProcessTree } from "../fixtures/process-tree.mjs";
import { NODE, REPO_ROOT } from "../fixtures/repo.mjs";

export const SERVICE_MAIN = path.join(REPO_ROOT, "packages", "platform-service", "src", "main.ts");

export interface RunningService {
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  /** Everything it printed so far (stdout + stderr). */
  output(): string;
  /** SIGTERM, then waits for the exit (the service finishes running deploys first). */
  stop(): Promise<number | null>;
  /** SIGKILL of the service and every process it started: a crash. */
  crash(): void;
  exited: Promise<number | null>;
}

/** Starts the service and waits for "listening on"; `env` is added to this process's environment (undefined removes). */
export async function startService(env: Record<string, string | undefined>, timeoutMs = 120_000): Promise<RunningService> {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, PLATFORM_PORT: "0", NO_COLOR: "1", ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete fullEnv[key];
  const child: ChildProcess = spawn(NODE, [SERVICE_MAIN], { cwd: REPO_ROOT, env: fullEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (): void => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    output: () => output,
    stop: async () => {
      if (isAlive(child.pid!)) child.kill("SIGTERM");
      return exited;
    },
    crash: () => {
      killProcessTree(child.pid!);
    },
    exited,
  };
}
