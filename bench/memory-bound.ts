/**
 * The embedded memory store stays bounded: 1,000,000 sessions written through the store API, measured with
 * `process.memoryUsage().heapUsed` after a full GC. Run: `node --expose-gc --import tsx bench/memory-bound.ts`
 * Prints one JSON line per scenario; test/stores/memory-bound.test.ts runs it and checks the ceiling.
 * @module
 */
import { memoryStore } from "../src/index.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const TOTAL = 1_000_000;
const MAX = 50_000;

/** A record like the core writes (≈ 220 bytes), different for every session. */
const record = (i: number) =>
  `{"cookie":{"originalMaxAge":86400000,"expires":"2030-01-01T00:00:00.000Z","secure":false,"httpOnly":true,"path":"/"},"user":"user-${i}","views":${i % 97},"__unsession":{"c":${1_700_000_000_000 + i},"i":${1_700_086_400_000 + i}}}`;
const id = (i: number) => `sess:${i.toString(36).padStart(8, "0")}AbCdEfGhIjKlMnOpQrStUvWxYz0123456`;

function scenario(name: string, ttl: number, msPerWrite: number) {
  let t = 1_700_000_000_000;
  const store = memoryStore({ max: MAX, now: () => t });
  const before = heap();
  let peak = 0;
  const started = performance.now();
  for (let i = 0; i < TOTAL; i++) {
    store.set(id(i), record(i), ttl);
    t += msPerWrite;
    if (i % 100_000 === 99_999) peak = Math.max(peak, store.size);
  }
  const seconds = (performance.now() - started) / 1000;
  const after = heap();
  const result = {
    scenario: name,
    writes: TOTAL,
    max: MAX,
    ttlSeconds: ttl,
    size: store.size,
    peakSize: peak,
    heapGrowthMB: Math.round(((after - before) / 1024 / 1024) * 10) / 10,
    bytesPerKeptSession: store.size ? Math.round((after - before) / store.size) : 0,
    seconds: Math.round(seconds * 10) / 10,
  };
  console.log(JSON.stringify(result));
  store.clear();
  return result;
}

// Short TTL (1 s) with a clock that moves 1 ms per write: expired entries are swept as writes come in.
scenario("short-ttl", 1, 1);
// Long TTL (1 day), nothing expires: the `max` bound holds the store at 50,000 sessions.
scenario("max-bound", 86_400, 0);
