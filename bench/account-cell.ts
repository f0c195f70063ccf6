/**
 * One cell of `npm run bench:account`: a bench server driven in this process (bench/in-process.ts).
 * Prints one JSON line. Usage (after a build): `node bench/.build/account-cell.mjs <server> <scenario> [requests]`.
 * @module
 */
import { build, type Scenario, type Stats } from "./apps.ts";
import { driverFor } from "./in-process.ts";

const [name = "hono", scenario = "S0", count = "100000"] = process.argv.slice(2);
const N = Number(count);
const stats: Stats = { requests: 0, writes: 0 };
const app = await build(name, scenario as Scenario, stats);
const d = driverFor(app);
if (scenario === "S2" || scenario === "S3") await d.seed();
await d.run(N / 2); // warm-up
if (d.seen().status !== 200) throw new Error(`${name} ${scenario}: status ${d.seen().status}`);
const samples: number[] = [];
for (let k = 0; k < 5; k++) {
  const before = process.cpuUsage();
  await d.run(N / 5);
  const used = process.cpuUsage(before);
  samples.push((used.user + used.system) / (N / 5));
}
samples.sort((a, b) => a - b);
const seen = d.seen();
console.log(JSON.stringify({ name, scenario, cpu: samples[2], writes: stats.writes, body: String(seen.body), vary: seen.headers.vary ?? seen.headers.Vary ?? null }));
