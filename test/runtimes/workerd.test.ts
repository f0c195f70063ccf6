import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, it } from "vitest";
import { isSealedTarget, scenarios, sealedTargets, targets } from "./scenarios.ts";

// The fixture app bundled as a Workers module and run in workerd, without nodejs_compat: the core
// must not need any Node API there. Scenarios drive it from Node through miniflare's dispatchFetch.
let mf: Miniflare | undefined;

beforeAll(async () => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("../fixtures/worker.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  mf = new Miniflare({
    modules: true,
    script: result.outputFiles[0]!.text,
    compatibilityDate: "2025-12-01",
  });
  await mf.ready;
});

afterAll(async () => {
  await mf?.dispose();
});

describe("runtime: workerd", () => {
  it("runs the fixture inside workerd", async () => {
    const response = await mf!.dispatchFetch("http://127.0.0.1/core/runtime");
    assert.equal(await response.text(), "Cloudflare-Workers");
  });
});

for (const target of [...targets, ...sealedTargets, "/cf-sealed"]) {
  describe(`runtime: workerd ${target}`, () => {
    for (const scenario of scenarios) {
      it(scenario.name, () =>
        scenario.run(async (path, init) => {
          const response = await mf!.dispatchFetch(`http://127.0.0.1${target}${path}`, init as never);
          return response as unknown as Response;
        }, assert, isSealedTarget(target)));
    }
  });
}
