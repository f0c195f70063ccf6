import { Redis } from "ioredis";
import { createClient } from "redis";
import { createStorage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";
import { afterAll, describe } from "vitest";
import { redisStore } from "../../src/index.ts";
import { runStoreConformance } from "../../src/testing.ts";
import { api, runId, serviceUrl } from "./env.ts";

const url = serviceUrl("REDIS_URL");

describe.skipIf(!url)("store: redis (unstorage redis driver)", () => {
  runStoreConformance(
    "redis",
    {
      // A new ioredis client per open(): two app instances on one server. Keys live under a base unique to this run.
      open: () => {
        const storage = createStorage({ driver: redisDriver({ url: url!, base: `unsession-test-${runId}` }) });
        return { storage, close: () => storage.dispose() };
      },
      expiry: "store", // SET … EX ttl
    },
    api,
  );
  afterAll(async () => {
    // Only this run's keys (they would expire anyway).
    const storage = createStorage({ driver: redisDriver({ url: url!, base: `unsession-test-${runId}` }) });
    await storage.clear();
    await storage.dispose();
  });
});

describe.skipIf(!url)("store: redisStore (atomic merge) on an ioredis client", () => {
  runStoreConformance(
    "redisStore + ioredis",
    {
      open: () => {
        const client = new Redis(url!);
        return { store: redisStore({ client }), close: async () => void (await client.quit()) };
      },
      expiry: "store",
      prefix: `unsession-test-${runId}:io:`,
      atomicMerge: true,
      rounds: 10,
    },
    api,
  );
});

describe.skipIf(!url)("store: redisStore (atomic merge) on a node-redis client", () => {
  runStoreConformance(
    "redisStore + node-redis",
    {
      open: async () => {
        const client = createClient({ url: url! });
        await client.connect();
        return { store: redisStore({ client }), close: async () => void (await client.quit()) };
      },
      expiry: "store",
      prefix: `unsession-test-${runId}:nr:`,
      atomicMerge: true,
      rounds: 10,
    },
    api,
  );
});
