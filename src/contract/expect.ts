/**
 * How a check states what it expected: it collects problems (each names the request and the field) and fails with
 * all of them at once, so one run shows every difference, not just the first.
 */
import type { z } from "zod";
import type { Reply } from "./http.js";
import { errorEnvelopeSchema, schemaProblems, successEnvelope } from "./schemas.js";

/** A check found answers that differ from Cloudflare's documented behaviour. */
export class ContractFailure extends Error {
  override readonly name = "ContractFailure";
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}

export class Problems {
  readonly list: string[] = [];

  expect(condition: boolean, problem: string): boolean {
    if (!condition) this.list.push(problem);
    return condition;
  }

  add(problems: string[]): void {
    this.list.push(...problems);
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw new ContractFailure(this.list);
  }
}

const describe = (reply: Reply): string => (reply.json === undefined ? JSON.stringify(reply.text.slice(0, 300)) : JSON.stringify(reply.json).slice(0, 600));

/**
 * A successful answer: 2xx, JSON, the envelope with `success: true`, and `result` matching `schema` strictly.
 * Throws (the rest of the check cannot go on without the result).
 */
export function expectResult<T extends z.ZodType>(reply: Reply, schema: T, what: string, info?: z.ZodType): z.infer<T> {
  if (reply.status < 200 || reply.status > 299) throw new ContractFailure([`${what}: HTTP ${reply.status}, expected 2xx: ${describe(reply)}`]);
  if (reply.json === undefined) throw new ContractFailure([`${what}: the answer is not JSON: ${describe(reply)}`]);
  const problems = schemaProblems(successEnvelope(schema, info), reply.json);
  if (problems.length > 0) throw new ContractFailure(problems.map((p) => `${what}: ${p}`));
  return (reply.json as { result: z.infer<T> }).result;
}

/** A refusal: this status, the error envelope, and `code` among its errors. Returns the problems ([] if none). */
export function errorProblems(reply: Reply, status: number, code: number | undefined, what: string): string[] {
  const problems: string[] = [];
  if (reply.status !== status) problems.push(`${what}: HTTP ${reply.status}, expected ${status}: ${describe(reply)}`);
  if (reply.json === undefined) return [...problems, `${what}: the answer is not JSON: ${describe(reply)}`];
  const shape = schemaProblems(errorEnvelopeSchema, reply.json);
  problems.push(...shape.map((p) => `${what}: ${p}`));
  if (code !== undefined && shape.length === 0) {
    const codes = (reply.json as { errors: Array<{ code: number }> }).errors.map((e) => e.code);
    if (!codes.includes(code)) problems.push(`${what}: error codes [${codes.join(", ")}], expected ${code} among them: ${describe(reply)}`);
  }
  return problems;
}

/** Same members, any order. */
export function sameSet(actual: readonly string[], expected: readonly string[]): boolean {
  const a = [...actual].sort();
  const e = [...expected].sort();
  return a.length === e.length && a.every((v, i) => v === e[i]);
}
