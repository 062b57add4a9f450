// Small numeric helpers shared by the benchmarks: medians, timing, load average, rounding.
import os from "node:os";

export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export async function timed(fn) {
  const start = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - start) / 1000, value };
}

export function round(value, digits = 2) {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** 1-, 5- and 15-minute load averages: other jobs share the 2 cores, so every figure is recorded with it. */
export function loadAverage() {
  return os.loadavg().map((value) => round(value, 2));
}

/** "3.2 s", "0.41 s": seconds as printed in the tables. */
export function seconds(value) {
  return `${round(value, value < 10 ? 2 : 1)} s`;
}

/** A ratio "value / baseline" with the target it is judged against, as a table cell and a JSON figure. */
export function judge(ratio, target) {
  if (!target) return { ratio: round(ratio, 2) };
  const met = target.atMost !== undefined ? ratio <= target.atMost : ratio >= target.atLeast;
  const text = target.atMost !== undefined ? `≤ ${target.atMost}` : `≥ ${target.atLeast}`;
  return { ratio: round(ratio, 2), target: text, met };
}

export const MiB = 1024 * 1024;
