import assert from "node:assert/strict";
import { describe, expect, it } from "vitest";
import { scenarios, sealedTargets, targets } from "./scenarios.ts";
import { bin, driveExample, run, startServer } from "./spawn.ts";

// Bun from the npm package `bun`.
// Every scenario on every target (stores and sealed cookies), plus the runtime check.
const EXPECTED = (targets.length + sealedTargets.length) * scenarios.length + 1;

describe("runtime: bun", () => {
  it("passes the runtime suite under `bun test`", async () => {
    const { code, output } = await run(bin("bun"), ["test", "./test/runtimes/bun/"]);
    expect(code, output).toBe(0);
    expect(output).toMatch(new RegExp(`\\b${EXPECTED} pass\\b`));
    expect(output).toMatch(/\b0 fail\b/);
  }, 300_000);

  it("serves examples/bun over HTTP on 127.0.0.1", async () => {
    const server = await startServer(bin("bun"), ["examples/bun/server.ts"]);
    try {
      await driveExample(server.url, assert);
    } finally {
      await server.stop();
    }
  }, 240_000);
});
