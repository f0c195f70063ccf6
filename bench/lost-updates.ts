/**
 * Lost updates: N concurrent requests on one session, each setting its own key, with commitMode "overwrite"
 * (express-session's last-write-wins) and "merge", on every store. Every request loads the session before any of
 * them commits (a barrier), so all start from the same record; then they commit at the same instant ("together",
 * the worst case) or spread over `spreadMs` ("spread", closer to real traffic). Each measurement runs `rounds` times.
 *
 * Run: `node --import tsx bench/lost-updates.ts` with REDIS_URL, DATABASE_URL, MYSQL_URL set (a store whose URL is
 * unset is left out; `LOST_STORES=memory,redis-atomic` picks stores, `LOST_ROUNDS` sets the rounds, default 10).
 * "two processes" forks bench/lost-updates-child.ts, which runs half of the requests on its own Redis connection.
 * test/stores/lost-updates.test.ts runs the same measurement.
 * @module
 */
import { createSessions, type SessionStore } from "../src/index.ts";

/** One measurement (summed over its rounds). */
export interface LostUpdateResult {
  store: string;
  commitMode: "overwrite" | "merge";
  timing: "together" | "spread";
  /** Commits spread uniformly over this many ms ("spread"). */
  spreadMs: number;
  requests: number;
  rounds: number;
  /** Keys missing from the final record, per round. */
  lostPerRound: number[];
  /** Keys missing from the final record, in all rounds. */
  lost: number;
  /** Store calls made by the N requests of one round, on average (the final check excluded). */
  reads: number;
  writes: number;
  merges: number;
}

/** Where the other half of the requests runs: another process (see lost-updates-child.ts). */
export interface RemoteHalf {
  /** Loads `keys.length` requests on `cookie`, resolves once all have loaded. */
  load(job: { prefix: string; commitMode: string; timing: string; spreadMs: number; cookie: string; keys: string[] }): Promise<void>;
  /** Lets them commit; resolves with their statuses. */
  go(): Promise<number[]>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const secret = "lost-updates-secret-0123456789abcdefghij";

/** Counts a store's calls; keeps its `merge` capability when it has one. */
function counting(store: SessionStore, counts: { reads: number; writes: number; merges: number }): SessionStore {
  const counted: SessionStore = {
    get: (key) => (counts.reads++, store.get(key)),
    set: (key, record, ttl) => (counts.writes++, store.set(key, record, ttl)),
    delete: (key) => (counts.writes++, store.delete(key)),
  };
  if (store.merge) counted.merge = (key, patch, ttl) => (counts.merges++, store.merge!(key, patch, ttl));
  return counted;
}

/** Runs N concurrent requests that each set a different key and counts the keys that survive, `rounds` times. */
export async function measureLostUpdates(
  storeName: string,
  store: SessionStore,
  commitMode: "overwrite" | "merge",
  timing: "together" | "spread",
  requests = 50,
  spreadMs = 50,
  { rounds = 1, others = [] as SessionStore[], remote }: { rounds?: number; others?: SessionStore[]; remote?: RemoteHalf } = {},
): Promise<LostUpdateResult> {
  const counts = { reads: 0, writes: 0, merges: 0 };
  const prefix = `lost-updates:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}:`;
  // One manager per store handle: several app instances, each with its own connection.
  const managers = [store, ...others].map((s) => createSessions({ secret, store: counting(s, counts), prefix, commitMode }));
  const result: LostUpdateResult = { store: storeName, commitMode, timing, spreadMs: timing === "spread" ? spreadMs : 0, requests, rounds, lostPerRound: [], lost: 0, reads: 0, writes: 0, merges: 0 };
  for (let round = 0; round < rounds; round++) {
    const first = await managers[0]!.wrap((_request, session) => {
      session.data.start = true;
      return new Response("ok");
    })(new Request("http://127.0.0.1/"));
    const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
    const before = { ...counts };

    const keys = Array.from({ length: requests }, (_, i) => `k${i}`);
    const remoteKeys = remote ? keys.filter((_, i) => i % 2 === 1) : [];
    const localKeys = keys.filter((key) => !remoteKeys.includes(key));
    let loaded = 0;
    let localRun!: Promise<number[]>;
    let release!: () => void;
    const allLoaded = new Promise<void>((resolve) => (release = resolve));
    const localLoaded = new Promise<void>((resolve) => {
      const handlers = managers.map((sessions) =>
        sessions.wrap(async (request, session) => {
          if (++loaded === localKeys.length) resolve();
          await allLoaded; // every request has read the record before any commits
          if (timing === "spread") await sleep(Math.random() * spreadMs);
          session.data[new URL(request.url).searchParams.get("key")!] = true;
          return new Response("ok");
        }),
      );
      localRun = Promise.all(localKeys.map((key, i) => handlers[i % handlers.length]!(new Request(`http://127.0.0.1/?key=${key}`, { headers: { cookie } })).then((r) => r.status)));
    });
    await Promise.all([localLoaded, remote?.load({ prefix, commitMode, timing, spreadMs, cookie, keys: remoteKeys })]);
    release();
    const statuses = [...(await localRun), ...(remote ? await remote.go() : [])];
    for (const status of statuses) if (status !== 200) throw new Error(`a request failed with ${status}`);
    result.reads += counts.reads - before.reads;
    result.writes += counts.writes - before.writes;
    result.merges += counts.merges - before.merges;

    const final = await managers[0]!.wrap((_request, session) => Response.json(session.data))(new Request("http://127.0.0.1/", { headers: { cookie } }));
    const data = (await final.json()) as Record<string, unknown>;
    const lost = keys.filter((key) => data[key] !== true).length;
    result.lostPerRound.push(lost);
    result.lost += lost;
    await managers[0]!.wrap(async (_request, session) => (await session.destroy(), new Response("")))(new Request("http://127.0.0.1/", { headers: { cookie } }));
  }
  result.reads /= rounds;
  result.writes /= rounds;
  result.merges /= rounds;
  return result;
}

/** Every combination for one store. */
export async function measureAll(storeName: string, store: SessionStore, options: { rounds?: number; others?: SessionStore[]; remote?: RemoteHalf; requests?: number } = {}): Promise<LostUpdateResult[]> {
  const results: LostUpdateResult[] = [];
  for (const commitMode of ["overwrite", "merge"] as const) {
    results.push(await measureLostUpdates(storeName, store, commitMode, "together", options.requests, 0, options));
    results.push(await measureLostUpdates(storeName, store, commitMode, "spread", options.requests, 50, options));
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { benchStores } = await import("./lost-updates-stores.ts");
  const rounds = Number(process.env.LOST_ROUNDS ?? 10);
  const wanted = process.env.LOST_STORES?.split(",");
  const rows: LostUpdateResult[] = [];
  for (const open of benchStores(wanted)) {
    const target = await open();
    if (!target) continue;
    try {
      console.error(`measuring ${target.name}…`);
      rows.push(...(await measureAll(target.name, target.store, { rounds, others: target.others, remote: target.remote })));
    } finally {
      await target.close();
    }
  }
  console.log(`| store | commitMode | commits | lost of 50, per round (${rounds} rounds) | total lost | reads / writes / merges per round |`);
  console.log("|---|---|---|---|---|---|");
  for (const r of rows) {
    const timing = r.timing === "together" ? "same instant" : `over ${r.spreadMs} ms`;
    const min = Math.min(...r.lostPerRound);
    const max = Math.max(...r.lostPerRound);
    console.log(`| ${r.store} | ${r.commitMode} | ${timing} | ${min === max ? min : `${min}–${max}`} | ${r.lost} of ${50 * r.rounds} | ${r.reads} / ${r.writes} / ${r.merges} |`);
  }
  process.exit(0);
}
