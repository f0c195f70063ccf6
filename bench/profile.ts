/**
 * `npm run bench:profile`: CPU profiles (`node --cpu-prof`) of servers under wrk load, summarised by self time.
 *
 * Environment: PROFILE_SERVERS (default "hono-unsession,hono"), PROFILE_SCENARIOS (default "S1,S2,S3"),
 * PROFILE_DURATION (s, default 5), PROFILE_TOP (rows, default 25). Profiles are kept in bench/.build/profiles/.
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { SERVERS, type Scenario } from "./apps.ts";
import { buildEntry, outdir } from "./build.ts";
import { pin, start } from "./lib.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const servers = (process.env.PROFILE_SERVERS ?? "hono-unsession,hono").split(",");
const scenarios = (process.env.PROFILE_SCENARIOS ?? "S1,S2,S3").split(",") as Scenario[];
const duration = Number(process.env.PROFILE_DURATION ?? 5);
const top = Number(process.env.PROFILE_TOP ?? 25);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const serverFile = await buildEntry("bench/server.ts");
// Lines of the bundle belong to the source file named by the last `// path` comment esbuild wrote above them.
const sourceOf = (() => {
  const cache = new Map<string, string[]>();
  return (url: string, line: number): string => {
    if (!url.startsWith("file://" + outdir)) return url.replace(/^.*node_modules\//, "").replace(/^file:\/\//, "");
    let marks = cache.get(url);
    if (!marks) {
      const lines = readFileSync(fileURLToPath(url), "utf8").split("\n");
      let current = "bench";
      marks = lines.map((l) => {
        const m = /^\/\/ (\S+\.ts)$/.exec(l);
        if (m) current = m[1]!;
        return current;
      });
      cache.set(url, marks);
    }
    return marks[line] ?? "bench";
  };
})();

function fetchOnce(port: number, method: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path: "/", agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve((res.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ")));
    });
    req.on("error", reject);
    req.end();
  });
}


for (const server of servers) {
  const only = SERVERS.find((s) => s.name === server)?.only;
  for (const scenario of only ? [only] : scenarios) {
    const dir = `${outdir}/profiles/${server}-${scenario}`;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const { child, port } = await start(serverFile, { server, scenario }, [`--cpu-prof`, `--cpu-prof-dir=${dir}`]);
    const cookie = scenario === "S2" || scenario === "S3" ? await fetchOnce(port, "POST") : "";
    const wrk = pin(1, ["wrk", "-t1", "-c32", `-d${duration}s`, ...(cookie ? ["-H", `Cookie: ${cookie}`] : []), `http://127.0.0.1:${port}/`]);
    spawnSync(wrk[0]!, wrk.slice(1), { encoding: "utf8" });
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.send("exit");
    });
    const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error(`no profile in ${dir}`);
    const profile = JSON.parse(readFileSync(`${dir}/${file}`, "utf8")) as Profile;
    const time = new Map<number, number>();
    profile.samples.forEach((id, i) => time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
    const byFunction = new Map<string, number>();
    const byFile = new Map<string, number>();
    let busy = 0;
    for (const node of profile.nodes) {
      const t = time.get(node.id) ?? 0;
      const cf = node.callFrame;
      if (cf.functionName === "(idle)" || t === 0) continue;
      busy += t;
      const file = cf.url ? sourceOf(cf.url, cf.lineNumber) : cf.functionName;
      const name = `${cf.functionName || "(anonymous)"} — ${file}${cf.url ? `:${cf.lineNumber + 1}` : ""}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + t);
      const group = /^(src|adapters|bench)\//.test(file) ? file : file.startsWith("node:") ? "node internals" : file.split("/")[0] === "@hono" ? "@hono/" + file.split("/")[1] : file.split("/")[0]!;
      byFile.set(group, (byFile.get(group) ?? 0) + t);
    }
    const pct = (t: number) => `${((t / busy) * 100).toFixed(1)} %`;
    console.log(`\n### ${server} ${scenario} (busy ${(busy / 1000).toFixed(0)} ms; profile in ${dir.replace(here, "bench/")})\n`);
    console.log("| self time | by file / package |\n|---:|---|");
    for (const [k, t] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`| ${pct(t)} | ${k} |`);
    console.log("\n| self time | function — file:line of the bundle |\n|---:|---|");
    for (const [k, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| ${pct(t)} | ${k} |`);
  }
}
