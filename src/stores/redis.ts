/**
 * A session store on Redis (and Valkey, managed Redis, Redis Cluster) that takes your own client, ioredis or
 * node-redis, and merges atomically: `merge` runs as one Lua script on the server.
 *
 * ```ts
 * import Redis from "ioredis";            // or: import { createClient } from "redis"
 * const store = redisStore({ client: new Redis(process.env.REDIS_URL) });
 * const sessions = createSessions({ secret, store, commitMode: "merge" });
 * ```
 * @module
 */
import { subtle } from "uncrypto";
import { UnsessionError } from "../errors.ts";
import type { MergePatch, SessionStore } from "../types.ts";
import { MERGE_SCRIPT } from "./redis-script.ts";

/** The ioredis commands used (`Redis` and `Cluster` both fit). */
export interface IoRedisLike {
  /** GET. */
  get(key: string): Promise<unknown>;
  /** SET key value EX seconds. */
  set(key: string, value: string, mode: "EX", seconds: number): Promise<unknown>;
  /** DEL. */
  del(key: string): Promise<unknown>;
  /** EVAL script numkeys key… arg…. */
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  /** EVALSHA sha numkeys key… arg…. */
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** The node-redis commands used (v4 to v6, `createClient` and `createCluster` both fit). */
export interface NodeRedisLike {
  /** GET. */
  get(key: string): Promise<unknown>;
  /** SET with `{ EX }`. */
  set(key: string, value: string, options: { EX: number }): Promise<unknown>;
  /** DEL. */
  del(key: string): Promise<unknown>;
  /** EVAL. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** EVALSHA. */
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Options of `redisStore`. */
export interface RedisStoreOptions {
  /** A connected ioredis `Redis` or `Cluster`, or a node-redis client or cluster (connected: `await client.connect()`). */
  client: IoRedisLike | NodeRedisLike;
}

/** A `SessionStore` on Redis with atomic merge. */
export interface RedisStore extends SessionStore {
  /** The record, or `null` when missing (Redis drops it at its TTL). */
  get(id: string): Promise<string | null>;
  /** `SET … EX ttl`. */
  set(id: string, record: string, ttl: number): Promise<void>;
  /** `DEL`. */
  delete(id: string): Promise<void>;
  /** One `EVALSHA` of the merge script (`EVAL` when the server does not know it yet); `null` for a missing record. */
  merge(id: string, patch: MergePatch, ttl: number): Promise<string | null>;
}

const text = (value: unknown): string | null => {
  if (value === null || value === undefined) return null;
  return value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value);
};
const seconds = (ttl: number): number => Math.max(1, Math.ceil(ttl));

/**
 * Creates a session store on your Redis client. Every operation touches one key, so it works on Redis Cluster
 * without hash tags: a session and the per-user index may live in different slots.
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const client = options?.client as Partial<IoRedisLike & NodeRedisLike> | undefined;
  const nodeRedis = typeof client?.evalSha === "function";
  if (!client || (!nodeRedis && typeof client.evalsha !== "function") || typeof client.get !== "function") {
    throw new UnsessionError("ERR_OPTIONS", "redisStore: pass { client } with an ioredis or node-redis client");
  }
  let sha: Promise<string> | undefined;
  const shaOf = (): Promise<string> =>
    (sha ??= subtle.digest("SHA-1", new TextEncoder().encode(MERGE_SCRIPT)).then((digest) =>
      Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join(""),
    ));

  const run = async (key: string, args: string[]): Promise<unknown> => {
    const hash = await shaOf();
    try {
      return nodeRedis ? await client.evalSha!(hash, { keys: [key], arguments: args }) : await client.evalsha!(hash, 1, key, ...args);
    } catch (error) {
      // A server that has not seen the script yet (a restart, a promoted replica): send it once in full.
      if (!String((error as Error)?.message).includes("NOSCRIPT")) throw error;
      return nodeRedis ? client.eval!(MERGE_SCRIPT, { keys: [key], arguments: args }) : client.eval!(MERGE_SCRIPT, 1, key, ...args);
    }
  };

  return {
    get: async (key) => text(await client.get!(key)),
    async set(key, record, ttl) {
      if (nodeRedis) await (client as NodeRedisLike).set(key, record, { EX: seconds(ttl) });
      else await (client as IoRedisLike).set(key, record, "EX", seconds(ttl));
    },
    async delete(key) {
      await client.del!(key);
    },
    async merge(key, patch, ttl) {
      const keys = Object.keys(patch.set);
      const args = [String(seconds(ttl)), patch.create ? "1" : "0", String(keys.length)];
      for (const name of keys) args.push(JSON.stringify(name), patch.set[name]!);
      for (const name of patch.unset) args.push(JSON.stringify(name));
      return text(await run(key, args));
    },
  };
}
