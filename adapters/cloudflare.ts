/**
 * Sessions for Cloudflare Workers: `withSession` wraps a module Worker's `fetch(request, env, ctx)`;
 * `kvStore` keeps records in a KV namespace (fast, eventually consistent), `durableObjectStore`
 * in Durable Objects (strongly consistent: a logout holds everywhere at once).
 *
 * ```ts
 * import { kvStore, withSession } from "unsession/cloudflare";
 *
 * export default {
 *   fetch: withSession<{ views?: number }, Env>(
 *     async (request, session) => {
 *       session.data.views = (session.data.views ?? 0) + 1;
 *       return new Response(`views: ${session.data.views}`);
 *     },
 *     (env) => ({ secret: env.SESSION_SECRET, store: kvStore(env.SESSIONS) }),
 *   ),
 * };
 * ```
 *
 * Nothing here needs the `nodejs_compat` flag.
 * @module
 */
import kvBindingDriver from "unstorage/drivers/cloudflare-kv-binding";
import { createSessions, mergeRecord, UnsessionError, type MergePatch, type Session, type SessionData, type SessionOptions, type Sessions, type SessionStore, type WrapOptions } from "../src/index.ts";

/** What `withSession` uses of the Workers `ExecutionContext`. */
export interface ExecutionContextLike {
  /** Keeps the Worker alive until the promise settles, after the response is sent. */
  waitUntil(promise: Promise<unknown>): void;
}

/** What `kvStore` uses of a KV namespace binding (`env.SESSIONS`). */
export interface KVNamespaceLike {
  /** The value as text, or `null`. */
  get(key: string): Promise<string | null>;
  /** Writes a value; `expirationTtl` in seconds (KV's minimum is 60). */
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  /** Removes a key. */
  delete(key: string): Promise<void>;
}

/** What `durableObjectStore` uses of a Durable Object namespace binding. */
export interface DurableObjectNamespaceLike {
  /** The ID of the object with this name. */
  idFromName(name: string): unknown;
  /** A stub of the object with this ID. */
  get(id: never): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

/** A Worker handler that receives the session: the core's handler shape, plus `env` and `ctx`. */
export type WorkerSessionHandler<D extends object, E> = (
  request: Request,
  session: Session<D>,
  env: E,
  ctx: ExecutionContextLike,
) => Response | Promise<Response>;

/** Options of `withSession`: the core's options (`onError` reports errors) plus the error response. */
export interface WorkerSessionOptions extends SessionOptions {
  /** The response for a session error (store down, broken record). Default: a plain 503/500 without details. */
  errorResponse?: WrapOptions<[unknown, ExecutionContextLike]>["onError"];
}

/** A module Worker's `fetch`. */
export type WorkerFetch<E> = (request: Request, env: E, ctx: ExecutionContextLike) => Promise<Response>;

/** The `fetch` made by `withSession`, with access to its session manager (e.g. `revokeUser`). */
export interface WorkerSessionFetch<D extends object, E> extends WorkerFetch<E> {
  /** The session manager used for `env`: `listUserSessions`, `revokeUser`, `load`/`commit` outside `fetch`. */
  sessions(env: E): Sessions<D>;
}

/** KV refuses an `expirationTtl` below 60 seconds. */
export const KV_MIN_TTL = 60;

/**
 * Wraps a module Worker's `fetch` so that the handler receives the session; the cookie is set on the way out.
 * `options` may be a function of `env` (secrets and bindings live there): it is called once per `env` object
 * and the manager is cached. A throttled touch and the removal of an old record after `regenerate` go to
 * `ctx.waitUntil`, so they never delay the response. Caching headers are the core's: `Vary: Cookie` when the
 * handler read the session, `no-store` with a cookie, `private, no-store` after `session.noStore()` or with `privateWhenSignedIn`.
 */
export function withSession<D extends object = SessionData, E = unknown>(
  handler: WorkerSessionHandler<D, E>,
  options: WorkerSessionOptions | ((env: E) => WorkerSessionOptions),
): WorkerSessionFetch<D, E> {
  type Entry = { sessions: Sessions<D>; fetch: WorkerFetch<E> };
  const byEnv = new WeakMap<object, Entry>();
  let shared: Entry | undefined;
  const make = (env: E): Entry => {
    const o = typeof options === "function" ? options(env) : options;
    const sessions = createSessions<D>(o);
    const fetch = sessions.wrap<[E, ExecutionContextLike]>(handler, {
      waitUntil: (_env, ctx) => (ctx && typeof ctx.waitUntil === "function" ? (p) => ctx.waitUntil(p) : undefined),
      onError: o.errorResponse,
    });
    return { sessions, fetch };
  };
  const entryOf = (env: E): Entry => {
    if (typeof options !== "function" || env === null || typeof env !== "object") return (shared ??= make(env));
    let entry = byEnv.get(env);
    if (!entry) byEnv.set(env, (entry = make(env)));
    return entry;
  };
  const sessionFetch: WorkerSessionFetch<D, E> = Object.assign(
    (request: Request, env: E, ctx: ExecutionContextLike) => entryOf(env).fetch(request, env, ctx),
    { sessions: (env: E) => entryOf(env).sessions },
  );
  return sessionFetch;
}

/**
 * A session store on a KV namespace binding, through unstorage's `cloudflare-kv-binding` driver.
 * TTLs below KV's floor of 60 s are raised to it; the core still enforces the real deadline on every load.
 *
 * KV is eventually consistent: a write or delete can take up to a minute to be seen in other locations.
 * A logged-out or regenerated-away session may stay readable there for that long. When a logout must
 * hold everywhere at once, use `durableObjectStore`.
 */
export function kvStore(namespace: KVNamespaceLike): SessionStore {
  // One store per binding, so that options built per request (`(env) => ({ store: kvStore(env.KV) })`) reuse one manager.
  let store = kvStores.get(namespace);
  if (store) return store;
  const driver = kvBindingDriver({ binding: namespace as never, minTTL: KV_MIN_TTL });
  store = {
    get: (key) => driver.getItem!(key, {}) as Promise<string | null>,
    set: (key, record, ttl) => driver.setItem!(key, record, { ttl: Math.max(KV_MIN_TTL, Math.ceil(ttl)) }) as Promise<void>,
    delete: (key) => driver.removeItem!(key, {}) as Promise<void>,
  };
  kvStores.set(namespace, store);
  return store;
}
const kvStores = new WeakMap<object, SessionStore>();

/** Options of `durableObjectStore`. */
export interface DurableObjectStoreOptions {
  /**
   * Spread records over this many objects instead of one object per session.
   * Fewer, busier objects; each one serialises its requests. @default undefined (one object per session)
   */
  shards?: number;
}

const DO_ORIGIN = "https://unsession.store/";

/** FNV-1a, for a stable shard of a key. */
const shardOf = (key: string, shards: number): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shards;
};

/**
 * A strongly consistent session store on Durable Objects: every read and write of a session goes to one
 * object, so a logout or regenerate is seen by the very next request, wherever it runs.
 * Bind `SessionStoreDO` in `wrangler.toml` and pass the binding.
 */
export function durableObjectStore(namespace: DurableObjectNamespaceLike, options: DurableObjectStoreOptions = {}): SessionStore {
  const shards = options.shards;
  if (shards !== undefined && !(Number.isInteger(shards) && shards > 0)) {
    throw new UnsessionError("ERR_OPTIONS", `durableObjectStore: shards must be a positive integer (got ${String(shards)})`);
  }
  let cached = doStores.get(namespace);
  if (!cached) doStores.set(namespace, (cached = new Map()));
  const hit = cached.get(shards ?? 0);
  if (hit) return hit;
  const call = async (method: string, key: string, body?: string, ttl?: number): Promise<Response> => {
    const name = shards ? `shard:${shardOf(key, shards)}` : key;
    const stub = namespace.get(namespace.idFromName(name) as never);
    const url = `${DO_ORIGIN}?key=${encodeURIComponent(key)}${ttl === undefined ? "" : `&ttl=${ttl}`}`;
    const response = await stub.fetch(url, { method, body });
    if (!response.ok && !((method === "GET" || method === "PATCH") && response.status === 404)) {
      await response.body?.cancel();
      throw new Error(`session Durable Object answered ${response.status} to ${method}`);
    }
    return response;
  };
  const store: SessionStore = {
    async get(key) {
      const response = await call("GET", key);
      return response.status === 404 ? null : response.text();
    },
    async set(key, record, ttl) {
      await (await call("PUT", key, record, ttl)).body?.cancel();
    },
    async delete(key) {
      await (await call("DELETE", key)).body?.cancel();
    },
    // Atomic merge: the object applies the patch itself, between no other request of that object.
    async merge(key, patch, ttl) {
      const response = await call("PATCH", key, JSON.stringify(patch), ttl);
      return response.status === 404 ? null : response.text();
    },
  };
  cached.set(shards ?? 0, store);
  return store;
}
const doStores = new WeakMap<object, Map<number, SessionStore>>();

/** What `SessionStoreDO` uses of `DurableObjectState`. */
export interface DurableObjectStateLike {
  /** The object's transactional storage. */
  storage: {
    get<T>(key: string): Promise<T | undefined>;
    put<T>(key: string, value: T): Promise<void>;
    delete(key: string | string[]): Promise<boolean | number>;
    list<T>(options?: { startAfter?: string; limit?: number }): Promise<Map<string, T>>;
    getAlarm(): Promise<number | null>;
    setAlarm(time: number): Promise<void>;
  };
}

interface Entry {
  /** The record. */
  v: string;
  /** Expiry, ms since the epoch. */
  e: number;
}

/**
 * The Durable Object class behind `durableObjectStore`. Export it from your Worker and bind it:
 *
 * ```toml
 * [[durable_objects.bindings]]
 * name = "SESSION_DO"
 * class_name = "SessionStoreDO"
 *
 * [[migrations]]
 * tag = "v1"
 * new_sqlite_classes = ["SessionStoreDO"]
 * ```
 * Expired records are never returned, and an alarm removes them.
 */
export class SessionStoreDO {
  readonly #storage: DurableObjectStateLike["storage"];

  /** Called by the Workers runtime. */
  constructor(state: DurableObjectStateLike, _env?: unknown) {
    this.#storage = state.storage;
  }

  /**
   * The store's protocol: `GET|PUT|DELETE /?key=<key>`, `PUT` with `&ttl=<seconds>` and the record as body;
   * `PATCH` with `&ttl=<seconds>` and a `MergePatch` as JSON body merges atomically (404: missing, nothing written).
   */
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const key = url.searchParams.get("key");
    if (!key) return new Response("key is required", { status: 400 });
    const storage = this.#storage;
    if (request.method === "GET") {
      const entry = await storage.get<Entry>(key);
      if (!entry) return new Response(null, { status: 404 });
      if (entry.e <= Date.now()) {
        await storage.delete(key);
        return new Response(null, { status: 404 });
      }
      return new Response(entry.v);
    }
    if (request.method === "PUT") {
      const ttl = Number(url.searchParams.get("ttl"));
      if (!(ttl > 0)) return new Response("ttl must be a positive number of seconds", { status: 400 });
      const e = Date.now() + ttl * 1000;
      await storage.put<Entry>(key, { v: await request.text(), e });
      const alarm = await storage.getAlarm();
      if (alarm === null || alarm > e) await storage.setAlarm(e);
      return new Response(null, { status: 204 });
    }
    if (request.method === "PATCH") {
      const ttl = Number(url.searchParams.get("ttl"));
      if (!(ttl > 0)) return new Response("ttl must be a positive number of seconds", { status: 400 });
      let patch: MergePatch;
      try {
        patch = JSON.parse(await request.text()) as MergePatch;
        if (!patch || typeof patch.set !== "object" || !Array.isArray(patch.unset)) throw new TypeError("not a patch");
      } catch {
        return new Response("the body must be a merge patch", { status: 400 });
      }
      // Only storage calls from here to the put: the object's input gate lets no other request in between.
      const entry = await storage.get<Entry>(key);
      const merged = mergeRecord(entry && entry.e > Date.now() ? entry.v : null, patch);
      if (merged === null) return new Response(null, { status: 404 });
      const e = Date.now() + ttl * 1000;
      await storage.put<Entry>(key, { v: merged, e });
      const alarm = await storage.getAlarm();
      if (alarm === null || alarm > e) await storage.setAlarm(e);
      return new Response(merged);
    }
    if (request.method === "DELETE") {
      await storage.delete(key);
      return new Response(null, { status: 204 });
    }
    return new Response(null, { status: 405 });
  }

  /** Removes expired records and schedules itself for the next expiry. */
  async alarm(): Promise<void> {
    const storage = this.#storage;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    let startAfter: string | undefined;
    for (;;) {
      // 128: the most keys one storage.delete() accepts.
      const page = await storage.list<Entry>({ limit: 128, ...(startAfter === undefined ? {} : { startAfter }) });
      const expired: string[] = [];
      for (const [key, entry] of page) {
        if (entry.e <= now) expired.push(key);
        else next = Math.min(next, entry.e);
        startAfter = key;
      }
      if (expired.length > 0) await storage.delete(expired);
      if (page.size < 128) break;
    }
    if (Number.isFinite(next)) await storage.setAlarm(next);
  }
}
