/**
 * Sessions in Durable Objects, in workerd (Miniflare) with `nodejs_compat` off. Two Workers built from
 * one bundle share one Durable Object namespace: they stand in for two locations, each with its own
 * session manager (so nothing but the store can carry a logout from one to the other).
 */
import assert from "node:assert/strict";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, scenarios, type Fetch } from "../runtimes/scenarios.ts";
import { bundleWorker, removeBundle, startWorkers, type Bundle } from "./build.ts";

const SECRET = "workers-do-test-secret-of-32-chars-or-more";
let bundle: Bundle | undefined;
let mf: Miniflare;
let fetchB: Fetch;

beforeAll(async () => {
  bundle = await bundleWorker("test/workers/fixtures/do-worker.ts");
  mf = await startWorkers([
    { name: "a", bundle, durableObjects: { SESSION_DO: "SessionStoreDO" }, bindings: { SESSION_SECRET: SECRET } },
    { name: "b", bundle, durableObjects: { SESSION_DO: { className: "SessionStoreDO", scriptName: "a" } }, bindings: { SESSION_SECRET: SECRET } },
  ]);
  const b = await mf.getWorker("b");
  fetchB = (path, init) => b.fetch(`http://localhost${path}`, init as never) as unknown as Promise<Response>;
});

afterAll(async () => {
  await mf?.dispose();
  await removeBundle(bundle);
});

const fetchA: Fetch = (path, init) => mf.dispatchFetch(`http://localhost${path}`, init as never) as unknown as Promise<Response>;
const under = (fetch: Fetch, prefix: string): Fetch => (path, init) => fetch(prefix + path, init);
const post = { method: "POST" };

for (const mount of ["/core", "/sharded"]) {
  describe(`workers: Durable Object store (${mount === "/core" ? "one object per session" : "4 shards"})`, () => {
    for (const scenario of scenarios) {
      it(scenario.name, () => scenario.run(under(fetchA, mount), assert));
    }

    it("a logout in one location is seen by the next request in another, at once", async () => {
      const inA = new Client(under(fetchA, mount));
      await inA.send("/login?user=lee", post);
      const inB = new Client(under(fetchB, mount));
      inB.cookie = inA.cookie;
      expect((await inB.send("/me")).text).toBe("user: lee");
      expect((await inA.send("/me")).text).toBe("user: lee");
      const logout = await inB.send("/logout", post);
      expect(logout.text).toBe("logged out");
      // A's manager never saw the logout: only the store can tell it.
      const after = await inA.send("/me");
      expect(after.status).toBe(401);
    });

    it("a regenerate in one location retires the old ID in the other, at once", async () => {
      const inA = new Client(under(fetchA, mount));
      await inA.send("/views");
      const before = inA.cookie;
      const inB = new Client(under(fetchB, mount));
      inB.cookie = before;
      await inB.send("/login?user=max", post);
      expect(inB.cookie).not.toBe(before);
      const stale = await inA.send("/peek");
      expect(JSON.parse(stale.text)).toEqual({ isNew: true, views: null, user: null });
      inA.cookie = inB.cookie;
      expect((await inA.send("/me")).text).toBe("user: max");
    });

    it("a write in one location is read by the next request in another", async () => {
      const inA = new Client(under(fetchA, mount));
      const inB = new Client(under(fetchB, mount));
      await inA.send("/views");
      inB.cookie = inA.cookie;
      for (let i = 2; i <= 5; i++) {
        const client = i % 2 === 0 ? inB : inA;
        expect((await client.send("/views")).text).toBe(`views: ${i}`);
      }
    });
  });
}

describe("workers: Durable Object store, revocation", () => {
  it("revoking a user in one location ends the sessions used in another, at once", async () => {
    const inB = new Client(under(fetchB, "/core"));
    await inB.send("/login?user=uma", post);
    await inB.send("/bind?user=uma", post);
    expect((await inB.send("/me")).text).toBe("user: uma");
    expect(await (await fetchA("/revoke?user=uma")).text()).toBe("1");
    expect((await inB.send("/me")).status).toBe(401);
  });
});

describe("workers: Durable Object store contract", () => {
  const call = async (path: string) => (await fetchA(path)).text();

  it("answers null for a missing key and deletes a missing key without error", async () => {
    expect(JSON.parse(await call("/store/get?key=sess:never"))).toEqual({ value: null });
    expect(await call("/store/delete?key=sess:never")).toBe("ok");
  });

  it("keeps keys apart within one shard, and deletes one without the other", async () => {
    for (const key of ["sess:k1", "sess:k2", "sess:k3"]) {
      await call(`/store/set?shards=1&key=${key}&value=${key}-v&ttl=60`);
    }
    expect(JSON.parse(await call("/store/get?shards=1&key=sess:k2"))).toEqual({ value: "sess:k2-v" });
    await call("/store/delete?shards=1&key=sess:k2");
    expect(JSON.parse(await call("/store/get?shards=1&key=sess:k2"))).toEqual({ value: null });
    expect(JSON.parse(await call("/store/get?shards=1&key=sess:k1"))).toEqual({ value: "sess:k1-v" });
  });

  it("never returns a record after its TTL", async () => {
    await call("/store/set?key=sess:short&value=soon-gone&ttl=1");
    expect(JSON.parse(await call("/store/get?key=sess:short"))).toEqual({ value: "soon-gone" });
    let value: unknown = "soon-gone";
    for (let i = 0; i < 100 && value !== null; i++) {
      await new Promise((r) => setTimeout(r, 50));
      value = JSON.parse(await call("/store/get?key=sess:short")).value;
    }
    expect(value).toBeNull();
  });
});
