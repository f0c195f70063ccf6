/**
 * A real local Redis Cluster for the tests: six `redis-server` processes on 127.0.0.1 (three masters, three
 * replicas) in a temp dir, made into a cluster by `redis-cli --cluster create`, stopped by PID.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Ports of the test cluster: reserved for this suite. */
export const CLUSTER_PORTS: number[] = [30001, 30002, 30003, 30004, 30005, 30006];

/** A running cluster. */
export interface LocalCluster {
  /** Seed nodes, for ioredis `Cluster` and unstorage's redis driver. */
  nodes: { host: string; port: number }[];
  /** `redis-cli -p port …`, its output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** Ports of the current masters. */
  masters(): Promise<number[]>;
  /** The replica port of a master. */
  replicaOf(master: number): Promise<number>;
  /** Kills one node by PID (SIGKILL: no shutdown, no save). */
  kill(port: number): void;
  /** Waits until every slot is served and `port` is a master. */
  waitForMaster(port: number, timeoutMs?: number): Promise<void>;
  /** Waits until each master's replicas have acknowledged everything it was sent (replication offsets equal). */
  waitForReplication(timeoutMs?: number): Promise<void>;
  /** Stops every node by PID and removes the temp dir. */
  stop(): Promise<void>;
}

/** True when `redis-server` and `redis-cli` can be run. */
export async function hasRedisServer(): Promise<boolean> {
  try {
    await run("redis-server", ["--version"]);
    await run("redis-cli", ["--version"]);
    return true;
  } catch {
    return false;
  }
}

const portInUse = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

/** Starts the six nodes and creates the cluster (about 3–5 s). */
export async function startCluster(ports: number[] = CLUSTER_PORTS): Promise<LocalCluster> {
  for (const port of ports) if (await portInUse(port)) throw new Error(`port ${port} is in use: the cluster test needs ports ${ports.join(", ")}`);
  const dir = mkdtempSync(join(tmpdir(), "unsession-cluster-"));
  const processes = new Map<number, ChildProcess>();
  const cli = async (port: number, ...args: string[]): Promise<string> => (await run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args])).stdout;
  const stop = async (): Promise<void> => {
    for (const child of processes.values()) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
      }
    }
    processes.clear();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const child = spawn(
        "redis-server",
        [
          "--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no",
          "--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`,
          // A master unreachable for 1 s is failed over; a replica may always take over (no data-age limit).
          "--cluster-node-timeout", "1000", "--cluster-replica-validity-factor", "0",
          "--logfile", join(dir, `${port}.log`),
        ],
        { stdio: "ignore" },
      );
      processes.set(port, child);
    }
    for (const port of ports) {
      for (let i = 0; ; i++) {
        if ((await cli(port, "ping").catch(() => "")).trim() === "PONG") break;
        // Up to ~30 s: under a full parallel test run, spawning redis-cli itself is slow.
        if (i > 600) throw new Error(`redis-server on ${port} did not start`);
        await sleep(50);
      }
    }
    await run("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "1", "--cluster-yes"]);
  } catch (error) {
    await stop();
    throw error;
  }

  const nodeLines = async (): Promise<string[][]> => {
    for (const port of ports) {
      if (processes.get(port)?.exitCode !== null || processes.get(port)?.signalCode !== null) continue;
      const out = await cli(port, "cluster", "nodes").catch(() => "");
      if (out) return out.trim().split("\n").map((line) => line.split(" "));
    }
    return [];
  };
  const portOf = (address: string): number => Number(address.split("@")[0]!.split(":")[1]);
  const masters = async (): Promise<number[]> =>
    (await nodeLines()).filter((f) => f[2]!.includes("master") && !f[2]!.includes("fail")).map((f) => portOf(f[1]!)).sort();
  const replicaOf = async (master: number): Promise<number> => {
    const lines = await nodeLines();
    const id = lines.find((f) => portOf(f[1]!) === master)![0];
    return portOf(lines.find((f) => f[3] === id)![1]!);
  };
  const waitForMaster = async (port: number, timeoutMs = 20_000): Promise<void> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const info = await cli(port, "cluster", "info").catch(() => "");
      const role = await cli(port, "role").catch(() => "");
      if (info.includes("cluster_state:ok") && role.startsWith("master")) return;
      if (Date.now() > until) throw new Error(`node ${port} did not become a master of a healthy cluster in ${timeoutMs} ms`);
      await sleep(100);
    }
  };
  const waitForReplication = async (timeoutMs = 10_000): Promise<void> => {
    const until = Date.now() + timeoutMs;
    for (const master of await masters()) {
      for (;;) {
        const info = await cli(master, "info", "replication");
        const offset = Number(/master_repl_offset:(\d+)/.exec(info)?.[1]);
        const replicas = [...info.matchAll(/slave\d+:.*offset=(\d+)/g)].map((m) => Number(m[1]));
        if (replicas.length > 0 && replicas.every((o) => o >= offset)) break;
        if (Date.now() > until) throw new Error(`replicas of ${master} did not catch up in ${timeoutMs} ms`);
        await sleep(50);
      }
    }
  };
  // Every node must see all slots served, and every replica must be attached, before tests start.
  for (const port of ports) {
    const until = Date.now() + 30_000;
    while (!(await cli(port, "cluster", "info").catch(() => "")).includes("cluster_state:ok")) {
      if (Date.now() > until) throw new Error(`node ${port} did not see a healthy cluster in 30 s`);
      await sleep(100);
    }
  }
  await waitForReplication(30_000);

  return {
    nodes: ports.map((port) => ({ host: "127.0.0.1", port })),
    cli,
    masters,
    replicaOf,
    kill(port) {
      processes.get(port)?.kill("SIGKILL");
    },
    waitForMaster,
    waitForReplication,
    stop,
  };
}
