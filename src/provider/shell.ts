/**
 * The dynamic provider as Pulumi serializes it into state (`__provider`, stored with every resource's inputs and
 * outputs). Keep it tiny: each method loads the engine by *package name* at run time and hands over its arguments, so
 * the serialized text holds no library code, no client, no credential, no absolute path and no reference to this
 * module's `exports` (a captured module reference makes Pulumi serialize `require("pulumi-wfp-assets/dist/provider.js")`,
 * which the package's "exports" map does not allow — the first `pulumi up` of an installed package failed so). The
 * engine that runs is the one installed next to the program; credentials come from configure() or the environment.
 */
import type * as pulumi from "@pulumi/pulumi";

export const userWorkerAssetsProvider: pulumi.dynamic.ResourceProvider & { state?: object } = {
  async configure(req) {
    this.state = {};
    require("pulumi-wfp-assets/provider-engine").provider.configure(this.state, req.config);
  },
  async check(_olds, news) {
    return require("pulumi-wfp-assets/provider-engine").provider.check(this.state ?? {}, news);
  },
  async diff(_id, olds, news) {
    return require("pulumi-wfp-assets/provider-engine").provider.diff(olds, news);
  },
  async create(inputs) {
    return require("pulumi-wfp-assets/provider-engine").provider.create(this.state ?? {}, inputs);
  },
  async update(_id, olds, news) {
    return require("pulumi-wfp-assets/provider-engine").provider.update(this.state ?? {}, olds, news);
  },
  async read(id, props) {
    return require("pulumi-wfp-assets/provider-engine").provider.read(this.state ?? {}, id, props);
  },
  async delete(_id, props) {
    return require("pulumi-wfp-assets/provider-engine").provider.delete(this.state ?? {}, props);
  },
};
