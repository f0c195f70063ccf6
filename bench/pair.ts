/**
 * `npm run bench:pair -- <reference server:scenario> <server:scenario> …`: each cell against the reference, both in
 * one process in alternating batches (bench/ab-cell.ts), the working tree only. For shares of a floor on a machine
 * whose speed drifts: `npm run bench:pair -- hono:S0 hono-vary:S1 hono-minimal:S3 hono-unsession:S3` gives each
 * row's CPU per request as a multiple of bare Hono's, measured side by side. Environment: AB_BATCHES, AB_BATCH.
 * @module
 */
import { fileURLToPath } from "node:url";
import { SERVERS } from "./apps.ts";
import { buildEntry, bundleApps } from "./build.ts";
import type { AbResult } from "./ab-cell.ts";
import { runCell } from "./lib.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const [reference = "hono:S0", ...cells] = process.argv.slice(2);
if (cells.length === 0) throw new Error("usage: npm run bench:pair -- <reference server:scenario> <server:scenario> …");

const apps = await bundleApps(root, root + "bench/.build/pair");
const cell = await buildEntry("bench/ab-cell.ts");
const label = (c: string) => SERVERS.find((s) => s.name === c.split(":")[0])?.label ?? c;
console.log(`each row against ${label(reference)} ${reference.split(":")[1]}, in one process, alternating batches, medians · Node ${process.version}\n`);
console.log("| Server | Scenario | reference µs/req | µs/req | ratio | added µs/req (paired) |");
console.log("|---|---|---:|---:|---:|---:|");
for (const c of cells) {
  const r = runCell<AbResult>(c, cell, [apps, apps, reference, c, process.env.AB_BATCHES ?? "40", process.env.AB_BATCH ?? "2000"]);
  const added = r.baseline * (r.ratio - 1);
  console.log(`| ${label(c)} | ${c.split(":")[1]} | ${r.baseline.toFixed(2)} | ${r.candidate.toFixed(2)} | ${r.ratio.toFixed(2)} | ${added >= 0 ? "+" : ""}${added.toFixed(2)} |`);
}
