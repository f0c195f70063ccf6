/**
 * `npm run bench:ab -- [ref] [server:scenario …]`: the working tree's src/ and adapters/ against a git ref's
 * (default HEAD), both under the working tree's bench servers, in process (bench/ab-cell.ts: both builds in one
 * process, alternating batches, medians). Made for machines whose speed
 * drifts between runs, where two separate runs cannot tell a 5 % change from noise. Defaults: the Hono + unsession
 * server on S1, S2 and S3. Environment: AB_BATCHES (default 40), AB_BATCH (requests per batch, default 2000).
 * @module
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildEntry, bundleApps } from "./build.ts";
import type { AbResult } from "./ab-cell.ts";
import { runCell } from "./lib.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const ref = args[0] && !args[0].includes(":") ? args.shift()! : "HEAD";
const cells = (args.length > 0 ? args : ["hono-unsession:S1", "hono-unsession:S2", "hono-unsession:S3"]).map((a) => a.split(":") as [string, string]);

const dir = mkdtempSync(join(tmpdir(), "unsession-ab-"));
const worktree = join(dir, "baseline");
execFileSync("git", ["-C", root, "worktree", "add", "--detach", "--quiet", worktree, ref]);
try {
  if (!existsSync(join(worktree, "node_modules"))) symlinkSync(join(root, "node_modules"), join(worktree, "node_modules"));
  // The same servers on both sides (the working tree's bench/), each over its own src/ and adapters/.
  cpSync(join(root, "bench"), join(worktree, "bench"), { recursive: true, filter: (path) => !path.includes(".build") });
  // Built inside each checkout's bench/ so that both resolve npm packages from the same node_modules.
  const baseline = await bundleApps(worktree, join(worktree, "bench/.build-ab"));
  const candidate = await bundleApps(root, join(root, "bench/.build/ab"));
  const cell = await buildEntry("bench/ab-cell.ts");
  const sha = execFileSync("git", ["-C", root, "rev-parse", "--short", ref], { encoding: "utf8" }).trim();
  console.log(`working tree vs ${ref} (${sha}) · Node ${process.version} · in process, alternating batches, medians\n`);
  console.log("| Server | Scenario | baseline µs/req | working tree µs/req | ratio (median of batch pairs) |");
  console.log("|---|---|---:|---:|---:|");
  for (const [server, scenario] of cells) {
    const r = runCell<AbResult>(`${server} ${scenario}`, cell, [baseline, candidate, `${server}:${scenario}`, process.env.AB_BATCHES ?? "40", process.env.AB_BATCH ?? "2000"]);
    console.log(`| ${server} | ${scenario} | ${r.baseline.toFixed(2)} | ${r.candidate.toFixed(2)} | ${r.ratio.toFixed(3)} |`);
  }
} finally {
  execFileSync("git", ["-C", root, "worktree", "remove", "--force", worktree]);
  rmSync(dir, { recursive: true, force: true });
}
