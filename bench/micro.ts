/**
 * `npm run bench:micro`: tinybench micro benchmarks of the core's hot path (see bench/README.md).
 * Environment: MICRO_TIME (ms per task, default 500), MICRO_FILTER (substring of task names).
 * @module
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { Bench } from "tinybench";
import { subtle } from "uncrypto";
import { readCookieValues } from "../src/cookie.ts";
import { createSessions, memoryStore, type Session } from "../src/index.ts";
import { stringify } from "../src/record.ts";
import { createSigner, fromBase64, randomId } from "../src/signer.ts";

const SECRET = "bench-secret-bench-secret-bench-secret-0123456789";
const time = Number(process.env.MICRO_TIME ?? 500);
const filter = process.env.MICRO_FILTER;
const bench = new Bench({ time, warmupTime: Math.min(200, time) });
const add = (name: string, fn: () => unknown): void => {
  if (!filter || name.includes(filter)) bench.add(name, fn);
};
const isPromise = (value: unknown): value is Promise<unknown> => value instanceof Promise;

// --- fixtures -------------------------------------------------------------------------------------------------
const signer = createSigner([SECRET]);
const signedValue = await signer.sign(randomId());
const header = `theme=dark; _ga=GA1.2.123456789.1700000000; sid=${encodeURIComponent(signedValue)}; lang=en-GB`;

// Distinct values signed under the same secret, more than the signer's verified-value cache holds (10 000),
// so cycling through them in order always misses that cache and pays one HMAC.
const POOL = 20_000;
const pool: string[] = [];
{
  const other = createSigner([SECRET]);
  for (let i = 0; i < POOL; i++) pool.push(await other.sign(randomId()));
}
const keyBytes = new TextEncoder().encode(SECRET);
const key = await subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
const sample = pool[0]!;
const dot = sample.lastIndexOf(".");
const sampleId = new TextEncoder().encode(sample.slice(2, dot));
const sampleMac = fromBase64(sample.slice(dot + 1))!;

const data = { userId: "u_12345", views: 42, cart: [{ sku: "A-1", qty: 2 }, { sku: "B-7", qty: 1 }], prefs: { theme: "dark", lang: "en" } };
const snapshot = stringify(data);

const store = memoryStore();
const storedIds: string[] = [];
for (let i = 0; i < 1000; i++) {
  const id = randomId();
  storedIds.push(id);
  store.set(id, JSON.stringify({ cookie: { originalMaxAge: null, expires: null, httpOnly: true, path: "/", secure: false }, ...data }), 3600);
}

// Core manager with the memory store, and one stored session whose cookie has been verified once.
const sessions = createSessions<{ views?: number }>({ secret: SECRET });
const seed = await sessions.load({ cookie: null });
seed.data.views = 1;
const setCookie = await sessions.commit(seed);
const cookie = setCookie!.split(";")[0]!;
await sessions.load({ cookie }); // first verify: cached from here on

type Step = (s: Session<{ views?: number }>) => void;
const read: Step = (s) => void s.data.views;
const change: Step = (s) => {
  s.data.views = (s.data.views ?? 0) + 1;
};

/** One load + handler step + commit, synchronous when the core answers synchronously. */
const cycle = (cookieHeader: string | null, step: Step): (() => unknown) => {
  return () => {
    const loaded = sessions.loadFast({ cookie: cookieHeader });
    if (isPromise(loaded)) return loaded.then((s) => finish(s, step));
    return finish(loaded, step);
  };
};
const finish = (s: Session<{ views?: number }>, step: Step): unknown => {
  step(s);
  return sessions.commitFast(s);
};
const syncness = async (name: string, fn: () => unknown): Promise<string> => {
  const out = fn();
  if (isPromise(out)) {
    await out;
    return `${name}: async (awaits)`;
  }
  return `${name}: synchronous`;
};

// --- tasks ----------------------------------------------------------------------------------------------------
add("cookie parse (readCookieValues, 4 cookies)", () => readCookieValues(header, "sid"));
add("verify: signer.unsign, value seen before (verified-value cache)", () => signer.unsign(signedValue));
let next = 0;
add("verify: signer.unsign, new value (key cached, 1 HMAC)", async () => {
  await signer.unsign(pool[next++ % POOL]!);
});
add("verify: subtle.verify with the imported key", async () => {
  await subtle.verify("HMAC", key, sampleMac, sampleId);
});
add("verify: cold (new signer: importKey + HMAC)", async () => {
  await createSigner([SECRET]).unsign(sample);
});
add("reference: node:crypto createHmac + timingSafeEqual (sync)", () => {
  const mac = createHmac("sha256", keyBytes).update(sampleId).digest();
  return timingSafeEqual(mac, sampleMac);
});
add("ID generation (randomId: 32 bytes, base64url)", () => randomId());
add("reference: crypto.randomUUID()", () => randomUUID());
let r = 0;
add("store read (memoryStore.get)", () => store.get(storedIds[r++ % 1000]!));
const record = JSON.stringify({ cookie: { originalMaxAge: null, expires: null, httpOnly: true, path: "/", secure: false }, ...data });
let w = 0;
add("store write (memoryStore.set)", () => store.set(storedIds[w++ % 1000]!, record, 3600));
add("change detection (stringify + compare, 4 keys)", () => stringify(data) !== snapshot);
add("core S1: loadFast + read + commitFast, no cookie", cycle(null, read));
add("core S2: loadFast + read + commitFast, valid cookie", cycle(cookie, read));
add("core S3: loadFast + change + commitFast, valid cookie", cycle(cookie, change));
add("core S2 from a Request: loadFast(Request) + read + commitFast", () => {
  const loaded = sessions.loadFast(new Request("http://127.0.0.1/", { headers: { cookie } }));
  if (isPromise(loaded)) return loaded.then((s) => finish(s, read));
  return finish(loaded, read);
});

const notes = await Promise.all([
  syncness("S1", cycle(null, read)),
  syncness("S2", cycle(cookie, read)),
  syncness("S3", cycle(cookie, change)),
]);

await bench.run();

console.log(`${new Date().toISOString().slice(0, 10)} · Node ${process.version} · tinybench, ${time} ms per task\n`);
console.log("| Task | median ns/op | mean ns/op | ops/s (mean) | samples |");
console.log("|---|---:|---:|---:|---:|");
for (const task of bench.tasks) {
  const result = task.result as { state?: string; latency?: { p50: number; mean: number; samplesCount: number }; throughput?: { mean: number }; error?: Error };
  if (!result.latency || !result.throughput) {
    console.log(`| ${task.name} | error: ${result.error?.message ?? result.state} | | | |`);
    continue;
  }
  console.log(
    `| ${task.name} | ${(result.latency.p50 * 1e6).toFixed(0)} | ${(result.latency.mean * 1e6).toFixed(0)} | ${Math.round(result.throughput.mean)} | ${result.latency.samplesCount} |`,
  );
}
console.log(`\nCore paths with the memory store and a cookie verified before: ${notes.join(", ")}.`);
