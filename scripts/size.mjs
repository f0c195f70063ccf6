#!/usr/bin/env node
// Minified + gzipped size of every entry point (from jsr.json's exports, which point at the .ts sources),
// bundled with esbuild the way an edge user would (platform neutral, worker/browser conditions).
// Frameworks and node: built-ins stay external. Fails when the core pulls in a framework or a node: module,
// or grows past its budget.
//   node scripts/size.mjs          table on stdout
//   node scripts/size.mjs --json   JSON on stdout
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const jsr = JSON.parse(readFileSync(join(root, "jsr.json"), "utf8"));

/** Budget of the core, bytes min+gz. */
// 20 KiB: the core also carries the express-session store bridge, atomic merge and the Redis store (tree-shaken by apps that do not import them).
// +0.5 KiB (issue 15): the metadata written without JSON.stringify and the parse cache's change check without
// serialising (S2 −7 to −27 % CPU in process), which took the core 170 B past 20 KiB.
const CORE_BUDGET = 20.5 * 1024;
const FRAMEWORKS = ["hono", "express", "express-session", "@hono/node-server"];
const external = [...new Set([...FRAMEWORKS, ...Object.keys(pkg.peerDependencies ?? {})])].flatMap((name) => [name, `${name}/*`]);

/** Marks imports of the core (src/) as external: what an adapter adds on top of the core. */
const coreExternal = {
  name: "core-external",
  setup(b) {
    b.onResolve({ filter: /\/src\/index\.ts$/ }, (args) => (args.importer.includes("/adapters/") ? { path: args.path, external: true } : undefined));
  },
};

async function bundle(entry, plugins = []) {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    conditions: ["worker", "browser"],
    mainFields: ["module", "main"],
    target: "es2022",
    external: [...external, "node:*"],
    plugins,
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  const output = Object.values(result.metafile.outputs)[0];
  return {
    min: code.length,
    gz: gzipSync(code, { level: 9 }).length,
    inputs: Object.keys(result.metafile.inputs),
    imports: output.imports.filter((i) => i.external).map((i) => i.path),
  };
}

const rows = [];
for (const [key, source] of Object.entries(jsr.exports)) {
  const full = await bundle(source);
  const own = source.startsWith("./adapters/") ? await bundle(source, [coreExternal]) : undefined;
  rows.push({ entry: key, source, min: full.min, gz: full.gz, ownGz: own?.gz ?? null, imports: full.imports, inputs: full.inputs });
}

const core = rows.find((r) => r.entry === ".");
const problems = [];
if (!core) problems.push('no "." entry in jsr.json');
else {
  const frameworkInputs = core.inputs.filter((i) => FRAMEWORKS.some((f) => i.includes(`node_modules/${f}/`)));
  const frameworkImports = core.imports.filter((i) => FRAMEWORKS.some((f) => i === f || i.startsWith(`${f}/`)));
  const nodeImports = core.imports.filter((i) => i.startsWith("node:"));
  if (frameworkInputs.length || frameworkImports.length) problems.push(`the core pulls a framework: ${[...frameworkInputs, ...frameworkImports].join(", ")}`);
  if (nodeImports.length) problems.push(`the core imports Node built-ins: ${nodeImports.join(", ")}`);
  if (core.gz > CORE_BUDGET) problems.push(`the core is ${core.gz} B min+gz, over its budget of ${CORE_BUDGET} B`);
}

const kb = (n) => `${(n / 1024).toFixed(2)} kB`;
if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ entries: rows.map(({ inputs, ...r }) => r), coreBudget: CORE_BUDGET, problems }, null, 2));
} else {
  console.log("entry".padEnd(16) + "min".padStart(10) + "min+gz".padStart(10) + "  adapter alone (core external)  external imports");
  for (const r of rows) {
    const own = r.ownGz === null ? "" : kb(r.ownGz);
    console.log(r.entry.padEnd(16) + kb(r.min).padStart(10) + kb(r.gz).padStart(10) + "  " + own.padEnd(29) + "  " + (r.imports.join(", ") || "-"));
  }
  console.log(`core budget: ${kb(CORE_BUDGET)} min+gz; core bundles no framework and no node: module: ${problems.length ? "NO" : "yes"}`);
}
for (const p of problems) console.error(`size: ${p}`);
process.exitCode = problems.length ? 1 : 0;
