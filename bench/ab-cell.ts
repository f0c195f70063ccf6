/**
 * The measuring side of `npm run bench:ab`: two builds of the bench servers (a baseline and the working tree) in
 * one process, driven in alternating batches, so that a machine whose speed drifts (shared cores) moves both alike.
 * Usage (after a build): `node ab-cell.mjs <baseline apps.mjs> <candidate apps.mjs> <server:scenario> [<server:scenario>] [batches] [batch size]`
 * (a second cell: the candidate side runs that one; `bench:pair` compares two servers of one build that way).
 * Prints one JSON line: median CPU µs per request of each and the median of the per-batch ratios.
 * @module
 */
import type { BenchApp, Scenario, Stats } from "./apps.ts";
import { driverFor, type Driver } from "./in-process.ts";

const [baseFile, candFile, baseCell = "hono-unsession:S2", ...rest] = process.argv.slice(2);
if (!baseFile || !candFile) throw new Error("usage: ab-cell.mjs <baseline apps.mjs> <candidate apps.mjs> <server:scenario> [<server:scenario>] [batches] [batch size]");
const candCell = rest[0]?.includes(":") ? rest.shift()! : baseCell;
const [batches = "40", size = "2000"] = rest;
const B = Number(batches);
const N = Number(size);

type Build = (name: string, scenario: Scenario, stats: Stats) => Promise<BenchApp>;
/** The line this cell prints: median CPU µs per request of each side, and the median of the batch-pair ratios. */
export interface AbResult {
  baseline: number;
  candidate: number;
  ratio: number;
}
const drivers: Driver[] = [];
for (const [file, cell] of [[baseFile, baseCell], [candFile, candCell]] as const) {
  const [server = "", scenario = "S2"] = cell.split(":") as [string?, string?];
  const { build } = (await import(file)) as { build: Build };
  const app = await build(server, scenario as Scenario, { requests: 0, writes: 0 });
  const d = driverFor(app);
  if (scenario === "S2" || scenario === "S3") await d.seed();
  drivers.push(d);
}
for (const d of drivers) await d.run(N * 5); // warm-up
drivers.forEach((d, i) => {
  if (d.seen().status !== 200) throw new Error(`${i ? candCell : baseCell}: status ${d.seen().status}`);
});

const cpu: [number[], number[]] = [[], []];
const ratios: number[] = [];
for (let b = 0; b < B; b++) {
  const pair = [0, 0];
  for (const i of b % 2 ? [1, 0] : [0, 1]) {
    const before = process.cpuUsage();
    await drivers[i]!.run(N);
    const used = process.cpuUsage(before);
    pair[i] = (used.user + used.system) / N;
    cpu[i as 0 | 1].push(pair[i]!);
  }
  ratios.push(pair[1]! / pair[0]!);
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const result: AbResult = { baseline: median(cpu[0]), candidate: median(cpu[1]), ratio: median(ratios) };
console.log(JSON.stringify(result));
