/**
 * Sessions in Cloudflare KV, in workerd (Miniflare) with `nodejs_compat` off: the runtime suite through
 * `withSession` and through the Hono middleware, then what only KV has (TTL floor, expiry by the core's
 * deadline, work handed to `ctx.waitUntil`).
 */
import assert from "node:assert/strict";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, scenarios, targets, type Fetch } from "../runtimes/scenarios.ts";
import { bundleWorker, removeBundle, startWorkers, type Bundle } from "./build.ts";

const SECRET = "workers-kv-test-secret-of-32-chars-or-more";
let bundle: Bundle | undefined;
let mf: Miniflare;

beforeAll(async () => {
  bundle = await bundleWorker("test/workers/fixtures/kv-worker.ts");
  mf = await startWorkers([{ name: "kv", bundle, kvNamespaces: ["SESSIONS"], bindings: { SESSION_SECRET: SECRET } }]);
});

afterAll(async () => {
  await mf?.dispose();
  await removeBundle(bundle);
});

const at = (prefix: string): Fetch => (path, init) => mf.dispatchFetch(`http://localhost${prefix}${path}`, init as never) as unknown as Promise<Response>;
const post = { method: "POST" };

/** The session ID inside a `sid=s%3A<id>.<mac>` cookie. */
const idOf = (cookie: string): string => decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1)).slice(2).split(".")[0]!;

/** Polls (bounded) until `check` holds; returns whether it did. */
async function eventually(check: () => Promise<boolean>, tries = 250): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

for (const target of targets) {
  describe(`workers: KV via ${target === "/core" ? "withSession" : "Hono"} (${target})`, () => {
    for (const scenario of scenarios) {
      it(scenario.name, () => scenario.run(at(target), assert));
    }

    it("stores the record in KV under sess:<id> with the idle timeout as expirationTtl", async () => {
      const client = new Client(at(target));
      await client.send("/login?user=kim", post);
      const kv = await mf.getKVNamespace("SESSIONS");
      const id = idOf(client.cookie!);
      const { keys } = await kv.list({ prefix: `sess:${id}` });
      expect(keys.map((k) => k.name)).toEqual([`sess:${id}`]);
      const ttl = keys[0]!.expiration! - Date.now() / 1000;
      expect(ttl).toBeGreaterThan(3500);
      expect(ttl).toBeLessThanOrEqual(3601);
      const record = JSON.parse((await kv.get(`sess:${id}`))!);
      expect(record.user).toBe("kim");
      expect(record.cookie).toBeTypeOf("object");
    });

    it("expires an idle session by the core's deadline, long before KV's TTL", async () => {
      const client = new Client(at(target));
      await client.send("/login?user=ida", post);
      const kv = await mf.getKVNamespace("SESSIONS");
      const key = `sess:${idOf(client.cookie!)}`;
      const record = JSON.parse((await kv.get(key))!);
      record.__unsession.i = Date.now() - 1000; // idle deadline passed; the KV entry itself lives on
      await kv.put(key, JSON.stringify(record), { expirationTtl: 3600 });
      expect((await client.send("/me")).status).toBe(401);
      expect(JSON.parse((await client.send("/peek")).text).isNew).toBe(true);
      expect(await eventually(async () => (await kv.get(key)) === null), "the expired record is removed").toBe(true);
    });

    it("expires a session past the absolute timeout even when it is active", async () => {
      const client = new Client(at(target));
      await client.send("/login?user=abe", post);
      const kv = await mf.getKVNamespace("SESSIONS");
      const key = `sess:${idOf(client.cookie!)}`;
      const record = JSON.parse((await kv.get(key))!);
      record.__unsession.c = Date.now() - 7201 * 1000; // created more than absoluteTimeout (7200 s) ago
      await kv.put(key, JSON.stringify(record), { expirationTtl: 3600 });
      expect((await client.send("/me")).status).toBe(401);
    });

    it("removes the pre-login record from KV after regenerate (through ctx.waitUntil)", async () => {
      const client = new Client(at(target));
      await client.send("/views");
      const kv = await mf.getKVNamespace("SESSIONS");
      const before = `sess:${idOf(client.cookie!)}`;
      expect(await kv.get(before)).not.toBeNull();
      await client.send("/login?user=reg", post);
      expect(await eventually(async () => (await kv.get(before)) === null)).toBe(true);
      expect(await kv.get(`sess:${idOf(client.cookie!)}`)).not.toBeNull();
    });

    it("extends the idle deadline with a throttled touch that does not rewrite the data", async () => {
      const client = new Client(at(target));
      await client.send("/login?user=tom", post);
      const kv = await mf.getKVNamespace("SESSIONS");
      const key = `sess:${idOf(client.cookie!)}`;
      const record = JSON.parse((await kv.get(key))!);
      const old = Date.now() + 1800 * 1000; // half the idle timeout left: past the touch throttle
      record.__unsession.i = old;
      await kv.put(key, JSON.stringify(record), { expirationTtl: 3600 });
      const peek = await client.send("/peek");
      expect(JSON.parse(peek.text).user).toBe("tom");
      expect(
        await eventually(async () => JSON.parse((await kv.get(key))!).__unsession.i > old),
        "the touch reached KV",
      ).toBe(true);
      expect(JSON.parse((await kv.get(key))!).user).toBe("tom");
      // Right after a touch, a read writes nothing.
      const again = JSON.parse((await kv.get(key))!).__unsession.i;
      await client.send("/peek");
      expect(JSON.parse((await kv.get(key))!).__unsession.i).toBe(again);
    });
  });
}

describe("workers: KV specifics", () => {
  it("builds the session manager once per env object", async () => {
    for (let i = 0; i < 3; i++) await new Client(at("/core")).send("/views");
    expect((await (await at("")("/option-calls")).text())).toBe("1");
  });

  it("exposes the manager for env: revokeUser ends every session of a user", async () => {
    const phone = new Client(at("/core"));
    const laptop = new Client(at("/core"));
    const other = new Client(at("/core"));
    for (const [client, user] of [[phone, "rita"], [laptop, "rita"], [other, "sam"]] as const) {
      await client.send(`/login?user=${user}`, post);
      await client.send(`/bind?user=${user}`, post);
    }
    expect(await (await at("")("/revoke?user=rita")).text()).toBe("2");
    expect((await phone.send("/me")).status).toBe(401);
    expect((await laptop.send("/me")).status).toBe(401);
    expect((await other.send("/me")).text).toBe("user: sam");
  });

  it("raises a TTL below KV's 60 s floor instead of failing the write", async () => {
    const res = await at("")("/kv-set?key=short&ttl=1");
    expect(res.status).toBe(200);
    const kv = await mf.getKVNamespace("SESSIONS");
    const { keys } = await kv.list({ prefix: "short" });
    const ttl = keys[0]!.expiration! - Date.now() / 1000;
    expect(ttl).toBeGreaterThan(55);
    expect(ttl).toBeLessThanOrEqual(61);
  });

  it("runs in workerd without Node compatibility", async () => {
    const runtime = (await (await at("/core")("/runtime")).json()) as { userAgent: string; process: string; buffer: string };
    expect(runtime).toEqual({ userAgent: "Cloudflare-Workers", process: "undefined", buffer: "undefined" });
  });
});
