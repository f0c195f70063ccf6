/**
 * `npm run bench:account`: where Hono + unsession's microseconds go, part by part, without the network.
 *
 * Every (server, scenario) cell runs in its own process pinned to core 0 (`bench/account-cell.ts`: the server's
 * fetch handler behind @hono/node-server's request listener, socket stand-ins), interleaved over rounds; the table
 * shows medians of CPU µs per request and each row's step over the row before. The HTTP run (`npm run bench`)
 * measures the same servers with the kernel and the HTTP parser included.
 * Environment: ACCOUNT_ROUNDS (default 3), ACCOUNT_REQUESTS (default 100000).
 * @module
 */
import { SERVERS } from "./apps.ts";
import { buildEntry } from "./build.ts";
import { runCell } from "./lib.ts";
import { PARTS } from "./parts.ts";

const ROUNDS = Number(process.env.ACCOUNT_ROUNDS ?? 3);
const REQUESTS = process.env.ACCOUNT_REQUESTS ?? "100000";
const cells: [string, string][] = [
  ["hono", "S0"],
  ...PARTS.map(([name]) => [name, "S2"] as [string, string]),
  ["hono-unsession", "S2"],
  ["hono-noop", "S1"],
  ["hono-vary", "S1"],
  ["hono-unsession", "S1"],
  ["hono-unsession", "S3"],
  ["hono-minimal", "S1"],
  ["hono-minimal", "S2"],
  ["hono-minimal", "S3"],
  ["hono-minimal-record", "S2"],
  ["hono-minimal-record", "S3"],
  ["hono-unsession-wrap", "S2"],
];

const file = await buildEntry("bench/account-cell.ts");
const results = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, scenario] of round % 2 ? [...cells].reverse() : cells) {
    const r = runCell<{ cpu: number }>(`${name} ${scenario}`, file, [name, scenario, REQUESTS]);
    const key = `${name}|${scenario}`;
    results.set(key, [...(results.get(key) ?? []), r.cpu]);
    console.error(`round ${round + 1}/${ROUNDS} ${name} ${scenario}: ${r.cpu.toFixed(2)} µs`);
  }
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const cpu = (name: string, scenario: string) => median(results.get(`${name}|${scenario}`)!);
const bare = cpu("hono", "S0");
const label = (name: string) => PARTS.find(([n]) => n === name)?.[1] ?? SERVERS.find((s) => s.name === name)?.label ?? name;
const lines = [
  `${new Date().toISOString().slice(0, 10)} · Node ${process.version} · ${REQUESTS} requests per cell, ${ROUNDS} rounds, medians · in-process through @hono/node-server's listener`,
  "",
  "| Server / step | Scenario | CPU µs/req | step | added over bare |",
  "|---|---|---:|---:|---:|",
];
let previous = bare;
for (const [name, scenario] of cells) {
  const value = cpu(name, scenario);
  const inSeries = name.startsWith("hono-part-") || (name === "hono-unsession" && scenario === "S2");
  const step = inSeries ? `${value - previous >= 0 ? "+" : ""}${(value - previous).toFixed(2)}` : "";
  if (inSeries || name === "hono") previous = value;
  lines.push(`| ${label(name)} | ${scenario} | ${value.toFixed(2)} | ${step} | +${(value - bare).toFixed(2)} |`);
}
console.log(lines.join("\n"));
