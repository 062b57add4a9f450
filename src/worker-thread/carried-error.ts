/**
 * Errors across a thread boundary, with their type. Structured clone keeps an Error's message but drops its class and
 * fields, so `error instanceof DeployError` and `error.step` would be lost between a thread and its caller. A thread
 * sends each error as plain data (carryError) and the caller rebuilds it (reviveError), cause chain included.
 *
 * Which classes come back as themselves is the user's list of ErrorTypes (most specific first: a subclass before its
 * base class); anything else comes back as an Error with the same name, message, stack and `code`. Nothing new is
 * said here: messages were redacted where they were made, and only the listed fields cross.
 */
import { z } from "zod";

/** How a class of errors crosses: its fields as plain data, checked by `fields` on arrival, and how to rebuild it. */
export interface ErrorType<E extends Error = Error, F = unknown> {
  /** A name unique among the types of one list. */
  type: string;
  matches(error: unknown): error is E;
  toFields(error: E): F;
  fields: z.ZodType<F>;
  rebuild(message: string, fields: F, cause: Error | undefined): Error;
}

/** Declares an ErrorType with its types checked together. */
export function errorType<E extends Error, F>(type: ErrorType<E, F>): ErrorType {
  return type as unknown as ErrorType;
}

export interface CarriedError {
  /** The ErrorType's `type`, or undefined for an error of no listed type. */
  type?: string | undefined;
  name: string;
  message: string;
  stack?: string | undefined;
  code?: string | undefined;
  fields?: unknown;
  cause?: CarriedError | undefined;
}

export const carriedErrorSchema: z.ZodType<CarriedError> = z.lazy(() =>
  z.object({
    type: z.string().optional(),
    name: z.string(),
    message: z.string(),
    stack: z.string().optional(),
    code: z.string().optional(),
    fields: z.unknown().optional(),
    cause: carriedErrorSchema.optional(),
  }),
);

/** How deep a cause chain is carried; deeper causes are cut (a cycle cannot loop). */
const MAX_CAUSE_DEPTH = 4;

/** An error (or anything thrown) as plain data that survives postMessage and carriedErrorSchema. */
export function carryError(error: unknown, types: readonly ErrorType[], depth = 0): CarriedError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const cause = error.cause !== undefined && depth < MAX_CAUSE_DEPTH ? carryError(error.cause, types, depth + 1) : undefined;
  const code = (error as { code?: unknown }).code;
  const type = types.find((candidate) => candidate.matches(error));
  return {
    type: type?.type,
    name: error.name,
    message: error.message,
    stack: typeof error.stack === "string" ? error.stack : undefined,
    code: typeof code === "string" ? code : undefined,
    fields: type?.toFields(error),
    cause,
  };
}

/** The error a CarriedError describes: its own class with its own fields when its type is listed and its fields check. */
export function reviveError(data: CarriedError, types: readonly ErrorType[]): Error {
  const cause = data.cause === undefined ? undefined : reviveError(data.cause, types);
  const type = types.find((candidate) => candidate.type === data.type);
  const fields = type?.fields.safeParse(data.fields);
  let error: Error;
  if (type && fields?.success) {
    error = type.rebuild(data.message, fields.data, cause);
  } else {
    error = new Error(data.message, cause === undefined ? undefined : { cause });
    error.name = data.name;
    if (data.code !== undefined) (error as NodeJS.ErrnoException).code = data.code;
  }
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}
