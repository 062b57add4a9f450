/**
 * The contract suite's default target: a freshly started local emulator. It lives with the CLI because the suite
 * (src/contract) judges any API and imports nothing of the emulator; the CLI may start one.
 */
import { EMULATOR_ACCOUNT, type ContractTarget } from "../contract/index.js";
import { startEmulator } from "../emulator/index.js";

/** Starts an emulator with Cloudflare's rate limit on (so its headers are there to judge); `close()` stops it. */
export async function emulatorTarget(): Promise<{ target: ContractTarget; close: () => Promise<void> }> {
  const emulator = await startEmulator({ rateLimit: true });
  return { target: { kind: "emulator", baseUrl: emulator.url, token: emulator.tokens[0]!, accountId: EMULATOR_ACCOUNT }, close: () => emulator.close() };
}
