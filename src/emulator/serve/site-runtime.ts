import type { Miniflare, MiniflareOptions, WorkerOptions } from "miniflare";
import type { MiniflareLoader, MiniflareModule } from "./miniflare-loader.js";
import { withDeferredSignalListeners } from "./miniflare-signals.js";

/**
 * One Miniflare instance (one workerd process) running every active site as its own Worker. Miniflare 5 gives
 * each Worker its own assets disk service, so sites never see each other's files. Each Worker gets a direct socket
 * that enters through its asset router (Miniflare's entry socket would hand a request to the user Worker and skip
 * the assets). `apply` replaces the whole set (workerd restarts); a version workerd refuses (a syntax error, a
 * future compatibility date) is left out and reported, so one broken upload does not take the other sites down.
 * Miniflare's signal listeners are made to defer to the host program's own (miniflare-signals.ts).
 */

export interface SiteWorker {
  key: string;
  workerName: string;
  /** What messages call the Worker instead of its internal name ("<namespace>/<script>"). */
  label: string;
  options: WorkerOptions;
}

export interface ApplyResult {
  /** key → the Worker's own socket */
  urls: Map<string, URL>;
  /** key → why workerd refused that version */
  failed: Map<string, string>;
}

export interface RuntimeLogger {
  log(line: string): void;
  warn(line: string): void;
}

export class SiteRuntime {
  private mf: Miniflare | undefined;
  private module: MiniflareModule | undefined;
  private labels = new Map<string, string>();

  constructor(
    private readonly load: MiniflareLoader,
    private readonly logger: RuntimeLogger,
  ) {}

  /** Loads miniflare (throws MiniflareMissingError when it is not installed). */
  async ensureLoaded(): Promise<MiniflareModule> {
    this.module ??= await this.load();
    return this.module;
  }

  /**
   * Runs exactly `workers`. `fresh` names the ones that are new or changed since the last successful apply: when
   * the whole set fails, those are retried one by one on top of the rest, and the ones that fail are dropped.
   * Throws when even the unchanged set cannot run (workerd itself is broken).
   */
  async apply(workers: SiteWorker[], fresh: ReadonlySet<string>): Promise<ApplyResult> {
    const failed = new Map<string, string>();
    this.labels = new Map(workers.map((w) => [w.workerName, w.label]));
    if (workers.length === 0) {
      await this.dispose();
      return { urls: new Map(), failed };
    }
    let firstError: unknown;
    try {
      await this.run(workers);
      return { urls: await this.urls(workers), failed };
    } catch (err) {
      if (fresh.size === 0) throw err;
      firstError = err;
    }
    let good = workers.filter((w) => !fresh.has(w.key));
    let running = false;
    if (good.length > 0) {
      await this.run(good); // throws: the unchanged set ran before, so workerd itself is at fault
      running = true;
    }
    const candidates = workers.filter((w) => fresh.has(w.key));
    if (candidates.length === 1) {
      // One new version on top of a set that runs: the first failure was that version's, no need to retry it.
      failed.set(candidates[0]!.key, this.relabel(describeError(firstError)));
    } else {
      for (const candidate of candidates) {
        try {
          await this.run([...good, candidate]);
          good = [...good, candidate];
          running = true;
        } catch (err) {
          failed.set(candidate.key, this.relabel(describeError(err)));
          running = false;
        }
      }
    }
    if (good.length === 0) {
      await this.dispose();
      return { urls: new Map(), failed };
    }
    if (!running) await this.run(good);
    return { urls: await this.urls(good), failed };
  }

  async dispose(): Promise<void> {
    const mf = this.mf;
    this.mf = undefined;
    // dispose() rethrows a failed start-up; the process is gone either way.
    await mf?.dispose().catch(() => undefined);
  }

  private async run(workers: SiteWorker[]): Promise<void> {
    const mod = await this.ensureLoaded();
    const options = this.instanceOptions(mod, workers);
    try {
      if (this.mf) {
        await this.mf.setOptions(options);
      } else {
        this.mf = withDeferredSignalListeners(() => new mod.Miniflare(options));
        await this.mf.ready;
      }
    } catch (err) {
      // After a failed start workerd's state is unknown: start from a fresh instance next time.
      await this.dispose();
      throw err;
    }
  }

  /** Internal Worker names in workerd's messages → the sites' labels. */
  private relabel(text: string): string {
    let out = text;
    for (const [name, label] of this.labels) out = out.split(name).join(label);
    return out;
  }

  private async urls(workers: SiteWorker[]): Promise<Map<string, URL>> {
    const urls = new Map<string, URL>();
    for (const w of workers) urls.set(w.key, await this.mf!.unsafeGetDirectURL(w.workerName));
    return urls;
  }

  private instanceOptions(mod: MiniflareModule, workers: SiteWorker[]): MiniflareOptions {
    const { logger } = this;
    const relabel = (text: string) => this.relabel(text);
    class EmulatorLog extends mod.Log {
      protected override log(message: string): void {
        logger.log(`sites: ${relabel(message)}`);
      }
    }
    return {
      host: "127.0.0.1",
      port: 0,
      // Never look anything up on the network: no request.cf download, no cross-process dev registry.
      cf: false,
      enableDevRegistry: false,
      telemetry: { enabled: false },
      logRequests: false,
      log: new EmulatorLog(mod.LogLevel.WARN),
      handleStructuredLogs: ({ level, message }) => {
        const line = `sites: worker ${level}: ${this.relabel(message)}`;
        if (level === "error" || level === "warn") logger.warn(line);
        else logger.log(line);
      },
      workers: workers.map((w) => w.options),
    };
  }
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
