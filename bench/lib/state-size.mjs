// Where the bytes of `pulumi stack export` go: per tenant resource, and within it the per-file manifest lines.
//
// The export is Go's json.MarshalIndent with four spaces; JSON.stringify(…, null, 4) renders the same layout, so a
// resource's share can be measured by rendering it at its depth (resources sit three levels deep:
// root → "deployment" → "resources" → item). The check `renderedBytes` vs `bytes` says whether that held.

const INDENT = 4;
const RESOURCE_DEPTH = 3;

/** Bytes one value takes in the export when it sits `depth` levels deep (its lines indented, plus ",\n"). */
function renderedBytes(value, depth) {
  const text = JSON.stringify(value, null, INDENT);
  const lines = text.split("\n").length;
  return Buffer.byteLength(text) + lines * depth * INDENT + 2;
}

/**
 * `exportText`: stdout of `pulumi stack export`. `isTenant(resource)` picks the per-tenant resources; their
 * `inputs.manifest` (and `outputs.manifest`, if a version keeps it there) are the per-file part.
 */
export function analyzeState(exportText, { isTenant, files }) {
  const bytes = Buffer.byteLength(exportText);
  const parsed = JSON.parse(exportText);
  const resources = parsed.deployment?.resources ?? [];
  const tenants = resources.filter(isTenant);
  let tenantBytes = 0;
  let manifestBytes = 0;
  let providerBytes = 0;
  let propertyBytes = 0;
  let stackTraceBytes = 0;
  for (const resource of tenants) {
    const whole = renderedBytes(resource, RESOURCE_DEPTH);
    const stripped = structuredClone(resource);
    for (const side of ["inputs", "outputs"]) {
      if (stripped[side]?.manifest && typeof stripped[side].manifest === "object") stripped[side].manifest = {};
    }
    const withoutManifest = renderedBytes(stripped, RESOURCE_DEPTH);
    tenantBytes += whole;
    manifestBytes += whole - withoutManifest;
    // What the resource and its provider put there (inputs and outputs), as opposed to the engine's own bookkeeping
    // (URN, parent, provider reference, timestamps, source position and stack trace).
    const { inputs, outputs, ...bookkeeping } = stripped;
    propertyBytes += withoutManifest - renderedBytes(bookkeeping, RESOURCE_DEPTH);
    if (resource.stackTrace !== undefined) stackTraceBytes += renderedBytes(resource.stackTrace, RESOURCE_DEPTH + 1) + "\"stackTrace\": ".length;
    for (const side of ["inputs", "outputs"]) {
      const provider = resource[side]?.__provider;
      if (typeof provider === "string") providerBytes += Buffer.byteLength(JSON.stringify(provider));
    }
  }
  const count = tenants.length;
  return {
    bytes,
    renderedBytes: Buffer.byteLength(JSON.stringify(parsed, null, INDENT)),
    resources: resources.length,
    tenants: count,
    files,
    bytesPerTenant: count ? bytes / count : undefined,
    /** A tenant's resource entry without its manifest lines: what every tenant costs whatever its size. */
    fixedBytesPerTenant: count ? (tenantBytes - manifestBytes) / count : undefined,
    /** Of it, the inputs and outputs (the manifest left out): what this package decides. */
    propertyBytesPerTenant: count ? propertyBytes / count : undefined,
    /** Of those, the serialized provider (`__provider`, in inputs and outputs). */
    providerBytesPerTenant: count ? providerBytes / count : undefined,
    /** The rest is Pulumi's bookkeeping; of it, the stack trace of the resource's registration. */
    stackTraceBytesPerTenant: count ? stackTraceBytes / count : undefined,
    bytesPerFile: files ? manifestBytes / files : undefined,
    /** Everything that is not a tenant's resource: the stack, the component, the provider resource, the header. */
    restBytes: bytes - tenantBytes,
  };
}
