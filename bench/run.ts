/**
 * `npm run bench`: HTTP benchmarks of every server and scenario (see bench/README.md).
 *
 * Each (server, scenario) cell runs in its own process pinned to core 0 (`taskset -c 0`); the load generator
 * (wrk, or autocannon when wrk is missing) runs pinned to core 1. Cells are interleaved across rounds and the
 * table reports medians; ratios and added µs are computed against the bare framework of the same round, or, with
 * BENCH_ADJACENT=1, against the mean of the bare runs right before and right after the cell (a bare run between
 * every two cells: twice the time, for machines whose speed drifts within a round).
 *
 * Environment: BENCH_DURATION (s per cell, default 5), BENCH_WARMUP (s, default 1), BENCH_ROUNDS (default 3),
 * BENCH_CONNECTIONS (default 32), BENCH_SERVERS (comma list of names), BENCH_SCENARIOS (e.g. "S1,S2"),
 * BENCH_LOADGEN (wrk | autocannon), BENCH_OUT (also write the Markdown table to this file), BENCH_JSON (raw results).
 * @module
 */
import { spawnSync } from "node:child_process";
import { writeFileSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { SERVERS, available, type Scenario } from "./apps.ts";
import { buildEntry } from "./build.ts";
import { cookieHeader, fetchOnce, hasWrk, pin, pinning, send, start, stop, type Cell } from "./lib.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = fileURLToPath(new URL("..", import.meta.url));
const num = (value: string | undefined, fallback: number): number => (value && Number.isFinite(Number(value)) ? Number(value) : fallback);

const DURATION = num(process.env.BENCH_DURATION, 5);
const WARMUP = num(process.env.BENCH_WARMUP, 1);
const ROUNDS = Math.max(1, num(process.env.BENCH_ROUNDS, 3));
const CONNECTIONS = num(process.env.BENCH_CONNECTIONS, 32);
const only = process.env.BENCH_SERVERS?.split(",").map((s) => s.trim()).filter(Boolean);
const scenarios = (process.env.BENCH_SCENARIOS?.split(",").map((s) => s.trim()) ?? ["S1", "S2", "S3"]) as Scenario[];

const ADJACENT = process.env.BENCH_ADJACENT === "1";

const loadgen = process.env.BENCH_LOADGEN ?? (hasWrk ? "wrk" : "autocannon");
let serverFile = "";
interface Sample {
  rps: number;
  p99: number; // ms
  writesPerRequest: number;
  /** Server CPU time (user + system) per request, µs. */
  cpuPerRequest: number;
  setCookie: boolean;
  body: string;
  errors: number;
  /** The bare framework's req/s and CPU µs/req this sample is compared with. */
  bare?: { rps: number; cpuPerRequest: number };
}

const servers = SERVERS.filter((s) => !only || only.includes(s.name));
const skipped = servers.filter((s) => !available(s));
const cells: Cell[] = [];
for (const s of servers.filter(available)) {
  for (const scenario of s.only ? [s.only] : scenarios) cells.push({ server: s.name, scenario });
}

interface Load {
  rps: number;
  p99: number;
  requests: number;
  errors: number;
}

function runLoad(port: number, seconds: number, cookie: string | undefined): Load {
  const url = `http://127.0.0.1:${port}/`;
  if (loadgen === "wrk") {
    const args = ["wrk", "-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--timeout", "5s", "-s", here + "wrk-report.lua"];
    if (cookie) args.push("-H", `Cookie: ${cookie}`);
    args.push(url);
    const argv = pin(1, args);
    const out = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: (seconds + 30) * 1000 });
    const line = out.stdout.split("\n").find((l) => l.startsWith("WRK_JSON "));
    if (!line) throw new Error(`wrk gave no result: ${out.stderr || out.stdout}`);
    const r = JSON.parse(line.slice(9)) as Record<string, number>;
    const errors = r.connect! + r.read! + r.write! + r.status! + r.timeout!;
    return { rps: r.requests! / (r.duration_us! / 1e6), p99: r.p99_us! / 1000, requests: r.requests!, errors };
  }
  const args = [process.execPath, root + "node_modules/autocannon/autocannon.js", "-c", String(CONNECTIONS), "-d", String(seconds), "-j"];
  if (cookie) args.push("-H", `cookie=${cookie}`);
  args.push(url);
  const argv = pin(1, args);
  const out = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: (seconds + 30) * 1000, maxBuffer: 64 << 20 });
  const r = JSON.parse(out.stdout) as { requests: { average: number; total: number }; latency: { p99: number }; errors: number; non2xx: number; timeouts: number };
  return { rps: r.requests.average, p99: r.latency.p99, requests: r.requests.total, errors: r.errors + r.non2xx + r.timeouts };
}

async function measure(cell: Cell): Promise<Sample> {
  const { child, port } = await start(serverFile, cell);
  try {
    let cookie: string | undefined;
    if (cell.scenario === "S2" || cell.scenario === "S3") {
      const seed = await fetchOnce(port, "POST");
      cookie = cookieHeader(seed.setCookie);
      if (seed.status !== 200 || !cookie) throw new Error(`${cell.server}: the seed request got no session cookie (status ${seed.status})`);
    }
    if (WARMUP > 0) runLoad(port, WARMUP, cookie);
    const probe = await fetchOnce(port, "GET", cookie);
    if (probe.status !== 200) throw new Error(`${cell.server} ${cell.scenario}: probe status ${probe.status}`);
    await send(child, "reset", "reset");
    const load = runLoad(port, DURATION, cookie);
    const stats = await send(child, "stats", "stats");
    return {
      rps: load.rps,
      p99: load.p99,
      writesPerRequest: stats.requests ? stats.writes! / stats.requests : 0,
      cpuPerRequest: stats.requests ? stats.cpuMicros! / stats.requests : 0,
      setCookie: probe.setCookie.length > 0,
      body: probe.body,
      errors: load.errors,
    };
  } finally {
    await stop(child);
  }
}

const median = (values: number[]): number => {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
};

async function main(): Promise<void> {
  serverFile = await buildEntry("bench/server.ts");
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSafe("/proc/cpuinfo"))?.[1] ?? cpus()[0]?.model ?? "unknown";
  console.error(
    `bench: ${cells.length} cells × ${ROUNDS} rounds, ${DURATION} s each (+${WARMUP} s warm-up), ${CONNECTIONS} connections, ` +
      `${loadgen}${pinning ? ", server on core 0, load generator on core 1" : ", NOT pinned (taskset or a 2nd core missing)"}`,
  );
  for (const s of skipped) console.error(`bench: skipping ${s.label}: ${s.needs} does not exist yet`);
  const results = new Map<string, Sample[]>();
  const key = (c: Cell) => `${c.server}|${c.scenario}`;
  const bareCell = (c: Cell): Cell => ({ server: SERVERS.find((s) => s.framework === SERVERS.find((x) => x.name === c.server)!.framework && s.bare)!.name, scenario: "S0" });
  const isBare = (c: Cell) => SERVERS.find((s) => s.name === c.server)?.bare === true;
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order every round so that drift and neighbours hit every cell alike.
    const shift = Math.floor((round * cells.length) / ROUNDS);
    let order = [...cells.slice(shift), ...cells.slice(0, shift)];
    if (ADJACENT) {
      // bare, cell, bare, cell, …, bare: every cell between two runs of its framework's bare server.
      const measured = order.filter((c) => !isBare(c));
      order = measured.flatMap((c, i) => (i > 0 && bareCell(measured[i - 1]!).server === bareCell(c).server ? [c, bareCell(c)] : [bareCell(c), c, bareCell(c)]));
    }
    const sequence: { cell: Cell; sample: Sample }[] = [];
    for (const cell of order) {
      const sample = await measure(cell);
      sequence.push({ cell, sample });
      const list = results.get(key(cell)) ?? [];
      list.push(sample);
      results.set(key(cell), list);
      console.error(
        `round ${round + 1}/${ROUNDS} ${cell.server.padEnd(18)} ${cell.scenario}: ${sample.rps.toFixed(0).padStart(6)} req/s, p99 ${sample.p99.toFixed(2)} ms, ` +
          `${sample.cpuPerRequest.toFixed(1)} CPU µs/req, ${sample.writesPerRequest.toFixed(2)} writes/req, Set-Cookie ${sample.setCookie ? "yes" : "no"}, body ${JSON.stringify(sample.body)}${sample.errors ? `, ${sample.errors} ERRORS` : ""}`,
      );
    }
    // Each sample's bare reference: the runs right before and after it (adjacent), or the round's one bare run.
    sequence.forEach(({ cell, sample }, j) => {
      if (isBare(cell)) return;
      const refs = ADJACENT ? [sequence[j - 1]!, sequence[j + 1]!] : sequence.filter((x) => x.cell.server === bareCell(cell).server).slice(0, 1);
      if (refs.length === 0) return;
      sample.bare = {
        rps: refs.reduce((n, x) => n + x.sample.rps, 0) / refs.length,
        cpuPerRequest: refs.reduce((n, x) => n + x.sample.cpuPerRequest, 0) / refs.length,
      };
    });
  }

  const lines: string[] = [];
  lines.push(
    `${new Date().toISOString().slice(0, 10)} · ${cpus().length} cores (${cpu}) · Node ${process.version} · ${loadgen}, ${CONNECTIONS} connections, ` +
      `${DURATION} s per cell after ${WARMUP} s warm-up, ${ROUNDS} interleaved rounds, medians${ADJACENT ? ", each cell paired with the bare runs right before and after it" : ""}${pinning ? " · server pinned to core 0, load generator to core 1" : ""}`,
  );
  lines.push("");
  lines.push("| Server | Scenario | req/s | p99 (ms) | vs bare | added µs/req | server CPU µs/req (added) | store writes/req | Set-Cookie |");
  lines.push("|---|---|---:|---:|---:|---:|---:|---:|---|");
  for (const s of servers.filter(available)) {
    for (const scenario of s.only ? [s.only] : scenarios) {
      const samples = results.get(`${s.name}|${scenario}`)!;
      const rps = median(samples.map((x) => x.rps));
      const p99 = median(samples.map((x) => x.p99));
      let ratio = "—";
      let added = "—";
      const cpuUsed = median(samples.map((x) => x.cpuPerRequest));
      let cpuAdded = "";
      if (!s.bare && samples.every((x) => x.bare !== undefined)) {
        // Paired with its bare reference (same round, or adjacent runs), then the median.
        ratio = `${(median(samples.map((x) => x.rps / x.bare!.rps)) * 100).toFixed(0)} %`;
        const us = median(samples.map((x) => 1e6 / x.rps - 1e6 / x.bare!.rps));
        added = `${us >= 0 ? "+" : ""}${us.toFixed(1)}`;
        const cpuUs = median(samples.map((x) => x.cpuPerRequest - x.bare!.cpuPerRequest));
        cpuAdded = ` (${cpuUs >= 0 ? "+" : ""}${cpuUs.toFixed(1)})`;
      } else if (s.bare) {
        ratio = "100 %";
        added = "0";
      }
      const writes = median(samples.map((x) => x.writesPerRequest));
      const cookies = samples.map((x) => x.setCookie);
      const setCookie = cookies.every(Boolean) ? "yes" : cookies.some(Boolean) ? "sometimes" : "no";
      const errors = samples.reduce((n, x) => n + x.errors, 0);
      lines.push(
        `| ${s.label} | ${scenario} | ${rps.toFixed(0)} | ${p99.toFixed(2)} | ${ratio} | ${added} | ${cpuUsed.toFixed(1)}${cpuAdded} | ${writes.toFixed(2)} | ${setCookie}${errors ? ` (${errors} errors)` : ""} |`,
      );
    }
  }
  const table = lines.join("\n");
  console.log(table);
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, table + "\n");
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(Object.fromEntries(results), null, 2));
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

await main();
