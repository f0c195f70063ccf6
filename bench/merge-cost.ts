/**
 * What an atomic merge commit costs on Redis, against an overwrite commit: one request after another on one
 * session, each loading it, changing one key and committing. Reports store calls per request (round trips) and
 * µs per request, medians of interleaved rounds, and the ratio to overwrite on the same store.
 *
 * Run: `REDIS_URL=redis://127.0.0.1:6379 npm run bench:merge` (`MERGE_REQUESTS`, default 2000; `MERGE_ROUNDS`, default 5).
 * @module
 */
import { Redis } from "ioredis";
import { createStorage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";
import { createSessions, redisStore, storageStore, type SessionStore } from "../src/index.ts";

const url = process.env.REDIS_URL;
if (!url) {
  console.error("REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379)");
  process.exit(1);
}
const requests = Number(process.env.MERGE_REQUESTS ?? 2000);
const rounds = Number(process.env.MERGE_ROUNDS ?? 5);

/** Sequential load → change one key → commit, `requests` times; µs per request and store calls per request. */
async function measure(store: SessionStore, commitMode: "overwrite" | "merge"): Promise<{ us: number; calls: number }> {
  let calls = 0;
  const counted: SessionStore = {
    get: (key) => (calls++, store.get(key)),
    set: (key, record, ttl) => (calls++, store.set(key, record, ttl)),
    delete: (key) => (calls++, store.delete(key)),
  };
  if (store.merge) counted.merge = (key, patch, ttl) => (calls++, store.merge!(key, patch, ttl));
  const sessions = createSessions({ secret: "merge-cost-bench-secret-0123456789abcdef", store: counted, commitMode, prefix: `merge-cost-${process.pid}:` });
  const first = await sessions.load(new Request("http://127.0.0.1/"));
  first.data.cart = ["mug", "pear"];
  first.data.user = "ada";
  const cookie = (await sessions.commit(first))!.split(";")[0]!;
  const request = new Request("http://127.0.0.1/", { headers: { cookie } });
  calls = 0;
  const start = performance.now();
  for (let i = 0; i < requests; i++) {
    const session = await sessions.load(request);
    session.data.n = i;
    await sessions.commit(session);
  }
  const us = ((performance.now() - start) * 1000) / requests;
  const result = { us, calls: calls / requests };
  const last = await sessions.load(request);
  await last.destroy();
  return result;
}

const client = new Redis(url);
const storage = createStorage({ driver: redisDriver({ url, base: "unsession-bench" }) });
const targets: [string, SessionStore, "overwrite" | "merge"][] = [
  ["redisStore, overwrite", redisStore({ client }), "overwrite"],
  ["redisStore, merge (atomic: EVALSHA)", redisStore({ client }), "merge"],
  ["unstorage redis driver, overwrite", storageStore(storage), "overwrite"],
  ["unstorage redis driver, merge (GET + SET, racy)", storageStore(storage), "merge"],
];
const samples = new Map<string, number[]>(targets.map(([name]) => [name, []]));
const calls = new Map<string, number>();
for (let round = 0; round < rounds; round++) {
  // A different order each round, so that drift on a shared machine hits every row alike.
  for (let k = 0; k < targets.length; k++) {
    const [name, store, mode] = targets[(k + round) % targets.length]!;
    const result = await measure(store, mode);
    samples.get(name)!.push(result.us);
    calls.set(name, result.calls);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`| store, commitMode | store round trips per request | µs per request (median of ${rounds}) | vs overwrite on the same store |`);
console.log("|---|---|---|---|");
for (const [name] of targets) {
  const base = name.startsWith("redisStore") ? "redisStore, overwrite" : "unstorage redis driver, overwrite";
  const us = median(samples.get(name)!);
  console.log(`| ${name} | ${calls.get(name)} | ${us.toFixed(0)} | ${(us / median(samples.get(base)!)).toFixed(2)}× |`);
}
client.disconnect();
await storage.dispose();
