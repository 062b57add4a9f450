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
  type EngineEvent,
  type PulumiCommand,
  type PulumiFn,
  type Stack,
} from "@pulumi/pulumi/automation/index.js";
import { z } from "zod";
import type { FailureCode } from "./deployment.ts";
import { describeEngineEvent } from "./engine-events.ts";
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

const outputsSchema = z.object({
  manifestDigest: z.object({ value: z.string() }),
  etag: z.object({ value: z.string() }),
  modifiedOn: z.object({ value: z.string() }),
  fileCount: z.object({ value: z.number().int() }),
  totalBytes: z.object({ value: z.number().int() }),
  uploadedFiles: z.object({ value: z.number().int() }),
  uploadedBytes: z.object({ value: z.number().int() }),
});

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
function failure(error: unknown, code: FailureCode, tenant: string, errorLines: string[], project: string): StackOperationError {
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

export class TenantStacks {
  private readonly env: StackEnvironment;
  /**
   * Selected once per tenant and service lifetime (`createOrSelectStack` runs one or two CLI commands); each
   * operation passes its own program. The scheduler runs one operation per tenant at a time, so a stack
   * object is never used twice at once.
   */
  private readonly selected = new Map<string, Promise<Stack>>();

  constructor(env: StackEnvironment) {
    this.env = env;
  }

  private open(tenant: string, workDir: string, program: PulumiFn): Promise<Stack> {
    let stack = this.selected.get(tenant);
    if (!stack) {
      stack = this.select(tenant, workDir, program);
      this.selected.set(tenant, stack);
      stack.catch(() => this.selected.delete(tenant));
    }
    return stack;
  }

  private async select(tenant: string, workDir: string, program: PulumiFn): Promise<Stack> {
    await mkdir(workDir, { recursive: true });
    return LocalWorkspace.createOrSelectStack(
      { stackName: tenant, projectName: this.env.projectName, program },
      {
        workDir,
        pulumiCommand: this.env.pulumiCommand,
        pulumiHome: this.env.pulumiHome,
        envVars: this.env.envVars,
        // `main` sets the plugins' working directory; without it they start in a temp folder and cannot find
        // @pulumi/pulumi (docs/pulumi-dynamic-providers.md §10.6).
        projectSettings: { name: this.env.projectName, runtime: "nodejs", main: this.env.mainDir },
      },
    );
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

  async up(tenant: string, workDir: string, program: PulumiFn, onLine: LineSink): Promise<UpOutcome> {
    const errorLines: string[] = [];
    try {
      const stack = await this.open(tenant, workDir, program);
      const result = await stack.up({ program, onEvent: this.listener(onLine, errorLines), color: "never" });
      const changes = result.summary.resourceChanges ?? {};
      const changed = Object.entries(changes).some(([op, count]) => op !== "same" && (count ?? 0) > 0);
      const outputs = outputsSchema.parse(result.outputs);
      return {
        changed,
        outputs: {
          manifestDigest: outputs.manifestDigest.value,
          etag: outputs.etag.value,
          modifiedOn: outputs.modifiedOn.value,
          fileCount: outputs.fileCount.value,
          totalBytes: outputs.totalBytes.value,
          uploadedFiles: outputs.uploadedFiles.value,
          uploadedBytes: outputs.uploadedBytes.value,
        },
      };
    } catch (error) {
      throw failure(error, "deploy-failed", tenant, errorLines, this.env.projectName);
    }
  }

  /** Destroys the tenant's worker, then removes the stack itself from the backend. */
  async destroy(tenant: string, workDir: string, program: PulumiFn, onLine: LineSink): Promise<void> {
    const errorLines: string[] = [];
    try {
      const stack = await this.open(tenant, workDir, program);
      await stack.destroy({ onEvent: this.listener(onLine, errorLines), color: "never" });
      await stack.workspace.removeStack(tenant);
      this.selected.delete(tenant);
      onLine(`stack ${this.env.projectName}/${tenant} removed`);
    } catch (error) {
      throw failure(error, "delete-failed", tenant, errorLines, this.env.projectName);
    }
  }

  /**
   * After a crash: releases the stack's lock (`pulumi cancel`), then refreshes with `clearPendingCreates`
   * so the unfinished operation the killed run recorded is dropped and the live worker is read again.
   */
  async unlock(tenant: string, workDir: string, program: PulumiFn, onLine: LineSink): Promise<void> {
    const errorLines: string[] = [];
    try {
      const stack = await this.open(tenant, workDir, program);
      await stack.cancel();
      onLine("lock released (pulumi cancel)");
      await stack.refresh({ clearPendingCreates: true, onEvent: this.listener(onLine, errorLines), color: "never" });
      onLine("unfinished operations cleared; the live worker was read again");
    } catch (error) {
      throw failure(error, "unlock-failed", tenant, errorLines, this.env.projectName);
    }
  }
}
