#!/usr/bin/env node
/**
 * A fresh consumer project: `npm pack` → install the tarball in a temp folder → strict `tsc` (skipLibCheck off)
 * over `scripts/consumer/*.ts` in four configurations (module node16 and bundler, with and without
 * `@types/node`) → run the result with Node once. Exits non-zero with the compiler's output on any failure.
 *
 *   node scripts/consumer.mjs [--no-build] [--keep]
 *
 * The tarball's own dependencies come from the npm cache (`--prefer-offline`); the compiler, the frameworks
 * and their types are linked from this repository's node_modules, to stay fast and offline.
 * @module
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const args = new Set(process.argv.slice(2));
const started = Date.now();
const log = (message) => console.log(`[consumer ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
const sh = (command, argv, cwd) => execFileSync(command, argv, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });

/** Linked, not installed: what a consumer brings itself (compiler, frameworks, their types). */
const LINKED = ["typescript", "hono", "express", "@types/express", "@types/express-session", "@types/node"];

/** The four configurations; `web` ones load no Node types at all, so they check only `web.ts`. */
const CONFIGS = [
  { name: "node16+node", module: "node16", moduleResolution: "node16", node: true },
  { name: "bundler+node", module: "preserve", moduleResolution: "bundler", node: true },
  { name: "node16-web", module: "node16", moduleResolution: "node16", node: false },
  { name: "bundler-web", module: "preserve", moduleResolution: "bundler", node: false },
];

const dir = mkdtempSync(join(tmpdir(), "unsession-consumer-"));
let failed = false;
try {
  if (!args.has("--no-build")) {
    log("npm run build");
    sh("npm", ["run", "build"], ROOT);
  }
  const packed = JSON.parse(sh("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], ROOT));
  const tarball = packed[0].filename;
  log(`packed ${tarball} (${packed[0].files.length} files)`);

  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "unsession-consumer", private: true, type: "module" }, null, 2));
  sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error", `./${tarball}`], dir);
  log(`installed: ${readdirSync(join(dir, "node_modules")).filter((n) => !n.startsWith(".")).join(", ")}`);
  for (const name of LINKED) {
    const target = join(dir, "node_modules", name);
    if (existsSync(target)) throw new Error(`${name} was installed by the tarball: it should be an optional peer`);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", name), target, "dir");
  }
  cpSync(join(ROOT, "scripts/consumer"), join(dir, "src"), { recursive: true });

  const tsc = join(dir, "node_modules/typescript/bin/tsc");
  for (const config of CONFIGS) {
    const file = `tsconfig.${config.name}.json`;
    writeFileSync(
      join(dir, file),
      JSON.stringify(
        {
          compilerOptions: {
            target: "ES2022",
            module: config.module,
            moduleResolution: config.moduleResolution,
            // Node's globals (Request, fetch) come from @types/node; without it, from the DOM lib (browsers, Workers, Deno).
            lib: config.node ? ["ES2022"] : ["ES2022", "DOM", "DOM.Iterable"],
            types: config.node ? ["node"] : [],
            strict: true,
            skipLibCheck: false,
            exactOptionalPropertyTypes: true,
            noUncheckedIndexedAccess: true,
            noEmit: config.name !== "node16+node",
            rootDir: "src",
            outDir: "out",
          },
          files: config.node ? ["src/web.ts", "src/node.ts"] : ["src/web.ts"],
        },
        null,
        2,
      ),
    );
    let output;
    try {
      output = sh(process.execPath, [tsc, "-p", file, "--listFiles"], dir);
    } catch (error) {
      failed = true;
      const out = `${error.stdout ?? ""}${error.stderr ?? ""}`;
      const errors = out.split("\n").filter((line) => / error TS\d+/.test(line));
      console.error(`\n✗ tsc ${config.name}: ${errors.length} errors\n${errors.join("\n")}`);
      continue;
    }
    const files = output.split("\n").filter(Boolean);
    const nodeTypes = files.filter((f) => f.includes("/@types/node/"));
    if (!config.node && nodeTypes.length > 0) {
      failed = true;
      console.error(`\n✗ tsc ${config.name}: @types/node entered the program through ${nodeTypes[0]}`);
      continue;
    }
    log(`✓ tsc ${config.name}: 0 errors, ${files.length} files${config.node ? "" : ", no @types/node"}`);
  }

  if (!failed) {
    const ran = sh(process.execPath, ["out/node.js"], dir).trim();
    if (!ran.includes("consumer ok")) throw new Error(`unexpected output: ${ran}`);
    log(`✓ node out/node.js: ${ran}`);
  }
} catch (error) {
  failed = true;
  console.error(`\n✗ ${error.message}${error.stdout ? `\n${error.stdout}` : ""}`);
} finally {
  if (args.has("--keep")) log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
log(failed ? "FAILED" : "passed");
process.exit(failed ? 1 : 0);
