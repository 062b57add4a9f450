/**
 * The dynamic provider as Pulumi serializes it into state (`__provider`, stored with every resource's inputs AND
 * outputs, so its size is paid twice per tenant).
 *
 * This module is the provider: `UserWorkerAssets` passes its exports object, or, where the package is linked (npm
 * workspaces, `npm link`, a `file:` dependency), a frozen copy of it registered at the link's path
 * (src/provider/provider-reference.ts). Pulumi's closure serializer then stores just
 * `require("pulumi-wfp-assets/provider")` instead of the functions' text (docs/pulumi-dynamic-providers.md §11). Where
 * neither works, the functions are serialized by value; state written that way before stays in use until a
 * resource's next update, so each function loads the engine by *package name* at run time: the text holds no library
 * code, client, credential or path, and the engine that runs is the one installed next to the program. No function
 * here may reference this module's `exports` or other module-level bindings: the serializer would capture them.
 */
import type * as pulumi from "@pulumi/pulumi";

type Engine = typeof import("./engine.js");

export async function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  (require("pulumi-wfp-assets/provider-engine") as Engine).provider.configure(req.config);
}
export async function check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return (require("pulumi-wfp-assets/provider-engine") as Engine).provider.check(news);
}
export async function diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> {
  return (require("pulumi-wfp-assets/provider-engine") as Engine).provider.diff(olds, news);
}
export async function create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  return (require("pulumi-wfp-assets/provider-engine") as Engine).provider.create(inputs);
}
export async function update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> {
  return (require("pulumi-wfp-assets/provider-engine") as Engine).provider.update(olds, news);
}
export async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
  return (require("pulumi-wfp-assets/provider-engine") as Engine).provider.read(id, props);
}
// `delete` is a keyword; the export is named so through the alias below.
async function remove(_id: string, props: Record<string, unknown>): Promise<void> {
  return (require("pulumi-wfp-assets/provider-engine") as Engine).provider.delete(props);
}
export { remove as delete };
