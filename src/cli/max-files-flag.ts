import { maxFilesMessage, maxFilesSchema } from "../rules/index.js";

/**
 * `--max-files N` under the shared rule (src/rules/limits.ts): the number, or the rule's one message naming the flag.
 * Only plain digits count as a number, so "1e3" or "0x10" are refused rather than read the way `Number()` would.
 */
export function parseMaxFilesFlag(text: string): { value: number } | { problem: string } {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  return maxFilesSchema.safeParse(value).success ? { value } : { problem: maxFilesMessage(text, "--max-files") };
}
