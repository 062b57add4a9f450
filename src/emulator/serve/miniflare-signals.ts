/**
 * The emulator's one change to its host process. Miniflare adds SIGINT/SIGTERM/SIGHUP listeners that kill workerd
 * and exit the process at once (codes 130, 143, 129); it has no option to leave them out. In a program that handles
 * those signals itself, such as the emulator CLI or the demo, they pre-empt the program's graceful stop and its exit
 * code. Without any listener, though, the process would die by the signal and leave workerd running. So each
 * listener Miniflare adds is swapped for one that runs it only when every listener of that signal is such a swap:
 * that is, when nothing else handles the signal.
 *
 * What this relies on (the listeners are added inside `new Miniflare`, one per signal, the same functions for every
 * instance, and they exit the process) is checked against the real Miniflare in
 * test/emulator/serve/miniflare-signals.test.ts.
 */

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
type Listener = (...args: unknown[]) => void;

/** Original listener → its deferring replacement (kept for the process: Miniflare re-adds the same functions). */
const replacements = new Map<Listener, Listener>();
const isReplacement = new WeakSet<Listener>();

/** Runs `create` (which may add signal listeners) and swaps every signal listener it added. */
export function withDeferredSignalListeners<T>(create: () => T): T {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s) as Listener[])]));
  try {
    return create();
  } finally {
    for (const signal of SIGNALS) {
      for (const listener of process.listeners(signal) as Listener[]) {
        if (before.get(signal)!.has(listener) || isReplacement.has(listener)) continue;
        process.removeListener(signal, listener);
        const replacement = replacementFor(signal, listener);
        if (!process.listeners(signal).includes(replacement)) process.on(signal, replacement);
      }
    }
  }
}

function replacementFor(signal: NodeJS.Signals, listener: Listener): Listener {
  let replacement = replacements.get(listener);
  if (!replacement) {
    replacement = (...args: unknown[]) => {
      if ((process.listeners(signal) as Listener[]).every((l) => isReplacement.has(l))) listener(...args);
    };
    replacements.set(listener, replacement);
    isReplacement.add(replacement);
  }
  return replacement;
}
