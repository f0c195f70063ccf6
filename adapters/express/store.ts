/**
 * express-session's store side: `Store` (callable with `Store.call(this)` for `util.inherits` subclasses), the
 * bounded `MemoryStore`, and `StorageStore` (an unstorage `Storage` with the callback API, for `req.sessionStore`).
 * The bridge the other way (a callback store as the core's `SessionStore`) is the core's `expressStore()`.
 * @module
 */
import { EventEmitter } from "node:events";
import { expressStore, storageStore, type SessionStore, type StorageLike } from "../../src/index.ts";
import { restoreCookie } from "./cookie.ts";
import { movedCookieText } from "./record-text.ts";

/** What this adapter uses of an unstorage `Storage` (declared structurally: see `StorageLike` in the core). */
export interface Storage extends StorageLike {
  /** Keys under a base (for `store.length`). */
  getKeys(base?: string): Promise<string[]>;
  /** Removes keys under a base (for `store.clear`). */
  clear(base?: string): Promise<void>;
}

/** A callback in Node style. */
export type Callback<T = any> = (err?: any, value?: T) => void;

/** The callback API of an express-session store (connect-redis, connect-pg-simple, session-file-store, …). */
export interface ExpressStore extends EventEmitter {
  /** Reads a session; the callback gets `undefined` (or `null`) when there is none. */
  get(sid: string, callback: Callback<any>): unknown;
  /** Creates or overwrites a session. */
  set(sid: string, session: any, callback?: Callback): unknown;
  /** Removes a session. */
  destroy(sid: string, callback?: Callback): unknown;
  /** Extends a session's expiry without rewriting its data. */
  touch?(sid: string, session: any, callback?: Callback): unknown;
  /** All sessions, keyed by ID. */
  all?(callback: Callback<any>): unknown;
  /** How many sessions there are. */
  length?(callback: Callback<number>): unknown;
  /** Removes every session. */
  clear?(callback?: Callback): unknown;
  /** Turns stored data into `req.session` (express-session's `Store#createSession`). */
  createSession?(req: any, session: any): any;
  /** Store-specific members. */
  [key: string]: any;
}

/** The `Store` constructor: usable with `new`, `class extends Store` and `util.inherits(MyStore, Store)` + `Store.call(this)`. */
export interface StoreConstructor {
  /** `new Store()` or `class extends Store`. */
  new (): ExpressStore;
  /** `Store.call(this)` from a `util.inherits` subclass. */
  (this: any): void;
  /** Shared by every store. */
  prototype: ExpressStore;
}

/** Base class of express-session stores: an `EventEmitter` with `load` and `createSession`. */
export const Store: StoreConstructor = function Store(this: any): void {
  EventEmitter.call(this);
} as unknown as StoreConstructor;
Object.setPrototypeOf(Store.prototype, EventEmitter.prototype);
Object.setPrototypeOf(Store, EventEmitter);
Object.assign(Store.prototype, {
  /** express-session's `store.regenerate(req, fn)`: on a request handled by the adapter, the same as `req.session.regenerate(fn)`. */
  regenerate(this: ExpressStore, req: any, fn: Callback): void {
    if (storeHooks.isBound(req.session)) {
      req.session.regenerate(fn);
      return;
    }
    this.destroy(req.sessionID, (err) => {
      if (typeof this.generate === "function") this.generate(req);
      fn(err);
    });
  },
  /** Reads a session and hands it back as a session object (`req.session`-like, not attached to a request). */
  load(this: ExpressStore, sid: string, fn: Callback<any>): void {
    this.get(sid, (err, sess) => {
      if (err) return fn(err);
      if (!sess) return fn();
      fn(null, this.createSession!({ sessionID: sid, sessionStore: this }, sess));
    });
  },
  /** Turns stored data into a session object on `req.session` (the Session class is injected by the adapter). */
  createSession(this: ExpressStore, req: any, sess: any): any {
    const cookie = sess.cookie ?? {};
    sess.cookie = restoreCookie(cookie);
    req.session = storeHooks.createSession(req, sess);
    return req.session;
  },
});

/** @internal Filled by the adapter, which owns the `Session` class. */
export const storeHooks: { createSession: (req: any, sess: any) => any; isBound: (session: unknown) => boolean } = {
  createSession: (_req, sess) => sess,
  isBound: () => false,
};

/** `Store` typed as a class, for `extends`. */
const StoreBase: new () => ExpressStore = Store as unknown as new () => ExpressStore;

/** When a record expires: its cookie's `expires` (express-session's MemoryStore rule, ms precision), else after `ttl` seconds. */
const expiryOf = (record: string, ttl: number): number => {
  // The record starts with its cookie ({"cookie":{"originalMaxAge":…,"expires":"…"), so a short scan finds it.
  const at = record.indexOf('"expires":"');
  if (at !== -1 && at < 80) {
    const time = Date.parse(record.slice(at + 11, record.indexOf('"', at + 11)));
    if (Number.isFinite(time)) return time;
  }
  return Date.now() + ttl * 1000;
};

/** When a session given to `set`/`touch` expires: its cookie's `expires`; a browser-session cookie is kept a day, as connect-redis does by default. */
const cookieExpiry = (cookie: { expires?: unknown } | undefined): number => {
  const expires = cookie?.expires;
  return expires ? new Date(expires as string | Date).getTime() : Date.now() + 86_400_000;
};

interface MemoryEntry {
  json: string;
  expires: number;
}

/**
 * express-session's `MemoryStore`, bounded: expired sessions are dropped as they are met and the store never
 * holds more than `max` sessions (the oldest writes go first). One process only: use a shared store in production.
 */
export class MemoryStore extends StoreBase {
  /** Most sessions kept. */
  readonly max: number;
  #sessions = new Map<string, MemoryEntry>();

  /** A memory store holding at most `max` sessions (default 100000). */
  constructor(options: { max?: number } = {}) {
    super();
    this.max = options.max ?? 100_000;
  }

  /** The JSON of a live session; an expired one is removed as it is met. */
  #live(sid: string): string | undefined {
    const entry = this.#sessions.get(sid);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      this.#sessions.delete(sid);
      return undefined;
    }
    return entry.json;
  }

  #read(sid: string): any {
    const json = this.#live(sid);
    return json === undefined ? undefined : JSON.parse(json);
  }

  /** Reads a session (`undefined` when missing or expired). */
  override get(sid: string, callback: Callback<any>): void {
    const sess = this.#read(sid);
    setImmediate(callback, null, sess);
  }

  /** Creates or overwrites a session until its cookie expires. */
  override set(sid: string, session: any, callback?: Callback): void {
    this.#write(sid, JSON.stringify(session), cookieExpiry(session?.cookie));
    if (callback) setImmediate(callback);
  }

  /**
   * As express-session's MemoryStore touch: the stored data stays (never a request's copy, checklist 34), the
   * cookie moves on, and with it our idle deadline when the caller gives one.
   */
  #moveCookie(sid: string, cookie: unknown, idle: number | undefined, expires: number): void {
    const current = this.#read(sid);
    if (current === undefined) return;
    const meta = current.__unsession && idle !== undefined ? { ...current.__unsession, i: idle } : current.__unsession;
    this.#write(sid, JSON.stringify({ ...current, cookie, __unsession: meta }), expires);
  }

  #write(sid: string, json: string, expires: number): void {
    this.#sessions.delete(sid);
    this.#sessions.set(sid, { json, expires });
    let checked = 0;
    for (const [key, entry] of this.#sessions) {
      if (this.#sessions.size <= this.max && (entry.expires > Date.now() || ++checked > 8)) break;
      this.#sessions.delete(key);
    }
  }

  /**
   * @internal The same records as a core `SessionStore`: synchronous while this instance keeps MemoryStore's own
   * methods; a method replaced on the instance (to count calls or inject errors, as tests do) is called instead.
   */
  coreStore(): SessionStore {
    const proto = MemoryStore.prototype;
    const bridge = fromExpressStore(this);
    const sessions = this.#sessions;
    const touchNow = (sid: string, record: string, ttl: number): void => {
      const stored = this.#live(sid);
      if (stored === undefined) return;
      // The usual case, a record of the core's layout: its text is edited, nothing parsed.
      const moved = movedCookieText(stored, record);
      if (moved !== undefined) return this.#write(sid, moved, expiryOf(record, ttl));
      const next = JSON.parse(record);
      this.#moveCookie(sid, next.cookie, next.__unsession?.i, expiryOf(record, ttl));
    };
    const core: SessionStore = {
      get: (sid) => {
        if (this.get !== proto.get) return bridge.get(sid);
        return this.#live(sid) ?? null;
      },
      set: (sid, record, ttl) => (this.set !== proto.set ? bridge.set(sid, record, ttl) : this.#write(sid, record, expiryOf(record, ttl))),
      delete: (sid) => (this.destroy !== proto.destroy ? bridge.delete(sid) : void sessions.delete(sid)),
      expiresItself: true,
    };
    // express-session touches on every unchanged request: a store without touch (removed on purpose) is rewritten instead.
    Object.defineProperty(core, "touch", {
      get: () => (typeof this.touch !== "function" ? undefined : this.touch === proto.touch ? touchNow : bridge.touch),
    });
    return core;
  }

  /** Removes a session. */
  override destroy(sid: string, callback?: Callback): void {
    this.#sessions.delete(sid);
    if (callback) setImmediate(callback);
  }

  /** Extends a session's expiry from its cookie. */
  override touch(sid: string, session: any, callback?: Callback): void {
    this.#moveCookie(sid, session?.cookie, undefined, cookieExpiry(session?.cookie));
    if (callback) setImmediate(callback);
  }

  /** All live sessions, keyed by ID. */
  override all(callback: Callback<Record<string, any>>): void {
    const out: Record<string, any> = Object.create(null);
    for (const sid of [...this.#sessions.keys()]) {
      const sess = this.#read(sid);
      if (sess) out[sid] = sess;
    }
    setImmediate(callback, null, out);
  }

  /** How many sessions there are. */
  override length(callback: Callback<number>): void {
    this.all((err, sessions) => callback(err, err ? undefined : Object.keys(sessions!).length));
  }

  /** Removes every session. */
  override clear(callback?: Callback): void {
    this.#sessions.clear();
    if (callback) setImmediate(callback);
  }
}

/** True for an unstorage `Storage`. */
export const isStorage = (value: unknown): value is Storage =>
  typeof (value as Storage | null)?.getItemRaw === "function" && typeof (value as Storage).setItemRaw === "function";

/** An express-session store as the core's `SessionStore`, its cookie given to it as express-session's `Cookie`. */
export const fromExpressStore = (store: ExpressStore): SessionStore => expressStore(store, { cookie: restoreCookie as never });

/**
 * The other way round: a core store (an unstorage `Storage`) with express-session's callback API, for `req.sessionStore`.
 * `prefix` is the key prefix the adapter uses in that storage.
 */
export class StorageStore extends StoreBase {
  /** The unstorage `Storage` behind this store. */
  readonly storage: Storage;
  /** Key prefix of the records in `storage`. */
  readonly prefix: string;
  #core: SessionStore;

  /** Wraps an unstorage `Storage`; records live under `prefix + id`. */
  constructor(storage: Storage, prefix = "sess:") {
    super();
    this.storage = storage;
    this.prefix = prefix;
    this.#core = storageStore(storage);
  }

  /** Reads a session (`undefined` when missing or expired). */
  override get(sid: string, callback: Callback<any>): void {
    Promise.resolve(this.#core.get(this.prefix + sid)).then(
      (raw) => callback(null, typeof raw === "string" ? JSON.parse(raw) : raw ?? undefined),
      callback,
    );
  }

  /** Creates or overwrites a session until its cookie expires. */
  override set(sid: string, session: any, callback?: Callback): void {
    const expires = session?.cookie?.expires;
    const ttl = expires ? Math.max(1, Math.ceil((new Date(expires).getTime() - Date.now()) / 1000)) : 86_400;
    Promise.resolve(this.#core.set(this.prefix + sid, JSON.stringify(session), ttl)).then(() => callback?.(), (e) => callback?.(e));
  }

  /** Removes a session. */
  override destroy(sid: string, callback?: Callback): void {
    Promise.resolve(this.#core.delete(this.prefix + sid)).then(() => callback?.(), (e) => callback?.(e));
  }

  /** Extends a session's expiry from its cookie. */
  override touch(sid: string, session: any, callback?: Callback): void {
    this.get(sid, (err, current) => {
      if (err || !current) return callback?.(err);
      this.set(sid, { ...current, cookie: session.cookie }, callback);
    });
  }

  /** How many sessions there are. */
  override length(callback: Callback<number>): void {
    this.storage.getKeys(this.prefix).then((keys) => callback(null, keys.length), callback);
  }

  /** Removes every session. */
  override clear(callback?: Callback): void {
    this.storage.clear(this.prefix).then(() => callback?.(), (e) => callback?.(e));
  }
}
