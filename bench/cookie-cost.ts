/**
 * How much of S2's cost is the Cookie header itself: bare Hono and the no-op middleware, driven by wrk with and
 * without the S2 cookie header (the handler never reads it). `tsx bench/cookie-cost.ts` (ROUNDS, SECONDS).
 * @module
 */
import { spawnSync } from "node:child_process";
import { buildEntry } from "./build.ts";
import { fetchOnce, cookieHeader, pin, send, start, stop } from "./lib.ts";

const rounds = Number(process.env.ROUNDS ?? 3);
const seconds = Number(process.env.SECONDS ?? 4);
const file = await buildEntry("bench/server.ts");
// A real S2 cookie, from our own server.
const seeded = await start(file, { server: "hono-unsession", scenario: "S2" });
const cookie = cookieHeader((await fetchOnce(seeded.port, "POST")).setCookie);
await stop(seeded.child);

const results = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const server of ["hono", "hono-noop"]) {
    for (const withCookie of [false, true]) {
      const { child, port } = await start(file, { server, scenario: server === "hono" ? "S0" : "S1" });
      const args = pin(1, ["wrk", "-t1", "-c32", `-d${seconds}s`, ...(withCookie ? ["-H", `Cookie: ${cookie}`] : []), `http://127.0.0.1:${port}/`]);
      spawnSync(args[0]!, args.slice(1)); // warm-up
      await send(child, "reset", "reset");
      spawnSync(args[0]!, args.slice(1));
      const stats = await send(child, "stats", "stats");
      await stop(child);
      const key = `${server}${withCookie ? " + Cookie header" : ""}`;
      results.set(key, [...(results.get(key) ?? []), stats.cpuMicros! / stats.requests!]);
    }
  }
}
for (const [key, values] of results) {
  const sorted = [...values].sort((a, b) => a - b);
  console.log(`${key.padEnd(32)} median server CPU ${sorted[sorted.length >> 1]!.toFixed(1)} µs/req (${values.map((v) => v.toFixed(1)).join(", ")})`);
}
