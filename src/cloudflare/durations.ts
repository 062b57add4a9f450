/** Human durations for settings ("90s", "5m", "1500ms") and for wait messages. Pure. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * "1500ms", "90s", "1.5s", "5m", "1h", or a bare number of seconds ("90", 90): settings come from stack config
 * and environment variables as text, and seconds are the natural unit for every transport setting.
 * Undefined for anything else (the caller names the setting in its error).
 */
export function parseDurationMs(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = (match[2] ?? "s").toLowerCase();
  const ms = amount * (UNIT_MS[unit] ?? 1000);
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** "12 s", "5 min", "1 h 30 min": whole seconds rounded up, so a wait is never announced shorter than it is. */
export function formatWait(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** A window or a configured duration as a person would write it: "300 s", "1 s", "1.5 s", "250 ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds.toLocaleString("en-US") : seconds.toFixed(1)} s`;
}

/** 1200 → "1,200". */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
