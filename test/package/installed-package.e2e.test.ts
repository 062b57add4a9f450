/**
 * What a user does: `npm pack` of the repository, `npm install <tarball> @pulumi/pulumi@<v>` into a fresh project
 * outside the repository (the package a real folder in node_modules, resolved through its "exports"), one
 * `UserWorkerAssets` in index.js (plain `require`) or index.ts, then `pulumi up`, `preview --diff`, `refresh` and
 * `destroy` against the emulator — for the lowest `@pulumi/pulumi` the peerDependency range admits and the pinned
 * one. Asserted the way a visitor sees it: what the emulator serves at the site's address.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { EMULATOR_ACCOUNT, emulatorAdmin, fetchSite } from "../fixtures/emulator.mjs";
import type { ProjectLanguage } from "../fixtures/installed-package.mjs";
import { PulumiProject } from "../fixtures/pulumi-project.mjs";
import { OLDEST_SDK, PINNED_SDK, pulumiBinDir } from "../fixtures/repo.mjs";
import { guardSecrets } from "../e2e/secret-guard.js";

const TOKEN = "package-e2e-token-8e41d0c2";
const NAMESPACE = "tenants";

/** The resource as the README shows it, in each language. */
function program(language: ProjectLanguage, scriptName: string): string {
  const args = `{ accountId: "${EMULATOR_ACCOUNT}", namespace: "${NAMESPACE}", scriptName: "${scriptName}", directory: "public" }`;
  return language === "js"
    ? `const { UserWorkerAssets } = require("pulumi-wfp-assets");\n\nconst site = new UserWorkerAssets("site", ${args});\nexports.fileCount = site.fileCount;\n`
    : `import { UserWorkerAssets } from "pulumi-wfp-assets";\n\nconst site = new UserWorkerAssets("site", ${args});\nexport const fileCount = site.fileCount;\n`;
}

/** What `pulumi new typescript` puts next to index.ts. */
const TSCONFIG = JSON.stringify(
  {
    compilerOptions: { strict: true, outDir: "bin", target: "es2020", module: "commonjs", moduleResolution: "node", sourceMap: true, forceConsistentCasingInFileNames: true },
    files: ["index.ts"],
  },
  null,
  2,
);

let emulator: RunningEmulator;
const projects: PulumiProject[] = [];

beforeAll(async () => {
  await pulumiBinDir();
  emulator = await startEmulator({ tokens: [TOKEN] });
  await emulatorAdmin({ url: emulator.url, token: TOKEN }).createNamespace(NAMESPACE);
}, 45 * 60_000);

afterAll(async () => {
  for (const project of projects) await project.dispose();
  await emulator?.close();
});

guardSecrets(() => projects);

const cases = [PINNED_SDK, OLDEST_SDK].flatMap((sdkVersion) => (["js", "ts"] as const).map((language) => ({ sdkVersion, language })));

describe.each(cases)("the packed package with @pulumi/pulumi@$sdkVersion in a $language project", { timeout: 300_000 }, ({ sdkVersion, language }) => {
  const script = `site-${language}-${sdkVersion.replaceAll(".", "-")}`;
  let project: PulumiProject;
  const visit = (pathname: string) => fetchSite(emulator.origin, { namespace: NAMESPACE, script }, pathname);

  beforeAll(async () => {
    project = await PulumiProject.create({
      name: `wfp-package-${language}`,
      language,
      sdkVersion,
      program: program(language, script),
      files: {
        "public/index.html": "<h1>first version</h1>",
        "public/about/index.html": "<h1>about</h1>",
        ...(language === "ts" ? { "tsconfig.json": TSCONFIG } : {}),
      },
      env: { CLOUDFLARE_API_BASE_URL: emulator.url, CLOUDFLARE_API_TOKEN: TOKEN },
    });
    projects.push(project);
    project.secrets.add(TOKEN);
    await project.initStack("dev");
  }, 10 * 60_000);

  it("is installed as a user installs it", async () => {
    expect(project.installed.sdkVersion).toBe(sdkVersion);
    expect(Object.keys(project.installed.dependencies).sort()).toEqual(
      language === "ts" ? ["@pulumi/pulumi", "@types/node", "pulumi-wfp-assets", "ts-node", "typescript"] : ["@pulumi/pulumi", "pulumi-wfp-assets"],
    );
    expect(project.installed.dependencies["pulumi-wfp-assets"]).toMatch(/^file:.*\.tgz$/);
  });

  it("`pulumi up` deploys the folder and the emulator serves it", async () => {
    await project.ok(["up", "--yes"]);
    const home = await visit("/");
    expect(home.status).toBe(200);
    expect(home.body).toContain("<h1>first version</h1>");
    expect((await visit("/about/")).body).toContain("<h1>about</h1>");
    expect(await project.outputs()).toEqual({ fileCount: 2 });
  });

  it("`pulumi preview --diff` names the edited file, and the next `up` serves the edit", async () => {
    await project.write("public/index.html", "<h1>second version</h1>");
    const preview = await project.ok(["preview", "--diff"]);
    const changed = preview.output.split("\n").filter((line) => /^\s*[-+~]\s+"?\/[^\s"]*"?\s*:/.test(line));
    expect(changed.map((line) => line.split(":")[0]!.trim())).toEqual(["~ /index.html"]);
    expect((await visit("/")).body).toContain("<h1>first version</h1>");

    await project.ok(["up", "--yes"]);
    expect((await visit("/")).body).toContain("<h1>second version</h1>");
  });

  it("`pulumi refresh` finds the worker as deployed", async () => {
    const refresh = await project.ok(["refresh", "--yes"]);
    expect(refresh.output).not.toMatch(/deleted|error/i);
    const preview = await project.ok(["preview", "--diff"]);
    expect(preview.output).toMatch(/2 unchanged/);
    expect((await visit("/")).body).toContain("<h1>second version</h1>");
  });

  it("`pulumi destroy` removes the worker: the emulator serves nothing there", async () => {
    await project.ok(["destroy", "--yes"]);
    const home = await visit("/");
    expect(home.status).toBe(404);
    expect(home.body).not.toContain("second version");
    const served = (await (await fetch(`${emulator.origin}/__sites`)).json()) as Array<{ script: string }>;
    expect(served.map((site) => site.script)).not.toContain(script);
  });
});
