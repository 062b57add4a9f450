import type { z } from "zod";
import { accountIdSchema, namespaceNameSchema, scriptNameSchema } from "./names.js";

function problemOf(schema: z.ZodType, value: unknown): string | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? undefined : parsed.error.issues[0]?.message;
}

/** The problem with a script name, or undefined when Cloudflare accepts it (e.g. to validate tenant names). */
export const checkScriptName = (name: unknown): string | undefined => problemOf(scriptNameSchema, name);
export const checkNamespaceName = (name: unknown): string | undefined => problemOf(namespaceNameSchema, name);
export const checkAccountId = (id: unknown): string | undefined => problemOf(accountIdSchema, id);
