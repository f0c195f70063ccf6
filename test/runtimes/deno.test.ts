import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { scenarios, sealedTargets, targets } from "./scenarios.ts";
import { ROOT, bin, driveExample, run, startServer } from "./spawn.ts";

// Deno from the npm package `deno`; it resolves npm dependencies from node_modules (deno.json: nodeModulesDir "manual").
// Every scenario on every target (stores and sealed cookies), plus the runtime check.
const EXPECTED = (targets.length + sealedTargets.length) * scenarios.length + 1;

describe("runtime: deno", () => {
  it("passes the runtime suite under `deno test`", async () => {
    const { code, output } = await run(bin("deno"), ["test", "test/runtimes/deno/"]);
    expect(code, output).toBe(0);
    expect(output).toMatch(new RegExp(`ok \\| ${EXPECTED} passed \\| 0 failed`));
  }, 300_000);

  it("serves examples/deno over HTTP on 127.0.0.1", async () => {
    const server = await startServer(bin("deno"), ["run", "--allow-net=127.0.0.1", "--allow-env", "examples/deno/main.ts"]);
    try {
      await driveExample(server.url, assert);
    } finally {
      await server.stop();
    }
  }, 240_000);

  it("type-checks and lints the sources, adapters, examples/deno and the Deno suite", async () => {
    const check = await run(bin("deno"), ["check", "src/", "adapters/", "examples/deno/", "test/runtimes/deno/"]);
    expect(check.code, check.output).toBe(0);
    const lint = await run(bin("deno"), ["lint"]);
    expect(lint.code, lint.output).toBe(0);
  }, 300_000);

  it("passes `deno publish --dry-run --config jsr.json` (no slow types)", async () => {
    const { code, output } = await run(bin("deno"), ["publish", "--dry-run", "--config", "jsr.json", "--allow-dirty"]);
    expect(code, output).toBe(0);
    expect(output).toMatch(/Success Dry run complete/);
  }, 300_000);

  it("documents every exported symbol of every JSR entry (deno doc --lint)", async () => {
    const entries = Object.values((JSON.parse(readFileSync(`${ROOT}jsr.json`, "utf8")) as { exports: Record<string, string> }).exports);
    const { output } = await run(bin("deno"), ["doc", "--lint", ...entries]);
    // private-type-ref findings are third-party types in our signatures (unstorage's Storage, Hono's Context): not ours to document.
    const missing = output.split("\n").filter((line) => /missing-jsdoc|missing-explicit-type|missing-return-type/.test(line));
    expect(missing, output).toEqual([]);
  }, 300_000);
});
