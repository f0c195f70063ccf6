import { createStorage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";
import { afterAll, describe } from "vitest";
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
