/**
 * Code blocks of the README and docs/*.md, as files a compiler can check: the extraction side of
 * `snippets.test.ts`. A block is a complete module unless an HTML comment right above it says otherwise:
 *
 * ```md
 * <!-- snippet: fragment, run
 * before: import express from "express";
 * before: const app = express();
 * after: if (typeof app !== "function") throw new Error("no app");
 * -->
 * ```
 *
 * A table can be checked too: `<!-- snippet: table, column=3` + `before:` lines (imports, `secret`) above it
 * turns each `store: …`/`storage: …` code span of that column into `createSessions({ secret, … })`.
 *
 * Flags: `fragment` (needs the hidden `before:` lines to compile), `run` (executed on Node after the
 * type-check, with its `after:` lines, which see the block's default export as `snippetDefault`; it must end
 * by itself), `deno` / `bun` (typed against the small
 * `Deno` / `Bun` globals of `globals.ts`; never run on Node). Imports of `unsession…` and
 * `@unsession/unsession…` are pointed at the sources.
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** One code block and how to check it. */
export interface Snippet {
  /** `README.md:42`: the file and the line of the opening fence. */
  where: string;
  /** `ts` or `js` (typescript/javascript/mjs/tsx blocks are counted as these). */
  lang: "ts" | "js";
  /** The block as the reader sees it. */
  code: string;
  /** Flags of the marker comment (empty without one). */
  flags: Set<string>;
  /** Hidden lines placed before the block. */
  before: string[];
  /** Hidden lines placed after the block (run only by `run` blocks; type-checked always). */
  after: string[];
}

const LANGS: Record<string, "ts" | "js"> = { ts: "ts", typescript: "ts", tsx: "ts", js: "js", javascript: "js", mjs: "js" };
/** The flags a marker may carry; any other word is an error, so that a typo is not silently ignored. */
export const FLAGS: ReadonlySet<string> = new Set(["fragment", "run", "deno", "bun", "table"]);

/** The markdown files whose blocks must work: README.md and docs/*.md. */
export function markdownFiles(root: string): string[] {
  const docs = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => join(root, "docs", name));
  return [join(root, "README.md"), ...docs.sort()];
}

/** Parses the marker comment that ends on line `end` (0-based), if the lines above the fence hold one. */
function markerAbove(lines: string[], fence: number): { flags: Set<string>; before: string[]; after: string[]; line: number } | undefined {
  let end = fence - 1;
  while (end >= 0 && lines[end]!.trim() === "") end--;
  if (end < 0 || !lines[end]!.trim().endsWith("-->")) return undefined;
  let start = end;
  while (start >= 0 && !lines[start]!.trim().startsWith("<!--")) start--;
  const head = /^\s*<!--\s*snippet:\s*([^\n]*?)\s*(-->)?\s*$/.exec(lines[start] ?? "");
  if (!head) return undefined;
  const flags = new Set(head[1]!.split(/[\s,]+/).filter(Boolean));
  const before: string[] = [];
  const after: string[] = [];
  for (const line of lines.slice(start + 1, end + (head[2] ? 1 : 0))) {
    const body = line.replace(/\s*-->\s*$/, "");
    const hidden = /^\s*(before|after):\s?(.*)$/.exec(body);
    if (hidden) (hidden[1] === "before" ? before : after).push(hidden[2]!);
    else if (body.trim() !== "") throw new Error(`line ${start + 1}: a snippet marker line must start with "before:" or "after:" (got ${JSON.stringify(body)})`);
  }
  return { flags, before, after, line: start + 1 };
}

/** Code spans of one table column that set a store: `storage: …` or `store: …`. */
const STORE_OPTION = /^(?:store|storage)\s*:/;

/**
 * A table marked `<!-- snippet: table, column N … -->`: each row's `store: …`/`storage: …` code spans in
 * column N become `createSessions({ secret, <span> })` on the row's own line, so that errors point at the row.
 */
function tableAt(lines: string[], start: number, column: number, where: string): string {
  const code: string[] = [];
  for (let i = start; i < lines.length && lines[i]!.trim().startsWith("|"); i++) {
    const cell = lines[i]!.split("|")[column] ?? "";
    const spans = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((span) => STORE_OPTION.test(span));
    code.push(spans.map((span) => `void createSessions({ secret, ${span} });`).join(" "));
  }
  if (!code.some(Boolean)) throw new Error(`${where}: the marked table has no \`store:\`/\`storage:\` span in column ${column}`);
  return code.join("\n");
}

/** Every TypeScript/JavaScript block of one markdown file. */
export function snippetsOf(root: string, file: string): Snippet[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const name = relative(root, file);
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.startsWith("|") && !lines[i - 1]?.startsWith("|")) {
      const marker = markerAbove(lines, i);
      const column = [...(marker?.flags ?? [])].find((flag) => /^column=\d+$/.test(flag));
      if (marker?.flags.has("table") && column) {
        const where = `${name}:${i}`; // code line k is markdown line i + k, as for a fence on line i
        out.push({ where, lang: "ts", code: tableAt(lines, i, Number(column.slice(7)), where), flags: marker.flags, before: marker.before, after: marker.after });
      }
    }
    const open = /^(\s*)```+\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!;
    let close = i + 1;
    while (close < lines.length && !lines[close]!.startsWith(`${indent}\`\`\``)) close++;
    const lang = LANGS[open[2]!.toLowerCase()];
    if (lang) {
      const where = `${name}:${i + 1}`;
      const marker = markerAbove(lines, i);
      for (const flag of marker?.flags ?? []) if (!FLAGS.has(flag) || flag === "table") throw new Error(`${where}: unknown snippet flag "${flag}" (known: ${[...FLAGS].join(", ")})`);
      out.push({
        where,
        lang,
        code: lines.slice(i + 1, close).map((line) => line.slice(indent.length)).join("\n"),
        flags: marker?.flags ?? new Set(),
        before: marker?.before ?? [],
        after: marker?.after ?? [],
      });
    }
    i = close;
  }
  return out;
}

/** Specifiers of the published package, mapped to the sources (relative to the repository root). */
export const PACKAGE_ENTRIES: Readonly<Record<string, string>> = {
  unsession: "src/index.ts",
  "unsession/hono": "adapters/hono.ts",
  "unsession/express": "adapters/express/index.ts",
  "unsession/cloudflare": "adapters/cloudflare.ts",
  "unsession/testing": "src/testing.ts",
};

/** Rewrites `from "unsession/x"`, `import("…")` and `require("…")` (and the JSR names) to `prefix` + the source path. */
export function pointAtSources(code: string, prefix: string): string {
  return code.replace(/(["'])(?:@unsession\/)?(unsession(?:\/[\w-]+)?)\1/g, (whole, quote: string, spec: string) => {
    const target = PACKAGE_ENTRIES[spec];
    return target ? `${quote}${prefix}${target}${quote}` : whole;
  });
}
