/**
 * The arguments and outputs of `UserWorkerAssets` as the program's types. They are derived from the resource's one
 * contract (src/rules/user-worker-assets.ts, where each property is documented): here each argument only becomes a
 * `pulumi.Input`, so it may also come from another resource.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { UserWorkerAssetsArgsValues, UserWorkerAssetsOutputs } from "../rules/index.js";

export type { AssetConfigArgs, InlineWorkerModule, UserWorkerArgs, UserWorkerAssetsOutputs } from "../rules/index.js";

/** A list argument takes a list of inputs as well as one input of a list; anything else is one input. */
type ProgramInput<T> = [T] extends [readonly (infer E)[]] ? pulumi.Input<pulumi.Input<E>[]> : pulumi.Input<T>;

/** What `new UserWorkerAssets(name, args)` takes. */
export type UserWorkerAssetsArgs = { [K in keyof UserWorkerAssetsArgsValues]: ProgramInput<NonNullable<UserWorkerAssetsArgsValues[K]>> };

/** The resource's outputs as properties: each output of the contract as a `pulumi.Output`. */
export type UserWorkerAssetsOutputProperties = { readonly [K in keyof UserWorkerAssetsOutputs]-?: pulumi.Output<UserWorkerAssetsOutputs[K]> };
