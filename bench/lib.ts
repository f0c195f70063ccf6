/**
 * Process plumbing shared by bench/run.ts and bench/profile.ts.
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import type { Scenario } from "./apps.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const has = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
/** Servers go to core 0 and load generators to core 1 when taskset and two cores exist. */
export const pinning: boolean = has("taskset") && cpus().length >= 2;
export const hasWrk: boolean = has("wrk");
export const pin = (core: number, argv: string[]): string[] => (pinning ? ["taskset", "-c", String(core), ...argv] : argv);

/**
 * Runs a built in-process cell (`node <file> …args`) pinned to core 0 with NODE_ENV=production and returns the
 * JSON of the last line it printed; throws with its output, named by `label`, when it failed.
 */
export function runCell<T>(label: string, file: string, args: string[]): T {
  const argv = pin(0, [process.execPath, file, ...args]);
  const out = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", env: { ...process.env, NODE_ENV: "production" } });
  const line = out.stdout.trim().split("\n").pop() ?? "";
  if (out.status !== 0 || !line.startsWith("{")) throw new Error(`${label}: ${out.stderr || out.stdout}`);
  return JSON.parse(line) as T;
}

/** One benchmark cell: a server and a scenario. */
export interface Cell {
  server: string;
  scenario: Scenario;
}

export function send(child: ChildProcess, message: string, type: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} answer`)), 10_000);
    const onMessage = (m: { type?: string }) => {
      if (m?.type !== type) return;
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve(m as Record<string, number>);
    };
    child.on("message", onMessage);
    child.send(message);
  });
}

/** Starts one built server process for a cell, pinned to core 0; resolves with its port. */
export function start(serverFile: string, cell: Cell, extraNodeArgs: string[] = []): Promise<{ child: ChildProcess; port: number }> {
  const argv = pin(0, [process.execPath, ...extraNodeArgs, serverFile]);
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: root,
    env: { ...process.env, BENCH_SERVER: cell.server, BENCH_SCENARIO: cell.scenario, NODE_ENV: "production" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${cell.server} did not start`));
    }, 30_000);
    child.once("exit", (code) => reject(new Error(`${cell.server} exited with ${code}`)));
    child.on("message", (m: { type?: string; port?: number }) => {
      if (m?.type === "ready") {
        clearTimeout(timer);
        resolve({ child, port: m.port! });
      }
    });
  });
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.removeAllListeners("exit");
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    child.send("exit");
  } catch {
    child.kill();
  }
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** One plain HTTP request from the runner (seed and probe): status, Set-Cookie values and body. */
export function fetchOnce(port: number, method: string, cookie?: string): Promise<{ status: number; setCookie: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path: "/", headers: cookie ? { cookie } : {}, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, setCookie: res.headers["set-cookie"] ?? [], body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The Cookie header a browser sends after these Set-Cookie lines. */
export const cookieHeader = (setCookie: string[]): string => {
  // A browser keeps the last Set-Cookie of each name (hono-sessions' CookieStore sends two `session=` per response).
  const byName = new Map<string, string>();
  for (const line of setCookie) {
    const pair = line.split(";")[0]!;
    byName.set(pair.slice(0, pair.indexOf("=")), pair);
  }
  return [...byName.values()].join("; ");
};

