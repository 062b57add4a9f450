/** What every check sees: the run's names, the state earlier checks left, and a client bound to the check. */
import type { Exchange } from "./exchange.js";
import type { CallOptions, Reply } from "./http.js";
import type { SiteFile } from "./site.js";

export interface RunNames {
  /** 8 random hex characters, in every name and file of the run. */
  runId: string;
  /** The scratch dispatch namespace. */
  namespace: string;
  /** A tag of the `wfp-owner=<project>/<stack>` form the product marks scripts with (holds `=` and `/`). */
  ownerTag: string;
  /** A second tag, only on the script with code. */
  codeTag: string;
  /** The script with a worker module. */
  codeScript: string;
  /** The assets-only script. */
  assetsScript: string;
  /** A name no script of the namespace has. */
  missingScript: string;
}

export function runNames(runId: string): RunNames {
  return {
    runId,
    namespace: `wfp-contract-${runId}`,
    ownerTag: `wfp-owner=contract/${runId}`,
    codeTag: "wfp-contract-code",
    codeScript: "contract-code",
    assetsScript: "contract-assets",
    missingScript: "contract-missing",
  };
}

export interface RunState {
  site: SiteFile[];
  uploadJwt?: string;
  buckets?: string[][];
  completionJwt?: string;
  /** The server's clock when the completion JWT arrived (seconds). */
  completionAt?: number;
  secondCompletionJwt?: string;
  /** The first PUT of the script with code, as GET read it back. */
  firstEtag?: string;
  /**
   * What became of the namespace create: cleanup deletes a namespace that was created, or may have been (the request
   * got no answer), and leaves alone one that was never requested or was refused.
   */
  namespace: "not-requested" | "unknown" | "created" | "refused";
  /** Scripts that may exist (a PUT was sent and no delete succeeded): cleanup deletes them. */
  alive: Set<string>;
  /** Every exchange so far, unredacted (memory only: the rate-limit check reads their headers). */
  exchanges: Exchange[];
}

export interface CheckContext {
  account: string;
  names: RunNames;
  state: RunState;
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  /** An observation shown under the check's line (not a failure). */
  note(text: string): void;
}

export interface ContractCheck {
  id: string;
  title: string;
  /** The most API calls it can make: the runner refuses to start a check the budget cannot pay for. */
  maxCalls: number;
  /** Checks whose success this one builds on: if one did not pass, this one is skipped. */
  needs: string[];
  run(ctx: CheckContext): Promise<void>;
}
