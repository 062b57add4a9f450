/**
 * Runs the contract checks in order against one target, then always deletes the scratch namespace — after a failed
 * check too, and within the call budget (./budget.ts keeps calls back for it).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CallBudget, CallBudgetError } from "./budget.js";
import { CONTRACT_CHECKS } from "./checks/index.js";
import { type CheckContext, type ContractCheck, type RunState, runNames } from "./context.js";
import type { Exchange } from "./exchange.js";
import { ContractFailure, errorProblems, expectResult } from "./expect.js";
import { ContractHttp, ContractTransportError } from "./http.js";
import { namespacePath, scriptPath } from "./paths.js";
import { type Recorder, createRecorder } from "./record.js";
import { type RedactionContext, redactText } from "./redact.js";
import { contractSite } from "./site.js";
import { z } from "zod";

export interface ContractTarget {
  kind: "emulator" | "account";
  /** The API base, …/client/v4. */
  baseUrl: string;
  token: string;
  accountId: string;
}

export type CheckStatus = "passed" | "failed" | "skipped";

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  /** What differed from Cloudflare's documented behaviour (failed), or why it did not run (skipped). */
  problems: string[];
  notes: string[];
  calls: number;
}

export interface ContractReport {
  target: { kind: ContractTarget["kind"]; baseUrl: string };
  namespace: string;
  results: CheckResult[];
  callsUsed: number;
  callBudget: number;
  /** Where the recording went, with --record. */
  recordDir?: string;
  /** Set when the scratch namespace may still exist: what to delete by hand. */
  leftover?: string;
}

export interface RunOptions {
  /** Write each exchange (redacted) into this folder. */
  record?: string;
  /** Default: 8 random hex characters. */
  runId?: string;
  /** Default: every check (tests run subsets). */
  checks?: readonly ContractCheck[];
  budget?: CallBudget;
  /** Aborting skips the checks not yet started; the cleanup still runs (the CLI aborts on the first Ctrl-C). */
  signal?: AbortSignal;
  /** Called as each check (and the cleanup) ends, for progress output. */
  onResult?: (result: CheckResult) => void;
}

export const CLEANUP_ID = "namespace-delete";
const CLEANUP_RECHECK_MS = 2000;

export async function runContract(target: ContractTarget, options: RunOptions = {}): Promise<ContractReport> {
  const names = runNames(options.runId ?? randomBytes(4).toString("hex"));
  const budget = options.budget ?? new CallBudget();
  const checks = options.checks ?? CONTRACT_CHECKS;
  // The printed results are redacted like the recording, so the output can be pasted into an issue as it is.
  const redaction: RedactionContext = { token: target.token, accountId: target.accountId, names: { [names.namespace]: "{namespace}", [names.runId]: "{run}" } };
  const recorder: Recorder | undefined = options.record ? createRecorder(options.record, redaction) : undefined;
  const state: RunState = { site: contractSite(names.runId), namespace: "not-requested", alive: new Set(), exchanges: [] };
  const callsByCheck = new Map<string, number>();
  const http = new ContractHttp({
    baseUrl: target.baseUrl,
    token: target.token,
    budget,
    onExchange: (exchange: Exchange) => {
      state.exchanges.push(exchange);
      callsByCheck.set(exchange.check, (callsByCheck.get(exchange.check) ?? 0) + 1);
      recorder?.exchange(exchange);
    },
  });
  const results: CheckResult[] = [];
  const finish = (raw: CheckResult) => {
    const result = { ...raw, problems: raw.problems.map((t) => redactText(t, redaction)), notes: raw.notes.map((t) => redactText(t, redaction)) };
    results.push(result);
    options.onResult?.(result);
  };

  let stopped: string | undefined;
  for (const check of checks) {
    const base = { id: check.id, title: check.title, notes: [] as string[] };
    const unmet = check.needs.filter((id) => results.find((r) => r.id === id)?.status !== "passed");
    if (!stopped && options.signal?.aborted) stopped = "interrupted";
    if (stopped || unmet.length > 0) {
      finish({ ...base, status: "skipped", problems: [stopped ?? `needs ${unmet.join(", ")}`], calls: 0 });
      continue;
    }
    const left = budget.limit - budget.reserve - budget.used;
    if (check.maxCalls > left) {
      stopped = `the call budget is spent (${budget.used} of ${budget.limit} calls)`;
      finish({ ...base, status: "failed", problems: [`needs up to ${check.maxCalls} API calls, only ${left} are left of the suite's budget of ${budget.limit}`], calls: 0 });
      continue;
    }
    const ctx: CheckContext = { account: target.accountId, names, state, call: (method, path, o) => http.call(check.id, method, path, o), note: (text) => base.notes.push(text) };
    try {
      await check.run(ctx);
      finish({ ...base, status: "passed", problems: [], calls: callsByCheck.get(check.id) ?? 0 });
    } catch (err) {
      if (err instanceof CallBudgetError) stopped = "the run stopped to stay within the call budget";
      finish({ ...base, status: "failed", problems: problemsOf(err), calls: callsByCheck.get(check.id) ?? 0 });
    }
  }

  const cleanup = await deleteScratch(http, budget, target, names.namespace, state);
  if (cleanup) finish({ id: CLEANUP_ID, title: "namespace delete: DELETE …/dispatch/namespaces/{ns} removes the scratch namespace (cleanup)", notes: [], calls: callsByCheck.get(CLEANUP_ID) ?? 0, ...cleanup.result });
  const report: ContractReport = {
    target: { kind: target.kind, baseUrl: target.baseUrl },
    namespace: names.namespace,
    results,
    callsUsed: budget.used,
    callBudget: budget.limit,
    ...(recorder ? { recordDir: recorder.dir } : {}),
    ...(cleanup?.leftover ? { leftover: cleanup.leftover } : {}),
  };
  recorder?.summary({ ...report, recordDir: undefined, package: `pulumi-wfp-assets@${packageVersion()}`, node: process.version, finishedAt: new Date().toISOString() });
  return report;
}

/** This package's version, for the recording (src/contract and dist/contract both sit two levels down). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;
}

function problemsOf(err: unknown): string[] {
  if (err instanceof ContractFailure) return err.problems;
  if (err instanceof ContractTransportError || err instanceof CallBudgetError) return [err.message];
  return [`unexpected error in the check: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`];
}

/**
 * Deletes what the run may have left: scripts still alive, then the namespace (which Cloudflare deletes with its
 * scripts; deleting them first does not rely on that), then reads the namespace to see it gone.
 */
async function deleteScratch(http: ContractHttp, budget: CallBudget, target: ContractTarget, namespace: string, state: RunState) {
  if (state.namespace === "not-requested" || state.namespace === "refused") return undefined;
  const call = (method: string, path: string) => http.call(CLEANUP_ID, method, path, { purpose: "cleanup" });
  const problems: string[] = [];
  try {
    // Their answers do not matter (a 404 is fine): the namespace delete below is what must succeed.
    for (const script of state.alive) await call("DELETE", `${scriptPath(target.accountId, namespace, script)}?force=true`).catch(() => undefined);
    const deleted = await call("DELETE", namespacePath(target.accountId, namespace));
    // The create got no answer: a 404 now means it never happened, which is as good as deleted.
    if (!(state.namespace === "unknown" && deleted.status === 404)) {
      try {
        expectResult(deleted, z.unknown(), "DELETE namespace");
      } catch (err) {
        problems.push(...problemsOf(err));
      }
    }
    let gone = await call("GET", namespacePath(target.accountId, namespace));
    // A delete may take a moment to be visible everywhere: look once more, if the budget has a call left.
    if (gone.status !== 404 && budget.used < budget.limit) {
      await new Promise((resolve) => setTimeout(resolve, CLEANUP_RECHECK_MS));
      gone = await call("GET", namespacePath(target.accountId, namespace));
    }
    problems.push(...errorProblems(gone, 404, undefined, "GET namespace after its delete"));
  } catch (err) {
    problems.push(...problemsOf(err));
  }
  const result = { status: (problems.length === 0 ? "passed" : "failed") as CheckStatus, problems };
  if (problems.length === 0) return { result };
  const url = `${target.baseUrl}${namespacePath(target.accountId, namespace)}`;
  return { result, leftover: `The scratch namespace "${namespace}" may still exist. Delete it with: curl -X DELETE -H "Authorization: Bearer $CLOUDFLARE_API_TOKEN" ${url}` };
}
