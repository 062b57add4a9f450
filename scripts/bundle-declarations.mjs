// Rolls each public entry point's declarations (package.json "exports" → "types") up into that one file, after
// `tsc` wrote them (`npm run build` runs this).
//
//   node scripts/bundle-declarations.mjs
//
// Why: tsc writes one .d.ts per module, and a user's type-check loads every file the entry's imports reach, used or
// not: src/rules/*.d.ts declare the zod schemas, so importing "pulumi-wfp-assets" loaded 95 zod and 44 undici
// declaration files (under `pulumi new typescript`'s tsconfig; ~50 MiB in a ts-node program, README "Performance").
// A rolled-up entry keeps only the declarations its exports use; those are plain types
// (src/rules/user-worker-assets-types.ts), so the files name neither zod nor undici
// (test/package/public-declarations.e2e.test.ts checks it on the installed package). Each entry is bundled on its own
// (no shared chunks) and all are generated before any is written, so every bundle reads tsc's files.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { rollup } from "rollup";
import { dts } from "rollup-plugin-dts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const manifest = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8"));

const entries = Object.values(manifest.exports)
  .map((target) => (typeof target === "object" && target !== null ? target.types : undefined))
  .filter((types) => typeof types === "string")
  .map((types) => path.join(repoRoot, types));

/** Packages (anything not a relative or absolute path) stay imports; rollup keeps only the imports still used. */
const external = (id) => !id.startsWith(".") && !path.isAbsolute(id);

const bundles = [];
for (const entry of entries) {
  const bundle = await rollup({ input: entry, plugins: [dts()], external, onwarn: (warning) => { throw new Error(`${path.relative(repoRoot, entry)}: ${warning.message}`); } });
  const { output } = await bundle.generate({ format: "es" });
  await bundle.close();
  if (output.length !== 1) throw new Error(`${path.relative(repoRoot, entry)} rolled up into ${output.length} files; expected one.`);
  bundles.push([entry, output[0].code]);
}
for (const [entry, code] of bundles) writeFileSync(entry, code);
process.stdout.write(`rolled up the declarations of ${bundles.map(([entry]) => path.relative(path.join(repoRoot, "dist"), entry)).join(", ")}\n`);
