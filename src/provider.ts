/**
 * The dynamic provider as Pulumi serializes it into state (`__provider`). Keep it thin: every
 * method loads the engine by *package name* at run time, so the serialized text holds no
 * library code, no client, no credential and no absolute path — just these few lines — and the
 * engine that runs is the one installed next to the program. Credentials come from configure()
 * (stack config) or the environment, inside the provider process only.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ConfigOverrides } from "./cloudflare/index.js";
import type { ProviderOutputs } from "./provider/inputs.js";

/** Resolved from the program's folder by the provider process (see package.json "exports"). */
export const ENGINE_MODULE = "pulumi-wfp-assets/provider-engine";

type Engine = typeof import("./provider/engine.js");

interface ProviderWithConfig extends pulumi.dynamic.ResourceProvider {
  overrides?: ConfigOverrides;
}

export const userWorkerAssetsProvider: ProviderWithConfig = {
  async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    const engine: Engine = require(ENGINE_MODULE);
    this.overrides = engine.readProviderConfig(req.config);
  },

  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
    const engine: Engine = require(ENGINE_MODULE);
    const result = engine.check(news);
    // Credentials are resolved (not used) here so that a stack without any fails in preview, before any API call.
    const failures = [...result.failures, ...engine.credentialFailures(this.overrides ?? {})];
    return failures.length > 0 ? { failures } : { inputs: result.inputs };
  },

  async diff(_id: string, olds: ProviderOutputs, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> {
    const engine: Engine = require(ENGINE_MODULE);
    const decision = engine.diff(olds, news);
    return { changes: decision.changes, replaces: decision.replaces, deleteBeforeReplace: decision.deleteBeforeReplace };
  },

  async create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    const engine: Engine = require(ENGINE_MODULE);
    const { id, outs } = await engine.deploy(inputs, this.overrides ?? {}, (line) => console.log(line));
    return { id, outs };
  },

  async update(_id: string, _olds: ProviderOutputs, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> {
    const engine: Engine = require(ENGINE_MODULE);
    const { outs } = await engine.deploy(news, this.overrides ?? {}, (line) => console.log(line));
    return { outs };
  },

  async read(id: string, props: ProviderOutputs): Promise<pulumi.dynamic.ReadResult> {
    const engine: Engine = require(ENGINE_MODULE);
    return engine.read(id, props, this.overrides ?? {});
  },

  async delete(_id: string, props: ProviderOutputs): Promise<void> {
    const engine: Engine = require(ENGINE_MODULE);
    await engine.remove(props, this.overrides ?? {});
  },
};
