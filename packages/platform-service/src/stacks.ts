/**
 * The tenants' Pulumi stacks, through the Automation API: one stack per tenant (named after it) in one
 * project and one backend, each with its own LocalWorkspace folder, driving the pinned CLI. The program is
 * inline (wfp.ts), so the provider plugin starts in the project's `main` folder: it must resolve
 * `@pulumi/pulumi` and `pulumi-wfp-assets` from there (the serialized provider loads its engine by package name).
 */
import { mkdir } from "node:fs/promises";
import {
  CommandError,
  ConcurrentUpdateError,
  LocalWorkspace,
  Stack,
  StackAlreadyExistsError,
  StackNotFoundError,
  type EngineEvent,
  type OutputMap,
  type PulumiCommand,
  type PulumiFn,
} from "@pulumi/pulumi/automation/index.js";
import { z } from "zod";
import type { FailureCode } from "./deployment.ts";
import { describeEngineEvent } from "./engine-events.ts";
import { lostStateBackend } from "./state-outage.ts";
import type { SiteOutputs } from "./wfp.ts";

export interface StackEnvironment {
  pulumiCommand: PulumiCommand;
  projectName: string;
  /** The project's `main`: the working directory of the engine's plugins. */
  mainDir: string;
  pulumiHome: string;
  /** Backend, passphrase, no update checks or plugin downloads, PATH, Cloudflare endpoint and credentials. */
  envVars: Record<string, string>;
}

export class StackOperationError extends Error {
  override readonly name = "StackOperationError";
  readonly code: FailureCode;

  constructor(code: FailureCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * The run failed because its Postgres state backend was away (state-outage.ts): the database restarted or failed
 * over. Not the tenant's failure: the job runs again once the database is back, clearing the lock and the
 * unfinished operation the run may have left (operations.ts).
 */
export class StateBackendLost extends Error {
  override readonly name = "StateBackendLost";
}

/** The stack's outputs (wfp.ts `tenantSiteProgram`), as the engine reports them for the stack resource. */
const outputsSchema = z.object({
  manifestDigest: z.string(),
  etag: z.string(),
  modifiedOn: z.string(),
  fileCount: z.number().int(),
  totalBytes: z.number().int(),
  uploadedFiles: z.number().int(),
  uploadedBytes: z.number().int(),
});

const STACK_TYPE = "pulumi:pulumi:Stack";

function plainOutputs(outputs: OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
}

export type LineSink = (line: string) => void;

export interface UpOutcome {
  outputs: SiteOutputs;
  /** False when the engine planned no change for any resource: nothing was deployed or uploaded. */
  changed: boolean;
}

/** The stack's lock holder, from the CLI's "locked by" message (file backends list who created each lock). */
function lockDetail(error: CommandError): string {
  const holders = error.message
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /created by/.test(line))
    .map((line) => line.replace(/^.*?:\s*created by/, "created by"));
  return holders.length > 0 ? ` (lock ${holders.join("; ")})` : "";
}

/** The failure as the tenant sees it: the engine's error lines when there were any, else the CLI's stderr. */
function failure(error: unknown, code: FailureCode, tenant: string, errorLines: string[], env: StackEnvironment): StackOperationError | StateBackendLost {
  const project = env.projectName;
  const backendUrl = env.envVars.PULUMI_BACKEND_URL ?? "";
  const said = [error instanceof Error ? error.message : String(error), ...errorLines].join("\n");
  if (lostStateBackend(said, backendUrl)) {
    const cause = said.split("\n").find((line) => lostStateBackend(line, backendUrl)) ?? said.slice(-400);
    return new StateBackendLost(`the Pulumi state backend (the service's database) went away during this run: ${cause.trim()}`);
  }
  if (error instanceof ConcurrentUpdateError) {
    return new StackOperationError(
      "stack-locked",
      `stack ${project}/${tenant} is locked by an operation that has not finished${lockDetail(error)}: the service stopped in the middle of a deploy, or another ` +
        `instance is deploying this tenant. If none is running, POST /tenants/${tenant}/unlock releases the lock and clears the unfinished operation; then upload again.`,
    );
  }
  if (errorLines.length > 0) return new StackOperationError(code, errorLines.join("\n"));
  if (error instanceof CommandError) {
    const stderr = /stderr: ([\s\S]*?)(?:\n err\?:|$)/.exec(error.message)?.[1]?.trim();
    return new StackOperationError(code, stderr && stderr.length > 0 ? stderr.slice(-4000) : error.message.slice(-4000));
  }
  return new StackOperationError(code, error instanceof Error ? error.message : String(error));
}

/**
 * The Automation API's `up`, `destroy` and `refresh` read the stack back after the operation: `stack output`
 * twice (masked, then with secrets) and `stack history`, three more CLI processes, each starting the backend and
 * the passphrase secrets manager (PBKDF2), about 1 CPU-second per deploy (README "Performance"). This service takes
 * the outputs and the change counts from the engine events instead, so on its own stack objects those read-backs
 * answer at once. (Should a later SDK stop calling them, nothing changes but the saving.)
 */
function withoutReadBacks(stack: Stack): Stack {
  stack.outputs = async () => ({});
  stack.info = async () => undefined;
  return stack;
}

/**
 * A stack object for a stack that exists, without `pulumi stack select` (a CLI process): every command the
 * Automation API runs names its stack with `--stack`, so the selection is not needed, only the check that the
 * stack exists — which the operation itself makes (TenantStacks.up creates the stack when it is missing).
 */
async function existingStack(name: string, workspace: LocalWorkspace): Promise<Stack> {
  const select = workspace.selectStack.bind(workspace);
  workspace.selectStack = async () => {};
  try {
    return await Stack.select(name, workspace);
  } finally {
    workspace.selectStack = select;
  }
}

export class TenantStacks {
  private readonly env: StackEnvironment;
  /**
   * Stack objects kept per tenant for the service's lifetime; each operation passes its own program. The queue
   * runs one operation per tenant at a time (queue.ts), so a stack object is never used twice at once.
   */
  private readonly selected = new Map<string, Promise<Stack>>();

  constructor(env: StackEnvironment) {
    this.env = env;
  }

  /**
   * `exists`: the caller knows the stack was created (a deploy of it succeeded): no CLI run at all. Otherwise
   * `pulumi stack init` first (one run for a new tenant), then `select` if it was there after all.
   */
  private open(tenant: string, workDir: string, program: PulumiFn, exists: boolean): Promise<Stack> {
    let stack = this.selected.get(tenant);
    if (!stack) {
      stack = this.select(tenant, workDir, program, exists).then(withoutReadBacks);
      this.selected.set(tenant, stack);
      stack.catch(() => this.selected.delete(tenant));
    }
    return stack;
  }

  private async workspace(workDir: string, program: PulumiFn): Promise<LocalWorkspace> {
    await mkdir(workDir, { recursive: true });
    return LocalWorkspace.create({
      workDir,
      program,
      pulumiCommand: this.env.pulumiCommand,
      pulumiHome: this.env.pulumiHome,
      envVars: this.env.envVars,
      // `main` sets the plugins' working directory; without it they start in a temp folder and cannot find
      // @pulumi/pulumi (docs/pulumi-dynamic-providers.md §10.6).
      projectSettings: { name: this.env.projectName, runtime: "nodejs", main: this.env.mainDir },
    });
  }

  private async select(tenant: string, workDir: string, program: PulumiFn, exists: boolean): Promise<Stack> {
    const workspace = await this.workspace(workDir, program);
    if (exists) return existingStack(tenant, workspace);
    try {
      return await Stack.create(tenant, workspace);
    } catch (error) {
      if (error instanceof StackAlreadyExistsError) return existingStack(tenant, workspace);
      throw error;
    }
  }

  /**
   * Starts opening the tenant's stack — for a new tenant `pulumi stack init`, a CLI run of 0.4–1 s — while the
   * caller readies the site, so that `up` finds it opened (README "Where a deploy's time goes"). Arguments as for
   * `up`. Never rejects: a failure is met again, and reported, by the `up` that follows.
   */
  prepare(tenant: string, workDir: string, program: PulumiFn, exists: boolean): void {
    this.open(tenant, workDir, program, exists).catch(() => {});
  }

  /** Runs the program and its engine events through `onLine`. */
  private listener(onLine: LineSink, errorLines: string[]): (event: EngineEvent) => void {
    return (event) => {
      for (const line of describeEngineEvent(event)) {
        if (line.startsWith("error: ")) errorLines.push(line.slice("error: ".length));
        onLine(line);
      }
    };
  }

  /**
   * `pulumi up` of the tenant's stack; `exists` as for `open`, `refresh` reads the live worker first (a change
   * made outside this service then shows as a difference, and is deployed over). The outputs and whether anything
   * changed come from the engine events (the stack's outputs, the summary), not from read-backs.
   */
  async up(tenant: string, workDir: string, program: PulumiFn, onLine: LineSink, options: { exists: boolean; refresh: boolean }): Promise<UpOutcome> {
    const errorLines: string[] = [];
    const seen: { outputs?: unknown; changes?: Record<string, number | undefined> } = {};
    const listener = this.listener(onLine, errorLines);
    const onEvent = (event: EngineEvent): void => {
      const done = event.resOutputsEvent?.metadata;
      if (done?.type === STACK_TYPE && done.new?.outputs) seen.outputs = done.new.outputs;
      if (event.summaryEvent) seen.changes = event.summaryEvent.resourceChanges ?? {};
      listener(event);
    };
    try {
      let stack = await this.open(tenant, workDir, program, options.exists);
      try {
        await stack.up({ program, onEvent, color: "never", refresh: options.refresh });
      } catch (error) {
        // Believed to exist but gone (removed outside this service): create it and run again, once.
        if (!(error instanceof StackNotFoundError) || !options.exists) throw error;
        this.selected.delete(tenant);
        stack = await this.open(tenant, workDir, program, false);
        await stack.up({ program, onEvent, color: "never", refresh: options.refresh });
      }
      const changes = seen.changes ?? {};
      const changed = Object.entries(changes).some(([op, count]) => op !== "same" && (count ?? 0) > 0);
      // Absent from the events only if the engine sent none for the stack: ask the backend, as the SDK would.
      const outputs = outputsSchema.parse(seen.outputs ?? plainOutputs(await stack.workspace.stackOutputs(tenant)));
      return { changed, outputs };
    } catch (error) {
      throw failure(error, "deploy-failed", tenant, errorLines, this.env);
    }
  }

  /** Destroys the tenant's worker, then removes the stack itself from the backend. */
  async destroy(tenant: string, workDir: string, program: PulumiFn, onLine: LineSink): Promise<void> {
    const errorLines: string[] = [];
    try {
      const stack = await this.open(tenant, workDir, program, true);
      await stack.destroy({ onEvent: this.listener(onLine, errorLines), color: "never" });
      await stack.workspace.removeStack(tenant);
      this.selected.delete(tenant);
      onLine(`stack ${this.env.projectName}/${tenant} removed`);
    } catch (error) {
      this.selected.delete(tenant);
      if (error instanceof StackNotFoundError) {
        onLine(`stack ${this.env.projectName}/${tenant} does not exist: nothing to destroy`);
        return;
      }
      throw failure(error, "delete-failed", tenant, errorLines, this.env);
    }
  }

  /**
   * After a crash: releases the stack's lock (`pulumi cancel`), then refreshes with `clearPendingCreates`
   * so the unfinished operation the killed run recorded is dropped and the live worker is read again.
   */
  async unlock(tenant: string, workDir: string, program: PulumiFn, onLine: LineSink): Promise<void> {
    const errorLines: string[] = [];
    try {
      const stack = await this.open(tenant, workDir, program, true);
      await stack.cancel();
      onLine("lock released (pulumi cancel)");
      await stack.refresh({ clearPendingCreates: true, onEvent: this.listener(onLine, errorLines), color: "never" });
      onLine("unfinished operations cleared; the live worker was read again");
    } catch (error) {
      this.selected.delete(tenant);
      throw failure(error, "unlock-failed", tenant, errorLines, this.env);
    }
  }
}
