/**
 * The stores bench/lost-updates.ts measures, each opened from the service URLs in the environment
 * (REDIS_URL, DATABASE_URL, MYSQL_URL; SQLite in a temp file; Durable Objects in workerd through Miniflare).
 * @module
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase } from "db0";
import sqliteConnector from "db0/connectors/better-sqlite3";
import mysqlConnector from "db0/connectors/mysql2";
import postgresqlConnector from "db0/connectors/postgresql";
import { Redis } from "ioredis";
import { createStorage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";
import { memoryStore, redisStore, sqlStore, storageStore, type SessionStore } from "../src/index.ts";
import type { RemoteHalf } from "./lost-updates.ts";

/** One store to measure. */
export interface BenchStore {
  name: string;
  store: SessionStore;
  /** More handles on the same data: more app instances in this process. */
  others?: SessionStore[];
  /** The other half of the requests in another process. */
  remote?: RemoteHalf;
  close(): Promise<void>;
}

/** Starts bench/lost-updates-child.ts: the second process of a two-process measurement on Redis. */
function forkRedisChild(redisUrl: string): RemoteHalf & { close(): void } {
  const child = fork(new URL("./lost-updates-child.ts", import.meta.url), [], { execArgv: ["--import", "tsx"], env: { ...process.env, REDIS_URL: redisUrl } });
  const next = (type: string) =>
    new Promise<{ type: string; statuses?: number[]; error?: string }>((resolve, reject) => {
      const onMessage = (message: { type: string; error?: string }) => {
        child.off("message", onMessage);
        if (message.type === "error") reject(new Error(message.error));
        else if (message.type !== type) reject(new Error(`child answered ${message.type}, expected ${type}`));
        else resolve(message as never);
      };
      child.on("message", onMessage);
    });
  return {
    async load(job) {
      const answer = next("loaded");
      child.send({ type: "load", ...job });
      await answer;
    },
    async go() {
      const answer = next("done");
      child.send({ type: "go" });
      return (await answer).statuses!;
    },
    close: () => void child.kill(),
  };
}

/** Opens one store to measure. */
export type Opener = () => Promise<BenchStore | undefined>;
const table = `unsession_bench_${process.pid}`;

const sql = (name: string, url: string | undefined, connect: (url: string) => ReturnType<typeof createDatabase>): Opener => async () => {
  if (!url) return undefined;
  const db = connect(url);
  return {
    name,
    store: sqlStore(db, { table }),
    async close() {
      await db.exec(`DROP TABLE IF EXISTS ${table}`);
      await (db as unknown as { dispose?: () => Promise<void> }).dispose?.();
    },
  };
};

const OPENERS: Record<string, Opener> = {
  memory: async () => ({ name: "memory", store: memoryStore(), close: async () => {} }),
  "redis-unstorage": async () => {
    if (!process.env.REDIS_URL) return undefined;
    const storage = createStorage({ driver: redisDriver({ url: process.env.REDIS_URL, base: "unsession-bench" }) });
    return { name: "Redis, unstorage driver (no atomic merge)", store: storageStore(storage), close: () => storage.dispose() };
  },
  "redis-atomic": async () => {
    if (!process.env.REDIS_URL) return undefined;
    const client = new Redis(process.env.REDIS_URL);
    return { name: "Redis, redisStore, one process", store: redisStore({ client }), close: async () => void client.disconnect() };
  },
  "redis-two-processes": async () => {
    if (!process.env.REDIS_URL) return undefined;
    const client = new Redis(process.env.REDIS_URL);
    const child = forkRedisChild(process.env.REDIS_URL);
    return {
      name: "Redis, redisStore, two processes",
      store: redisStore({ client }),
      remote: child,
      close: async () => (child.close(), client.disconnect()),
    };
  },
  postgresql: sql("PostgreSQL (sqlStore)", process.env.DATABASE_URL, (url) => createDatabase(postgresqlConnector({ url }))),
  mariadb: sql("MariaDB (sqlStore)", process.env.MYSQL_URL, (uri) => createDatabase(mysqlConnector({ uri }))),
  sqlite: async () => {
    const dir = mkdtempSync(join(tmpdir(), "unsession-bench-sqlite-"));
    const db = createDatabase(sqliteConnector({ path: join(dir, "s.sqlite3") }));
    return { name: "SQLite (sqlStore)", store: sqlStore(db), close: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  "durable-object": async () => {
    const { bundleWorker, removeBundle, startWorkers } = await import("../test/workers/build.ts");
    const { durableObjectStore } = await import("../adapters/cloudflare.ts");
    const bundle = await bundleWorker("test/workers/fixtures/do-worker.ts");
    const mf = await startWorkers([
      { name: "bench", bundle, durableObjects: { SESSION_DO: "SessionStoreDO" }, bindings: { SESSION_SECRET: "bench-durable-object-secret-0123456789" } },
    ]);
    const ns = await mf.getDurableObjectNamespace("SESSION_DO");
    return {
      name: "Durable Object (workerd)",
      store: durableObjectStore(ns as never),
      close: async () => (await mf.dispose(), await removeBundle(bundle)),
    };
  },
};

/** Openers of the stores named in `wanted` (default: all); an opener answers undefined when its URL is unset. */
export function benchStores(wanted?: string[]): Opener[] {
  return Object.entries(OPENERS)
    .filter(([key]) => !wanted || wanted.includes(key))
    .map(([key, open]) => async () => {
      const store = await open();
      if (!store) console.error(`${key}: its URL is not set, left out`);
      return store;
    });
}
