/**
 * Lost updates: N concurrent requests on one session, each setting its own key, with commitMode "overwrite"
 * (express-session's last-write-wins) and "merge". Every request loads the session before any of them commits
 * (a barrier), so all start from the same record; then they commit either at the same instant ("together",
 * the worst case) or spread over `spreadMs` ("spread", closer to real traffic).
 *
 * Run: `node --import tsx bench/lost-updates.ts` (with REDIS_URL set, Redis too). test/stores/lost-updates.test.ts
 * runs the same measurement.
 * @module
 */
import { createStorage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";
import { createSessions, memoryStore, storageStore, type SessionStore } from "../src/index.ts";

/** One measurement. */
export interface LostUpdateResult {
  store: string;
  commitMode: "overwrite" | "merge";
  timing: "together" | "spread";
  /** Commits spread uniformly over this many ms ("spread"). */
  spreadMs: number;
  requests: number;
  /** Keys missing from the final record. */
  lost: number;
  /** Store reads and writes made by the N requests (the final check excluded). */
  reads: number;
  writes: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs N concurrent requests that each set a different key and counts the keys that survive. */
export async function measureLostUpdates(
  storeName: string,
  store: SessionStore,
  commitMode: "overwrite" | "merge",
  timing: "together" | "spread",
  requests = 50,
  spreadMs = 50,
): Promise<LostUpdateResult> {
  let reads = 0;
  let writes = 0;
  const counted: SessionStore = {
    get: (key) => (reads++, store.get(key)),
    set: (key, record, ttl) => (writes++, store.set(key, record, ttl)),
    delete: (key) => (writes++, store.delete(key)),
  };
  const prefix = `lost-updates:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}:`;
  const sessions = createSessions({ secret: "lost-updates-secret-0123456789abcdefghij", store: counted, prefix, commitMode });
  const first = await sessions.wrap((_request, session) => {
    session.data.start = true;
    return new Response("ok");
  })(new Request("http://127.0.0.1/"));
  const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
  reads = 0;
  writes = 0;

  let loaded = 0;
  let release!: () => void;
  const allLoaded = new Promise<void>((resolve) => (release = resolve));
  const handler = sessions.wrap(async (request, session) => {
    if (++loaded === requests) release();
    await allLoaded; // every request has read the record before any commits
    if (timing === "spread") await sleep(Math.random() * spreadMs);
    session.data[new URL(request.url).searchParams.get("key")!] = true;
    return new Response("ok");
  });
  const responses = await Promise.all(
    Array.from({ length: requests }, (_, i) => handler(new Request(`http://127.0.0.1/?key=k${i}`, { headers: { cookie } }))),
  );
  for (const response of responses) if (response.status !== 200) throw new Error(`a request failed with ${response.status}`);
  const result = { store: storeName, commitMode, timing, spreadMs: timing === "spread" ? spreadMs : 0, requests, lost: 0, reads, writes };
  const final = await sessions.wrap((_request, session) => Response.json(session.data))(new Request("http://127.0.0.1/", { headers: { cookie } }));
  const data = (await final.json()) as Record<string, unknown>;
  for (let i = 0; i < requests; i++) if (data[`k${i}`] !== true) result.lost++;
  await sessions.wrap(async (_request, session) => (await session.destroy(), new Response("")))(new Request("http://127.0.0.1/", { headers: { cookie } }));
  return result;
}

/** Every combination for one store. */
export async function measureAll(storeName: string, store: SessionStore, requests = 50): Promise<LostUpdateResult[]> {
  const results: LostUpdateResult[] = [];
  for (const commitMode of ["overwrite", "merge"] as const) {
    results.push(await measureLostUpdates(storeName, store, commitMode, "together", requests));
    for (const spreadMs of [50, 1000]) results.push(await measureLostUpdates(storeName, store, commitMode, "spread", requests, spreadMs));
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await measureAll("memory", memoryStore());
  if (process.env.REDIS_URL) {
    const storage = createStorage({ driver: redisDriver({ url: process.env.REDIS_URL, base: "unsession-bench" }) });
    rows.push(...(await measureAll("redis", storageStore(storage))));
    await storage.dispose();
  } else {
    console.warn("REDIS_URL is not set: measuring the memory store only");
  }
  console.log("| store | commitMode | commits | lost of 50 | store reads | store writes |");
  console.log("|---|---|---|---|---|---|");
  for (const r of rows) {
    const timing = r.timing === "together" ? "at the same instant" : `spread over ${r.spreadMs} ms`;
    console.log(`| ${r.store} | ${r.commitMode} | ${timing} | ${r.lost} | ${r.reads} | ${r.writes} |`);
  }
}
