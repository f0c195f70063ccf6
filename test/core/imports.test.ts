import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const srcDir = join(root, "src");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
const allowedPackages = new Set(Object.keys(pkg.dependencies ?? {}));
const nodeBuiltins = new Set(builtinModules.flatMap((m) => [m, m.split("/")[0]!]));
const FRAMEWORKS = /^(hono|express|express-session|koa|fastify|h3|srvx|elysia|@hono\/|@koa\/|@fastify\/|@cloudflare\/|@types\/)/;
const NODE_GLOBALS = new Set(["Buffer", "process", "require", "__dirname", "__filename", "module", "global", "setImmediate"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(m|c)?[jt]sx?$/.test(entry.name) ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports (static, dynamic, `import type`, `require`), and Node globals it uses. */
function scan(fileName: string, text: string): { specifiers: string[]; globals: string[] } {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  const globals: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      specifiers.push(ts.isStringLiteral(e) ? e.text : "<dynamic>");
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === "require"))) {
      const arg = node.arguments[0];
      specifiers.push(arg && ts.isStringLiteralLike(arg) ? arg.text : "<dynamic>");
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      specifiers.push(node.argument.literal.text);
    } else if (ts.isIdentifier(node) && NODE_GLOBALS.has(node.text)) {
      const parent = node.parent;
      const isMemberName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        (ts.isPropertyAssignment(parent) && parent.name === node) ||
        (ts.isPropertySignature(parent) && parent.name === node) ||
        (ts.isPropertyDeclaration(parent) && parent.name === node) ||
        (ts.isMethodDeclaration(parent) && parent.name === node) ||
        (ts.isMethodSignature(parent) && parent.name === node) ||
        ts.isParameter(parent) ||
        ts.isBindingElement(parent) ||
        (ts.isVariableDeclaration(parent) && parent.name === node);
      if (!isMemberName) globals.push(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { specifiers, globals };
}

/** Why a specifier imported from `file` is forbidden in the core, or `null` when it is fine. */
function forbidden(file: string, specifier: string): string | null {
  if (specifier === "<dynamic>") return "a computed import";
  if (specifier.startsWith("node:")) return "a node: module";
  if (specifier.startsWith(".")) {
    const target = resolve(file, "..", specifier);
    if (!target.startsWith(srcDir + "/")) return `a file outside src/ (${relative(root, target)})`;
    return null;
  }
  if (/(^|\/)adapters(\/|$)/.test(specifier)) return "adapters/";
  if (FRAMEWORKS.test(specifier)) return "a framework";
  const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!;
  if (nodeBuiltins.has(name)) return "a Node built-in without the node: prefix";
  if (!allowedPackages.has(name)) return `a package that is not a runtime dependency (${name})`;
  return null;
}

describe("runtime neutrality of src/", () => {
  const files = sourceFiles(srcDir);

  it("finds the core's source files", () => {
    expect(files.map((f) => relative(srcDir, f))).toEqual(expect.arrayContaining(["index.ts", "manager.ts", "session.ts", "signer.ts"]));
  });

  it("imports no node: module, no framework, nothing under adapters/, only its runtime dependencies", () => {
    const problems: string[] = [];
    for (const file of files) {
      for (const specifier of scan(file, readFileSync(file, "utf8")).specifiers) {
        const why = forbidden(file, specifier);
        if (why) problems.push(`${relative(root, file)} imports "${specifier}": ${why}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("uses no Node-only global (Buffer, process, require, __dirname…) in code", () => {
    const problems: string[] = [];
    for (const file of files) {
      for (const name of scan(file, readFileSync(file, "utf8")).globals) problems.push(`${relative(root, file)} uses ${name}`);
    }
    expect(problems).toEqual([]);
  });

  it("the checker itself catches every kind of violation (so the test cannot pass vacuously)", () => {
    const file = join(srcDir, "fake.ts");
    const text = [
      'import { readFile } from "node:fs/promises";',
      'import type { Context } from "hono";',
      'export { x } from "../adapters/hono.ts";',
      'import crypto from "crypto";',
      'const e = await import("express");',
      'const r = require("node:path");',
      'type T = import("@hono/node-server").Options;',
      'import { a } from "./ok.ts";',
      'import { parse } from "cookie-es";',
      "// process.env in a comment is fine",
      "const b = Buffer.from('x');",
      "const obj = { process: 1 }; obj.process;",
    ].join("\n");
    const { specifiers, globals } = scan(file, text);
    const verdicts = Object.fromEntries(specifiers.map((s) => [s, forbidden(file, s)]));
    expect(verdicts).toEqual({
      "node:fs/promises": "a node: module",
      hono: "a framework",
      "../adapters/hono.ts": "a file outside src/ (adapters/hono.ts)",
      crypto: "a Node built-in without the node: prefix",
      express: "a framework",
      "node:path": "a node: module",
      "@hono/node-server": "a framework",
      "./ok.ts": null,
      "cookie-es": null,
    });
    expect(globals).toEqual(["require", "Buffer"]);
  });
});
