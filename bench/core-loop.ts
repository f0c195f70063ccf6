/**
 * A tight loop over the core's S1/S2/S3 path (loadFast + handler step + commitFast, memory store), for
 * `node --cpu-prof`: `tsx bench/build.ts bench/core-loop.ts S2 [iterations]` (run with --cpu-prof to profile).
 * @module
 */
import { createSessions } from "../src/index.ts";

const sessions = createSessions<{ views?: number }>({ secret: "bench-secret-bench-secret-bench-secret-0123456789" });
const seed = await sessions.load({ cookie: null });
seed.data.views = 1;
const cookie = (await sessions.commit(seed))!.split(";")[0]!;
await sessions.load({ cookie });
const mode = process.argv[2] ?? "S2";
const n = Number(process.argv[3] ?? 200_000);
for (let round = 0; round < 3; round++) {
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const s = sessions.loadFast({ cookie: mode === "S1" ? null : cookie });
    if (s instanceof Promise) throw new Error("loadFast went async");
    if (mode === "S3") s.data.views = (s.data.views ?? 0) + 1;
    else void s.data.views;
    const c = sessions.commitFast(s);
    if (c instanceof Promise) throw new Error("commitFast went async");
  }
  console.log(`${mode}: ${(((performance.now() - t) * 1e6) / n).toFixed(0)} ns per request`);
}
