/**
 * Docs that run: every TypeScript/JavaScript block of README.md and docs/*.md is type-checked (strict, as
 * the repository is) and the blocks flagged `run` are executed on Node, so a snippet that stops working
 * fails CI. How blocks are marked: see `snippets.ts`.
 * @module
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, bin, run } from "../runtimes/spawn.ts";
import { markdownFiles, pointAtSources, snippetsOf, type Snippet } from "./snippets.ts";

const snippets: Snippet[] = markdownFiles(ROOT).flatMap((file) => snippetsOf(ROOT, file));
const DIR = join(ROOT, `.snippets-${process.pid}`);
const SECRET = "docs-snippet-secret-0123456789-abcdefghij";

/** File name of a snippet in DIR: `README.md:42` → `README.md-42.ts`. */
const fileOf = (s: Snippet): string => `${s.where.replace(/[^\w.-]+/g, "-")}.${s.lang}`;

/** The file's text and the number of lines placed before the block (to map errors back to the markdown). */
function sourceOf(s: Snippet): { text: string; offset: number } {
  const head = [
    ...(s.flags.has("deno") ? ['import type { DenoGlobal } from "../test/docs/globals.ts";', "declare const Deno: DenoGlobal;"] : []),
    ...(s.flags.has("bun") ? ['import type { BunGlobal } from "../test/docs/globals.ts";', "declare const Bun: BunGlobal;"] : []),
    ...s.before,
  ];
  // `after:` lines reach the block's default export as `snippetDefault` (same line count: errors still map).
  const code = s.after.length > 0 ? s.code.replace(/^export default /m, "const snippetDefault = ") : s.code;
  const tail = code === s.code ? [] : ["export default snippetDefault;"];
  // `export {}` keeps every snippet a module of its own: names do not collide across snippets.
  const text = pointAtSources([...head, code, ...s.after, ...tail, "export {};", ""].join("\n"), "../");
  return { text, offset: head.length };
}

describe("docs: code blocks of README.md and docs/*.md", () => {
  const offsets = new Map<string, { snippet: Snippet; offset: number }>();

  beforeAll(() => {
    process.env.SESSION_SECRET ??= SECRET; // the snippets read it; children inherit it
    mkdirSync(DIR, { recursive: true });
    for (const s of snippets) {
      const { text, offset } = sourceOf(s);
      writeFileSync(join(DIR, fileOf(s)), text);
      offsets.set(fileOf(s), { snippet: s, offset });
    }
    writeFileSync(
      join(DIR, "tsconfig.json"),
      JSON.stringify({
        extends: "../tsconfig.json",
        compilerOptions: { noEmit: true, allowJs: true, checkJs: false, isolatedDeclarations: false, declaration: false },
        include: ["*.ts", "*.js"],
      }),
    );
  });
  afterAll(() => rmSync(DIR, { recursive: true, force: true }));

  it("finds the blocks, and every marker is consistent", () => {
    expect(snippets.filter((s) => s.where.startsWith("README.md")).length).toBeGreaterThanOrEqual(8);
    for (const s of snippets) {
      // A fragment is a block that cannot stand alone: it says so, and says what it needs.
      if (!s.flags.has("table")) expect(s.flags.has("fragment"), `${s.where}: "fragment" ⇔ hidden before: lines`).toBe(s.before.length > 0);
      expect(s.flags.has("run") && (s.flags.has("deno") || s.flags.has("bun")), `${s.where}: deno/bun blocks do not run on Node`).toBe(false);
      expect(s.after.length > 0 && !s.flags.has("run"), `${s.where}: after: lines only run with "run"`).toBe(false);
    }
  });

  it("type-check (strict, as the repository's own code)", async () => {
    const { code, output } = await run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(DIR, "tsconfig.json"), "--pretty", "false"]);
    // Point each error at the markdown line it comes from.
    const errors = output
      .split("\n")
      .map((line) => {
        const m = /([^/\\\s]+\.(?:ts|js))\((\d+),(\d+)\): (error .*)$/.exec(line);
        const hit = m && offsets.get(m[1]!);
        if (!m || !hit) return line.trim();
        const [file, fence] = hit.snippet.where.split(/:(?=\d+$)/);
        const at = Number(m[2]) - hit.offset;
        return at >= 1 && at <= hit.snippet.code.split("\n").length ? `${file}:${Number(fence) + at}: ${m[4]}` : `${hit.snippet.where} (hidden line ${m[2]}): ${m[4]}`;
      })
      .filter(Boolean);
    expect(errors, errors.join("\n")).toEqual([]);
    expect(code).toBe(0);
  }, 120_000);

  const runnable = snippets.filter((s) => s.flags.has("run"));
  it.each(runnable.map((s) => [s.where, s] as const))("%s runs on Node", async (_where, s) => {
    const { code, output } = await run(bin("tsx"), [join(DIR, fileOf(s))], 60_000);
    expect(code, output).toBe(0);
  }, 90_000);

  it("runs the short self-contained ones (at least the core, Hono and Express blocks of the README)", () => {
    expect(runnable.filter((s) => s.where.startsWith("README.md")).length).toBeGreaterThanOrEqual(3);
  });
});
