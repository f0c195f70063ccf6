/**
 * The Hono adapter inside workerd (miniflare, no nodejs_compat), written the way a Workers user writes it:
 * `export default app`, the app and its middleware built at module scope, the secret read from `c.env`.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

const worker = `
import { Hono } from "hono";
import { createStorage } from "unstorage";
import { session } from "./adapters/hono.ts";

// Asynchronous storage (so that a touch is real async work), built at module scope, the same for every request.
const storage = createStorage();
const app = new Hono();
let handedOff = 0;
// Counts what the adapter hands to ctx.waitUntil (a proxy in front of the real ExecutionContext).
app.use(async (c, next) => {
  const ctx = c.executionCtx;
  const counting = { waitUntil: (p) => { handedOff++; ctx.waitUntil(p); }, passThroughOnException: () => ctx.passThroughOnException(), props: ctx.props };
  Object.defineProperty(c, "executionCtx", { value: counting, configurable: true });
  await next();
});
app.get("/handed-off", (c) => c.text(String(handedOff)));
app.use("/env/*", session((c) => ({ secret: c.env.SESSION_SECRET, storage, touchAfter: 0 })));
app.use("/static/*", session({ secret: "static-secret-built-at-module-scope-0123" }));
app.get("/*/views", (c) => {
  const s = c.get("session");
  s.data.views = (s.data.views ?? 0) + 1;
  return c.text(String(s.data.views));
});
app.get("/env/deadline", async (c) => {
  const s = c.get("session");
  const record = JSON.parse(await storage.getItemRaw("sess:" + s.id));
  return c.text(String(record.__unsession.i));
});
app.get("/env/runtime", (c) => c.text(navigator.userAgent));
export default app;
`;

let mf: Miniflare | undefined;

beforeAll(async () => {
  const result = await build({
    stdin: { contents: worker, resolveDir: root, sourcefile: "hono-worker.ts", loader: "ts" },
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
    bindings: { SESSION_SECRET: "workerd-env-secret-0123456789abcdefghij" },
  });
  await mf.ready;
});

afterAll(async () => {
  await mf?.dispose();
});

const cookieOf = (res: { headers: { get(name: string): string | null } }) => res.headers.get("set-cookie")?.split(";")[0] ?? null;

describe("hono adapter in workerd", () => {
  it("runs in workerd", async () => {
    expect(await (await mf!.dispatchFetch("http://localhost/env/runtime")).text()).toBe("Cloudflare-Workers");
  });

  it("reads the secret from c.env, keeps sessions across requests", async () => {
    const first = await mf!.dispatchFetch("http://localhost/env/views");
    expect(await first.text()).toBe("1");
    const cookie = cookieOf(first)!;
    expect(cookie).toMatch(/^sid=s%3A/);
    const second = await mf!.dispatchFetch("http://localhost/env/views", { headers: { cookie } });
    expect(await second.text()).toBe("2");
  });

  it("accepts static options at module scope", async () => {
    const first = await mf!.dispatchFetch("http://localhost/static/views");
    const cookie = cookieOf(first)!;
    expect(await (await mf!.dispatchFetch("http://localhost/static/views", { headers: { cookie } })).text()).toBe("2");
  });

  it("hands the touch of an unchanged session to waitUntil, and it lands", async () => {
    const first = await mf!.dispatchFetch("http://localhost/env/views");
    await first.text();
    const cookie = cookieOf(first)!;
    const handedOff = async () => Number(await (await mf!.dispatchFetch("http://localhost/handed-off")).text());
    const count = await handedOff();
    const before = Number(await (await mf!.dispatchFetch("http://localhost/env/deadline", { headers: { cookie } })).text());
    // touchAfter: 0, so every read-only request extends the idle deadline, off the response path.
    let after = before;
    for (let i = 0; i < 20 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 25));
      after = Number(await (await mf!.dispatchFetch("http://localhost/env/deadline", { headers: { cookie } })).text());
    }
    expect(after).toBeGreaterThan(before);
    expect(await handedOff()).toBeGreaterThan(count);
  });
});
