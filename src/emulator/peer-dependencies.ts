/**
 * The emulator's server-side packages are optional peer dependencies of pulumi-wfp-assets: a user who deploys to
 * Cloudflare never runs the emulator and should not install them. They are checked when an emulator starts, so a
 * missing one is one clear message instead of a module-resolution stack trace.
 */

/** Versions the emulator is built and tested against (package.json devDependencies / peerDependencies). */
export const SERVER_PACKAGES = { busboy: "1.6.0", jose: "6.2.17" } as const;

export class EmulatorDependencyError extends Error {
  constructor(missing: string[]) {
    const install = missing.map((name) => `${name}@${SERVER_PACKAGES[name as keyof typeof SERVER_PACKAGES]}`).join(" ");
    super(
      `The local emulator needs the optional peer ${missing.length === 1 ? "dependency" : "dependencies"} ${missing.join(" and ")}, ` +
        `not installed here. Run: npm install --save-dev ${install} (and miniflare to serve deployed sites).`,
    );
    this.name = "EmulatorDependencyError";
  }
}

/** Throws EmulatorDependencyError naming every missing package; `resolve` is replaceable for tests. */
export function assertServerDependencies(resolve: (name: string) => string = require.resolve): void {
  const missing = Object.keys(SERVER_PACKAGES).filter((name) => {
    try {
      resolve(name);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) throw new EmulatorDependencyError(missing);
}
