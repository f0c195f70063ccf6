/**
 * express-session's stores (connect-redis, connect-pg-simple, connect-mongo, session-file-store, …) as a core
 * `SessionStore`: the callback API bridged to promises, for the Express adapter and for Hono, Workers, Deno and Bun
 * apps alike. Runtime-neutral: no `node:` import.
 * @module
 */
import type { SessionStore, StoredCookie } from "../types.ts";

/** A Node-style callback. */
type Done<T> = (err?: unknown, value?: T) => void;

/** The callback API of an express-session store: `get`, `set`, `destroy`, and optionally `touch`. */
export interface ExpressStoreLike {
  /** Reads a session; calls back with `undefined`/`null` when there is none. */
  get(sid: string, callback: Done<any>): unknown;
  /** Creates or overwrites a session. */
  set(sid: string, session: any, callback?: Done<void>): unknown;
  /** Removes a session. */
  destroy(sid: string, callback?: Done<void>): unknown;
  /** Extends a session's expiry without rewriting its data. */
  touch?(sid: string, session: any, callback?: Done<void>): unknown;
}

/** Options of `expressStore`. */
export interface ExpressStoreOptions {
  /**
   * Turns a record's stored `cookie` into what the store receives as `session.cookie`. Default: the stored fields
   * with `expires` as a `Date` and a non-enumerable `maxAge` (ms left), which is what stores read for their TTL.
   */
  cookie?: (stored: StoredCookie) => object;
}

/** True for an express-session store (callback API): `get(sid, callback)`, `set`, `destroy`. */
export function isExpressStore(value: unknown): value is ExpressStoreLike {
  if (value === null || typeof value !== "object") return false;
  const store = value as Record<string, unknown> & { get?: (...args: unknown[]) => unknown };
  if (typeof store.get !== "function" || typeof store.set !== "function" || BRIDGED.has(value as SessionStore)) return false;
  // An unstorage Storage has get/set aliases (getItem(key, opts)): it is not an express-session store.
  if (typeof store.getItemRaw === "function") return false;
  // get(sid, callback), or a destroy() where a core store has delete().
  return store.get.length >= 2 || (typeof store.destroy === "function" && typeof store.delete !== "function");
}

const BRIDGED = new WeakSet<SessionStore>();
/** True for a store made by `expressStore()`: its keys carry no prefix of ours (the store adds its own). */
export const isBridged = (store: unknown): boolean => typeof store === "object" && store !== null && BRIDGED.has(store as SessionStore);

/** The stored cookie as express-session hands it to stores: `expires` a `Date`, `maxAge` the milliseconds left. */
const defaultCookie = (stored: StoredCookie): object => {
  const expires = typeof stored.expires === "string" ? new Date(stored.expires) : null;
  const cookie = { ...stored, expires };
  Object.defineProperty(cookie, "maxAge", { get: () => (expires ? expires.getTime() - Date.now() : null) });
  return cookie;
};

/** Calls a callback-API method; also accepts stores that return a promise (connect-redis does both). */
const call = <T>(fn: (callback: Done<T>) => unknown): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const done: Done<T> = (err, value) => (err ? reject(err) : resolve(value as T));
    try {
      const result = fn(done) as Promise<unknown> | undefined;
      // A store that rejects without calling back must not wait for the core's timeout.
      if (result && typeof result.then === "function") result.then(undefined, reject);
    } catch (error) {
      reject(error);
    }
  });

/**
 * An express-session store as a `SessionStore`. Keys are the session IDs themselves: `createSessions` uses no
 * prefix of its own with such a store (the store adds its own, `sess:` for connect-redis, as under express-session). Each method is looked up on the store when
 * it is called, so a method replaced later is the one used. The store derives its TTL from `session.cookie`, as
 * under express-session; its `touch`, when it has one, is offered to the core (called on unchanged requests).
 *
 * ```ts
 * import { RedisStore } from "connect-redis";
 * const sessions = createSessions({ secret, store: expressStore(new RedisStore({ client })) });
 * ```
 */
export function expressStore(store: ExpressStoreLike, options: ExpressStoreOptions = {}): SessionStore {
  const toCookie = options.cookie ?? defaultCookie;
  const inflate = (record: string): Record<string, unknown> => {
    const sess = JSON.parse(record) as Record<string, unknown>;
    if (sess.cookie) sess.cookie = toCookie(sess.cookie as StoredCookie);
    return sess;
  };
  const touch = (sid: string, record: string): Promise<void> => call<void>((cb) => store.touch!(sid, inflate(record), cb));
  const bridged: SessionStore = {
    get: (sid) =>
      call<any>((cb) => store.get(sid, cb)).then(
        (sess) => sess ?? null,
        (error: { code?: string }) => {
          // express-session treats ENOENT (session-file-store's "no such file") as "no session".
          if (error?.code === "ENOENT") return null;
          throw error;
        },
      ),
    set: (sid, record) => call<void>((cb) => store.set(sid, inflate(record), cb)),
    delete: (sid) => call<void>((cb) => store.destroy(sid, cb)),
    get touch() {
      return typeof store.touch === "function" ? touch : undefined;
    },
    // express-session leaves expiry to its stores: what one returns is alive.
    expiresItself: true,
  };
  BRIDGED.add(bridged);
  return bridged;
}
