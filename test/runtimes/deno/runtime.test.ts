// The runtime suite on Deno: `deno test` (spawned by test/runtimes/deno.test.ts).
import assert from "node:assert/strict";
import { createApp } from "../../fixtures/app.ts";
import { isSealedTarget, scenarios, sealedTargets, targets } from "../scenarios.ts";

const app = createApp();

for (const target of [...targets, ...sealedTargets]) {
  for (const scenario of scenarios) {
    Deno.test(`runtime: deno ${target} › ${scenario.name}`, () =>
      scenario.run((path, init) => app(new Request(`http://127.0.0.1${target}${path}`, init)), assert, isSealedTarget(target)));
  }
}

Deno.test("runtime: deno › the fixture runs on Deno", async () => {
  const response = await app(new Request("http://127.0.0.1/core/runtime"));
  assert.match(await response.text(), /^Deno\//);
});
