/**
 * The provider's view of the resource's inputs and outputs. Their schemas and types are the resource's contract,
 * declared once in src/rules/user-worker-assets.ts and shared with the program side (src/resource).
 */
export {
  providerInputsSchema,
  type AssetConfigInput,
  type ProviderInputs,
  type ProviderOutputs,
  type WorkerInput,
  type WorkerModuleInput,
} from "../rules/user-worker-assets.js";

/** What the engine sends for a value it does not know yet (preview); any type, always this string. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}
