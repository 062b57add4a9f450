/**
 * A compile-time check that two types are the same type, not merely assignable to each other (which would miss an
 * optional property one of them lacks): `SameType<A, B>` compiles only when A and B are identical. Used to keep a
 * plain, zod-free type equal to the type of the schema that validates it (src/rules/user-worker-assets.ts).
 */
type Identical<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export type SameType<A, B extends Identical<A, B> extends true ? unknown : never> = [A, B];
