// The benchmarks' sites, written on the fly into a scratch directory from the shared seeded generator
// (test/fixtures/sites.mts): the same bytes on every run, so figures from different days hash and upload exactly
// the same content.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { seededRandom, writeSyntheticSite } from "./fixtures.mjs";
import { MiB } from "./measure.mjs";

export { seededRandom, writeSyntheticSite };

/**
 * Writes every dirty page back to disk (`sync`), so the kernel's writeback of a site just written does not overlap the
 * measured run that follows (it cost the first deploy round up to 2 s of kernel time here; bench/README.md).
 */
export function flushWrites() {
  execFileSync("sync");
}

/** The 20,000 × 4 KiB site of the issue: 100 directories, five text extensions. */
export const SITE_20K = { directories: 100, filesPerDirectory: 200, fileSize: 4096, extensions: ["html", "css", "js", "json", "txt"], seed: 20261122 };

/** The 100,000 × 4 KiB site (issue 20): Cloudflare's per-version limit on paid plans, the same shape five times over. */
export const SITE_100K = { ...SITE_20K, directories: 500, seed: 20261207 };

/**
 * The "about 2 GiB" mixed site: many small files, a few hundred medium ones (streamed by the hasher, > 192 KiB)
 * and some of 10–25 MiB (the per-file limit is 25 MiB). ~14,500 files, ~2.0 GiB.
 */
export const MIXED_SITE = {
  seed: 424242,
  groups: [
    { name: "small", count: 14000, minBytes: 1024, maxBytes: 100 * 1024, extensions: ["html", "css", "js", "json", "svg", "txt"] },
    { name: "medium", count: 400, minBytes: 256 * 1024, maxBytes: 2 * MiB, extensions: ["png", "jpg", "woff2", "js"] },
    { name: "large", count: 52, minBytes: 10 * MiB, maxBytes: 25 * MiB, extensions: ["mp4", "webm", "pdf", "zip"] },
  ],
};

/**
 * Writes a site of files whose sizes are drawn (seeded) from each group's range. Content is a 64-byte header
 * that makes every file unique (so nothing dedups) followed by bytes copied from a seeded random pool at a
 * seeded offset: generating 2 GiB byte by byte would take minutes. Returns { files, bytes, byGroup }.
 */
export function writeMixedSite(root, spec = MIXED_SITE) {
  const random = seededRandom(spec.seed);
  const pool = Buffer.alloc(4 * MiB + 7);
  for (let i = 0; i < pool.length; i++) pool[i] = Math.floor(random() * 256);
  let bytes = 0;
  let files = 0;
  const byGroup = {};
  for (const group of spec.groups) {
    let groupBytes = 0;
    for (let n = 0; n < group.count; n++) {
      const size = group.minBytes + Math.floor(random() * (group.maxBytes - group.minBytes + 1));
      const extension = group.extensions[n % group.extensions.length];
      const relative = `${group.name}/d${String(n % 50).padStart(2, "0")}/${group.name}-${n}.${extension}`;
      writePooledFile(path.join(root, relative), size, `${spec.seed}:${relative}`, pool, Math.floor(random() * pool.length));
      groupBytes += size;
      files++;
    }
    byGroup[group.name] = { files: group.count, bytes: groupBytes };
    bytes += groupBytes;
  }
  return { files, bytes, byGroup };
}

function writePooledFile(file, size, label, pool, offset) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const header = Buffer.alloc(Math.min(64, size), " ");
  header.write(label.slice(0, header.length));
  const fd = fs.openSync(file, "w");
  try {
    fs.writeSync(fd, header);
    let written = header.length;
    let at = offset;
    while (written < size) {
      const length = Math.min(size - written, pool.length - at);
      fs.writeSync(fd, pool, at, length);
      written += length;
      at = (at + length) % pool.length;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** 200 tenants × 100 files: `<root>/tenant-NNN/public/…`, every file unique (a cold deploy uploads all of them). */
export const TENANTS = { tenants: 200, filesPerTenant: 100, fileSize: 4096, seed: 200100 };

/** The fleet of issue 12: small sites (5 × 4 KiB in one folder), 1,000 or more of them; `tenants` set per run. */
export const FLEET = { filesPerTenant: 5, directories: 1, fileSize: 4096, seed: 500500 };

/** `spec.directories` (default 4) folders per tenant, `filesPerTenant` split evenly between them. */
export function writeTenantSites(root, spec = TENANTS) {
  const directories = spec.directories ?? 4;
  if (spec.filesPerTenant % directories !== 0) throw new Error(`writeTenantSites: ${spec.filesPerTenant} files do not split into ${directories} folders`);
  const names = [];
  for (let t = 0; t < spec.tenants; t++) {
    const name = `tenant-${String(t).padStart(3, "0")}`;
    writeSyntheticSite(path.join(root, name, "public"), {
      directories,
      filesPerDirectory: spec.filesPerTenant / directories,
      fileSize: spec.fileSize,
      extensions: ["html", "css", "js", "json", "txt"],
      seed: spec.seed + t,
    });
    names.push(name);
  }
  return names;
}
