/**
 * `--record DIR`: every exchange as one JSON file (`001-namespace-create-POST.json`, …), redacted (./redact.ts), and
 * `summary.json` with the outcome, so a difference between the emulator and Cloudflare becomes files a user can
 * attach to an issue — or diff: a recording of each, side by side. Files are written as the run goes, so a run that
 * stops half-way still leaves what it saw.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Exchange } from "./exchange.js";
import { type RedactionContext, redactExchange, redactJson } from "./redact.js";

export class RecordDirError extends Error {
  override readonly name = "RecordDirError";
}

export interface Recorder {
  readonly dir: string;
  exchange(exchange: Exchange): void;
  summary(summary: unknown): void;
}

/** Refuses a folder that already holds files: two runs in one folder would mix their exchanges. */
export function createRecorder(dir: string, context: RedactionContext): Recorder {
  const absolute = path.resolve(dir);
  let existing: string[] = [];
  try {
    existing = readdirSync(absolute);
  } catch {
    // Missing: created below.
  }
  if (existing.length > 0) throw new RecordDirError(`--record ${dir}: the folder is not empty (${existing.length} entries); give a new or empty folder so runs do not mix.`);
  mkdirSync(absolute, { recursive: true });
  const write = (name: string, value: unknown) => writeFileSync(path.join(absolute, name), `${JSON.stringify(value, null, 2)}\n`);
  return {
    dir: absolute,
    exchange(exchange) {
      const safe = redactExchange(exchange, context);
      write(`${String(safe.seq).padStart(3, "0")}-${safe.check}-${safe.method}.json`, safe);
    },
    summary(summary) {
      write("summary.json", redactJson(summary, context));
    },
  };
}
