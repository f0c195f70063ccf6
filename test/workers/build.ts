/**
 * Bundles a Worker entry for workerd the way wrangler does (esbuild, ESM, `workerd`/`worker` export
 * conditions, no Node built-ins), into a temporary directory, and starts it in Miniflare with
 * `nodejs_compat` off.
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { Miniflare, type MiniflareOptions, type WorkerOptions } from "miniflare";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The compatibility date every test worker runs with (workerd of miniflare 4.20251210 supports up to 2025-12-10). */
export const COMPATIBILITY_DATE = "2025-12-01";

/** A bundled worker: the file to run and what went into it. */
export interface Bundle {
  dir: string;
  path: string;
  /** Every input file and import esbuild saw (to check that no `node:` module was pulled in). */
  inputs: string[];
  imports: string[];
}

/** `unsession`, `unsession/hono`, `unsession/cloudflare` → the sources, as a user's bundler would resolve the package. */
const selfPackage: esbuild.Plugin = {
  name: "unsession-self",
  setup(build) {
    const map: Record<string, string> = {
      unsession: "src/index.ts",
      "unsession/hono": "adapters/hono.ts",
      "unsession/cloudflare": "adapters/cloudflare.ts",
    };
    build.onResolve({ filter: /^unsession(\/[a-z]+)?$/ }, (args) => {
      const target = map[args.path];
      return target ? { path: join(ROOT, target) } : undefined;
    });
  },
};

/** Bundles `entry` (relative to the repository root) for workerd. */
export async function bundleWorker(entry: string): Promise<Bundle> {
  const dir = await mkdtemp(join(tmpdir(), "unsession-worker-"));
  const path = join(dir, "worker.js");
  const result = await esbuild.build({
    entryPoints: [join(ROOT, entry)],
    outfile: path,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    metafile: true,
    logLevel: "silent",
    plugins: [selfPackage],
  });
  const inputs = Object.keys(result.metafile.inputs);
  const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
  return { dir, path, inputs, imports };
}

/** A bundled worker and the bindings it gets. */
export interface TestWorker {
  name: string;
  bundle: Bundle;
  kvNamespaces?: string[];
  bindings?: Record<string, string>;
  durableObjects?: Record<string, string | { className: string; scriptName?: string }>;
}

/** Starts Miniflare with bundled workers (the first one receives `dispatchFetch`), `nodejs_compat` off. */
export async function startWorkers(workers: TestWorker[], shared: Partial<MiniflareOptions> = {}): Promise<Miniflare> {
  const mf = new Miniflare({
    ...shared,
    workers: workers.map(({ bundle, ...options }): WorkerOptions => ({
      modules: true,
      scriptPath: bundle.path,
      modulesRoot: bundle.dir,
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: [],
      ...options,
    })),
  } as MiniflareOptions);
  await mf.ready;
  return mf;
}

/** Removes a bundle's temporary directory. */
export async function removeBundle(bundle: Bundle | undefined): Promise<void> {
  if (bundle) await rm(bundle.dir, { recursive: true, force: true });
}
