import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { createApp } from "../fixtures/app.ts";
import { isSealedTarget, scenarios, sealedTargets, targets } from "./scenarios.ts";

const app = createApp();

for (const target of [...targets, ...sealedTargets]) {
  describe(`runtime: node ${target}`, () => {
    for (const scenario of scenarios) {
      it(scenario.name, () => scenario.run((path, init) => app(new Request(`http://127.0.0.1${target}${path}`, init)), assert, isSealedTarget(target)));
    }
  });
}
