// The runtime suite on Bun: `bun test` (spawned by test/runtimes/bun.test.ts).
import { describe, test } from "bun:test";
import assert from "node:assert/strict";
import { createApp } from "../../fixtures/app.ts";
import { isSealedTarget, scenarios, sealedTargets, targets } from "../scenarios.ts";

const app = createApp();

for (const target of [...targets, ...sealedTargets]) {
  describe(`runtime: bun ${target}`, () => {
    for (const scenario of scenarios) {
      test(scenario.name, () => scenario.run((path, init) => app(new Request(`http://127.0.0.1${target}${path}`, init)), assert, isSealedTarget(target)));
    }
  });
}

test("runtime: bun › the fixture runs on Bun", async () => {
  const response = await app(new Request("http://127.0.0.1/core/runtime"));
  assert.match(await response.text(), /^Bun\//);
});
