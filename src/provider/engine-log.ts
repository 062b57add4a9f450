import { engineAddress, logWarningToEngine } from "../host/engine-log-rpc.js";

/**
 * Warnings that reach `pulumi up`'s output as real diagnostics ("warning: …", counted in the update's summary), through
 * the engine's Log RPC (src/host/engine-log-rpc.ts: how, and what it assumes of the SDK). Outside the engine (a test
 * calling the provider directly) or with an SDK whose modules moved, stderr still shows the warning.
 */
export async function warn(message: string): Promise<void> {
  const address = engineAddress();
  try {
    if (address === undefined) throw new Error("no engine address");
    await logWarningToEngine(address, message);
  } catch {
    process.stderr.write(`warning: ${message}\n`);
  }
}
