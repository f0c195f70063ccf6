/**
 * The core and every adapter load and work in workerd without Node compatibility (`nodejs_compat` off):
 * the bundle pulls in no `node:` module and uncrypto's Web build, and the runtime has no `process` or `Buffer`.
 */
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker, removeBundle, startWorkers, type Bundle } from "./build.ts";

let bundle: Bundle | undefined;
let mf: Miniflare;

beforeAll(async () => {
  bundle = await bundleWorker("test/workers/fixtures/compat-worker.ts");
  mf = await startWorkers([{ name: "compat", bundle, kvNamespaces: ["SESSIONS"] }]);
});

afterAll(async () => {
  await mf?.dispose();
  await removeBundle(bundle);
});

describe("workers: no Node compatibility needed", () => {
  it("bundles the core and the adapters without any node: module", () => {
    expect(bundle!.imports.filter((path) => path.startsWith("node:"))).toEqual([]);
    const inputs = bundle!.inputs.join("\n");
    expect(inputs).toContain("adapters/cloudflare.ts");
    expect(inputs).toContain("adapters/hono.ts");
    expect(inputs).toContain("src/index.ts");
    // uncrypto's "workerd" export condition selects its Web Crypto build.
    expect(inputs).toMatch(/uncrypto\/dist\/crypto\.web\.mjs/);
    expect(inputs).not.toMatch(/crypto\.node/);
  });

  it("runs a session round trip in workerd with compatibilityFlags: []", async () => {
    const first = await mf.dispatchFetch("http://localhost/");
    const body = (await first.json()) as Record<string, unknown>;
    expect(body).toEqual({ process: "undefined", buffer: "undefined", require: "undefined", count: 1 });
    const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
    const second = await mf.dispatchFetch("http://localhost/", { headers: { cookie } });
    expect(((await second.json()) as Record<string, unknown>).count).toBe(2);
  });
});
