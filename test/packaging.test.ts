import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, bin, run } from "./runtimes/spawn.ts";

type Conditions = { types: string; default: string };
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, file), "utf8"));
const pkg = read("package.json") as {
  name: string;
  version: string;
  exports: Record<string, Conditions>;
  files: string[];
  sideEffects: boolean;
  type: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
const jsr = read("jsr.json") as { name: string; version: string; exports: Record<string, string>; imports?: Record<string, string> };
const deno = read("deno.json") as { imports: Record<string, string> };

/** `./src/index.ts` (JSR, sources) ⇄ `./dist/src/index` (npm, built). */
const built = (source: string) => source.replace(/^\.\//, "./dist/").replace(/\.ts$/, "");

describe("manifests: package.json and jsr.json", () => {
  it("export the same entry points at the same version", () => {
    expect(Object.keys(jsr.exports).sort()).toEqual(Object.keys(pkg.exports).sort());
    expect(jsr.version).toBe(pkg.version);
    for (const key of [".", "./hono"]) expect(Object.keys(pkg.exports)).toContain(key);
  });

  it("point npm at the build of the very sources JSR publishes", () => {
    for (const [key, source] of Object.entries(jsr.exports)) {
      expect(existsSync(join(ROOT, source)), `${key}: ${source}`).toBe(true);
      expect(pkg.exports[key]).toEqual({ types: `${built(source)}.d.ts`, default: `${built(source)}.js` });
    }
  });

  it("are an ESM, side-effect-free package that ships only dist", () => {
    expect(pkg.type).toBe("module");
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.files).toContain("dist");
  });

  it("keep frameworks as optional peer dependencies (and dev dependencies for the tests)", () => {
    for (const name of ["hono", "express", "express-session"]) {
      expect(pkg.peerDependencies?.[name], name).toBeTruthy();
      expect(pkg.peerDependenciesMeta?.[name]?.optional, name).toBe(true);
      expect(pkg.devDependencies[name], name).toBeTruthy();
      expect(pkg.dependencies[name], name).toBeUndefined();
    }
  });

  it("map every runtime dependency to an npm: specifier for Deno and JSR", () => {
    for (const name of Object.keys(pkg.dependencies)) {
      expect(deno.imports[name], `deno.json imports ${name}`).toBe(`npm:${name}@${pkg.dependencies[name]}`);
      expect(jsr.imports?.[name], `jsr.json imports ${name}`).toBe(`npm:${name}@${pkg.dependencies[name]}`);
    }
    for (const spec of [...Object.values(deno.imports), ...Object.values(jsr.imports ?? {})]) expect(spec).not.toMatch(/^jsr:/);
  });
});

describe("npm package", () => {
  beforeAll(async () => {
    const build = await run("npm", ["run", "build"]);
    expect(build.code, build.output).toBe(0);
  }, 300_000);

  it("packs ESM and declarations for every export", async () => {
    const { code, output } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"]);
    expect(code, output).toBe(0);
    const json = output.slice(output.indexOf("["));
    const files = new Set((JSON.parse(json) as [{ files: { path: string }[] }])[0].files.map((f) => f.path));
    for (const [key, target] of Object.entries(pkg.exports)) {
      expect(files.has(target.default.slice(2)), `${key} → ${target.default}`).toBe(true);
      expect(files.has(target.types.slice(2)), `${key} → ${target.types}`).toBe(true);
    }
    expect([...files].some((f) => f.startsWith("src/") || f.startsWith("test/") || f.endsWith(".ts") && !f.endsWith(".d.ts"))).toBe(false);
  }, 120_000);

  it("runs from dist: every export imports under Node, and the core issues a signed cookie", async () => {
    const script = `
      const { createSessions } = await import("unsession");
      const sessions = createSessions({ secret: "x".repeat(32) });
      const handler = sessions.wrap((request, session) => { session.data.n = 1; return new Response("ok"); });
      const response = await handler(new Request("http://127.0.0.1/"));
      const names = {};
      for (const key of ${JSON.stringify(Object.keys(pkg.exports))}) names[key] = Object.keys(await import(key === "." ? "unsession" : "unsession" + key.slice(1)));
      console.log(JSON.stringify({ cookie: response.headers.get("set-cookie"), names }));`;
    const { code, output } = await run("node", ["--input-type=module", "-e", script]);
    expect(code, output).toBe(0);
    const result = JSON.parse(output.slice(output.indexOf("{"))) as { cookie: string; names: Record<string, string[]> };
    expect(result.cookie).toMatch(/^sid=s%3A[A-Za-z0-9_-]+\.[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
    for (const key of Object.keys(pkg.exports)) expect(result.names[key]?.length, key).toBeGreaterThan(0);
    expect(result.names["./hono"]).toContain("session");
  }, 120_000);

  it("passes publint --strict", async () => {
    const { code, output } = await run(bin("publint"), ["--strict"]);
    expect(code, output).toBe(0);
  }, 240_000);

  it("passes @arethetypeswrong/cli (ESM-only profile)", async () => {
    // JSON output: the human formats differ between a terminal and CI.
    const { code, output } = await run(bin("attw"), ["--pack", ".", "--profile", "esm-only", "--format", "json"]);
    expect(code, output).toBe(0);
    const report = JSON.parse(output.slice(output.indexOf("{"))) as {
      analysis: { entrypoints: Record<string, unknown>; problems: { kind: string; entrypoint: string; resolutionKind?: string }[] };
    };
    expect(Object.keys(report.analysis.entrypoints).sort()).toEqual(Object.keys(pkg.exports).sort());
    // ESM-only by design: problems for CommonJS resolution (node10, node16-cjs) are expected; none elsewhere.
    const esmProblems = report.analysis.problems.filter((p) => p.resolutionKind !== "node10" && p.resolutionKind !== "node16-cjs");
    expect(esmProblems, output).toEqual([]);
  }, 240_000);
});

describe("size", () => {
  it("reports min+gz per entry; the core bundles no framework and no node: module", async () => {
    const { code, output } = await run("node", ["scripts/size.mjs", "--json"]);
    expect(code, output).toBe(0);
    const report = JSON.parse(output.slice(output.indexOf("{"))) as { entries: { entry: string; gz: number; imports: string[] }[]; problems: string[] };
    expect(report.problems).toEqual([]);
    expect(report.entries.map((e) => e.entry).sort()).toEqual(Object.keys(jsr.exports).sort());
    const core = report.entries.find((e) => e.entry === ".")!;
    expect(core.imports).toEqual([]);
    const hono = report.entries.find((e) => e.entry === "./hono")!;
    expect(hono.imports.every((i) => i === "hono" || i.startsWith("hono/"))).toBe(true);
    console.log(report.entries.map((e) => `size ${e.entry}: ${(e.gz / 1024).toFixed(2)} kB min+gz`).join("\n"));
  }, 240_000);
});
