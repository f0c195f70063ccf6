/**
 * Compiles a bench entry with esbuild into bench/.build/ (npm packages stay external, as users load them),
 * so that measured code runs as plain JavaScript: tsx adds a `__name()` call to every closure it compiles,
 * which costs our TypeScript (and not the peers' JavaScript) time on every request.
 *
 * `tsx bench/build.ts bench/micro.ts [args]` builds the entry and runs it with node.
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
export const outdir: string = root + "bench/.build";

/** Adapters that do not exist yet in this checkout become a module that throws when loaded. */
const missingAdapters: Plugin = {
  name: "missing-adapters",
  setup(b) {
    b.onResolve({ filter: /adapters\/[\w-]+\.ts$/ }, (args) => {
      const path = fileURLToPath(new URL(args.path, "file://" + args.resolveDir + "/"));
      return existsSync(path) ? { path } : { path, namespace: "missing" };
    });
    b.onLoad({ filter: /.*/, namespace: "missing" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(args.path + " does not exist")});`,
      loader: "js",
    }));
  },
};

/** Bundles `entry` (a path relative to the repository) and returns the path of the built `.mjs`. */
export async function buildEntry(entry: string): Promise<string> {
  await build({
    entryPoints: [root + entry],
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    outExtension: { ".js": ".mjs" },
    sourcemap: "linked",
    logLevel: "warning",
    plugins: [missingAdapters],
  });
  return `${outdir}/${basename(entry).replace(/\.ts$/, ".mjs")}`;
}

/**
 * Bundles a checkout's bench/apps.ts (the servers, over that checkout's src/ and adapters/) into `outdir` as one
 * file, npm packages external; returns its path. For bench:ab (two checkouts in one process) and bench:pair.
 */
export async function bundleApps(checkout: string, outdir: string): Promise<string> {
  await build({
    entryPoints: [join(checkout, "bench/apps.ts")],
    outdir,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    outExtension: { ".js": ".mjs" },
    logLevel: "warning",
  });
  return join(outdir, "apps.mjs");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [entry, ...rest] = process.argv.slice(2);
  if (!entry) throw new Error("usage: tsx bench/build.ts <entry.ts> [args]");
  const file = await buildEntry(entry);
  const result = spawnSync(process.execPath, [...process.execArgv.filter((a) => a.startsWith("--cpu-prof")), file, ...rest], { stdio: "inherit" });
  process.exit(result.status ?? 1);
}
