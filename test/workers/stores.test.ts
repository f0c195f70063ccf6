/**
 * The store conformance suite (unsession/testing) against `kvStore` and `durableObjectStore`, on real
 * workerd KV and Durable Objects reached through Miniflare's bindings from Node.
 */
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { durableObjectStore, kvStore, type DurableObjectNamespaceLike, type KVNamespaceLike } from "../../adapters/cloudflare.ts";
import { runStoreConformance } from "../../src/testing.ts";
import type { SessionStore } from "../../src/index.ts";
import { bundleWorker, removeBundle, startWorkers, type Bundle } from "./build.ts";

const api = { describe, it, expect };
let bundle: Bundle | undefined;
let mf: Miniflare;
const stores: { kv?: SessionStore; do?: SessionStore; sharded?: SessionStore } = {};

beforeAll(async () => {
  bundle = await bundleWorker("test/workers/fixtures/do-worker.ts");
  mf = await startWorkers([
    {
      name: "stores",
      bundle,
      kvNamespaces: ["SESSIONS"],
      durableObjects: { SESSION_DO: "SessionStoreDO" },
      bindings: { SESSION_SECRET: "workers-stores-test-secret-of-32-chars" },
    },
  ]);
  const kv = (await mf.getKVNamespace("SESSIONS")) as unknown as KVNamespaceLike;
  const ns = (await mf.getDurableObjectNamespace("SESSION_DO")) as unknown as DurableObjectNamespaceLike;
  stores.kv = kvStore(kv);
  stores.do = durableObjectStore(ns);
  stores.sharded = durableObjectStore(ns, { shards: 3 });
});

afterAll(async () => {
  await mf?.dispose();
  await removeBundle(bundle);
});

// KV keeps a record for at least 60 s: within the suite's seconds, only the core's deadline expires it.
runStoreConformance("cloudflare kvStore", { open: () => ({ store: stores.kv! }), expiry: "core", prefix: "kv-conf:" }, api);
// Durable Objects merge inside the object (atomicMerge: the suite's concurrency section runs).
runStoreConformance("cloudflare durableObjectStore", { open: () => ({ store: stores.do! }), expiry: "store", prefix: "do-conf:", atomicMerge: true, rounds: 10 }, api);
runStoreConformance("cloudflare durableObjectStore, 3 shards", { open: () => ({ store: stores.sharded! }), expiry: "store", prefix: "dos-conf:", atomicMerge: true }, api);
