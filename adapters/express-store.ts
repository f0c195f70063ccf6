/**
 * express-session's store side for the Express adapter: `Store` (callable with `Store.call(this)` for
 * `util.inherits` subclasses), `MemoryStore`, `Cookie`, and the bridge that turns an express-session
 * store (callback API) or an unstorage `Storage` into the core's `SessionStore`.
 * @module
 */
import { EventEmitter } from "node:events";
import { serialize } from "cookie-es";
import { storageStore, type SessionStore, type StorageLike } from "../src/index.ts";

/** What this adapter uses of an unstorage `Storage` (declared structurally: see `StorageLike` in the core). */
export interface Storage extends StorageLike {
  /** Keys under a base (for `store.length`). */
  getKeys(base?: string): Promise<string[]>;
  /** Removes keys under a base (for `store.clear`). */
  clear(base?: string): Promise<void>;
}

/** A callback in Node style. */
export type Callback<T = any> = (err?: any, value?: T) => void;

/** Cookie settings as express-session takes them (`maxAge` in milliseconds). */
export interface CookieOptions {
  /** `Domain` attribute. */
  domain?: string;
  /** A fixed expiry (`null` or `false`: none). */
  expires?: Date | null | false;
  /** `HttpOnly` attribute. @default true */
  httpOnly?: boolean;
  /** Milliseconds. */
  maxAge?: number | null;
  /** `Partitioned` attribute (CHIPS). */
  partitioned?: boolean;
  /** `Path` attribute. @default "/" */
  path?: string;
  /** `Priority` attribute. */
  priority?: "low" | "medium" | "high" | "Low" | "Medium" | "High";
  /** `SameSite` attribute. */
  sameSite?: boolean | "lax" | "strict" | "none" | "auto" | "Lax" | "Strict" | "None";
  /** `Secure` attribute; `"auto"` follows the request's protocol. */
  secure?: boolean | "auto";
  /** The lifetime the cookie was first given, ms (as stored records carry it). */
  originalMaxAge?: number | null;
}

/** What a `Cookie` reads and writes its lifetime through (the adapter binds it to the core's session cookie). */
export interface CookieClock {
  expires: Date | undefined;
  setMaxAge?(ms: number | null): void;
}

/**
 * The session cookie as express-session exposes it on `req.session.cookie`: `maxAge` and `originalMaxAge` in
 * milliseconds, `expires` a `Date` or `null`. Setting `maxAge` or `expires` changes this session's cookie.
 */
export class Cookie {
  /** `Path` attribute. */
  path: string = "/";
  /** `HttpOnly` attribute. */
  httpOnly: boolean = true;
  /** `Secure` attribute; `"auto"` follows the request's protocol. */
  secure?: boolean | "auto";
  /** `Domain` attribute. */
  domain?: string;
  /** `SameSite` attribute. */
  sameSite?: CookieOptions["sameSite"];
  /** `Priority` attribute. */
  priority?: CookieOptions["priority"];
  /** `Partitioned` attribute (CHIPS). */
  partitioned?: boolean;
  /** The lifetime the cookie was given, ms (`null`: a browser-session cookie). */
  originalMaxAge: number | null = null;
  #clock: CookieClock;

  /** A cookie with these options; `clock` binds its lifetime to a session. */
  constructor(options?: CookieOptions, clock?: CookieClock) {
    this.#clock = clock ?? { expires: undefined };
    if (options !== undefined && options !== null && typeof options !== "object") throw new TypeError("argument options must be a object");
    const { maxAge, expires, originalMaxAge, ...rest } = options ?? {};
    delete (rest as { data?: unknown }).data; // a getter here, as in express-session
    Object.assign(this, rest);
    if (clock === undefined) {
      if (expires) this.expires = expires;
      if (maxAge !== undefined && maxAge !== null) this.maxAge = maxAge;
    }
    this.originalMaxAge = originalMaxAge ?? (clock ? this.maxAge : maxAge ?? this.originalMaxAge);
  }

  /** When the cookie expires, or `null` for a browser-session cookie. */
  get expires(): Date | null {
    return this.#clock.expires ?? null;
  }
  set expires(date: Date | null | false | undefined) {
    this.#clock.expires = date ? new Date(date) : undefined;
    this.originalMaxAge = this.maxAge;
  }

  /** Milliseconds left, or `null` for a browser-session cookie. */
  get maxAge(): number | null {
    const expires = this.#clock.expires;
    return expires ? expires.getTime() - Date.now() : null;
  }
  set maxAge(ms: number | Date | null | undefined) {
    // A Date is still accepted (express-session deprecates it): it is the expiry itself.
    if (ms instanceof Date) {
      this.expires = ms;
      return;
    }
    if (ms !== null && ms !== undefined && typeof ms !== "number") throw new TypeError("maxAge must be a number or Date");
    if (this.#clock.setMaxAge) {
      this.#clock.setMaxAge(ms ?? null);
      this.originalMaxAge = ms ?? null;
      return;
    }
    this.expires = typeof ms === "number" ? new Date(Date.now() + ms) : null;
  }

  /** The attributes, as stored in a session record. */
  get data(): Record<string, unknown> {
    return {
      originalMaxAge: this.originalMaxAge,
      partitioned: this.partitioned,
      priority: this.priority,
      expires: this.expires ?? undefined,
      secure: this.secure,
      httpOnly: this.httpOnly,
      domain: this.domain,
      path: this.path,
      sameSite: this.sameSite,
    };
  }

  /** A `Set-Cookie` value for `name=val` with these attributes. */
  serialize(name: string, val: string): string {
    const d = this.data;
    return serialize(name, val, { ...d, secure: d.secure === true, expires: this.expires ?? undefined } as never);
  }

  /** The stored form of the cookie (what a store's record holds under `cookie`). */
  toJSON(): Record<string, unknown> {
    return this.data;
  }
}

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

/** A `Cookie` from its stored JSON form (`expires` as an ISO string). */
export function restoreCookie(stored: Record<string, unknown>): Cookie {
  const { expires, originalMaxAge, ...rest } = stored;
  const cookie = new Cookie(rest as CookieOptions);
  if (typeof expires === "string" || expires instanceof Date) cookie.expires = new Date(expires);
  cookie.originalMaxAge = typeof originalMaxAge === "number" ? originalMaxAge : null;
  return cookie;
}

/** `Store` typed as a class, for `extends`. */
const StoreBase: new () => ExpressStore = Store as unknown as new () => ExpressStore;

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

  #read(sid: string): any {
    const entry = this.#sessions.get(sid);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      this.#sessions.delete(sid);
      return undefined;
    }
    return JSON.parse(entry.json);
  }

  /** Reads a session (`undefined` when missing or expired). */
  override get(sid: string, callback: Callback<any>): void {
    const sess = this.#read(sid);
    setImmediate(callback, null, sess);
  }

  /** Creates or overwrites a session until its cookie expires. */
  override set(sid: string, session: any, callback?: Callback): void {
    const stored = session?.cookie?.expires;
    // A browser-session cookie has no expiry: keep the record a day, as connect-redis does by default.
    this.#write(sid, JSON.stringify(session), stored ? new Date(stored).getTime() : Date.now() + 86_400_000);
    if (callback) setImmediate(callback);
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

  /** @internal The same records as a synchronous core `SessionStore` (the adapter's fast path: loads need no await). */
  coreStore(): SessionStore {
    return {
      get: (sid) => {
        const entry = this.#sessions.get(sid);
        if (!entry) return null;
        if (entry.expires > Date.now()) return entry.json;
        this.#sessions.delete(sid);
        return null;
      },
      set: (sid, record, ttl) => this.#write(sid, record, Date.now() + ttl * 1000),
      delete: (sid) => void this.#sessions.delete(sid),
    };
  }

  /** Removes a session. */
  override destroy(sid: string, callback?: Callback): void {
    this.#sessions.delete(sid);
    if (callback) setImmediate(callback);
  }

  /** Extends a session's expiry from its cookie. */
  override touch(sid: string, session: any, callback?: Callback): void {
    const current = this.#read(sid);
    if (current) this.set(sid, { ...current, cookie: session.cookie });
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

/** True for an express-session store (callback API). */
export const isExpressStore = (value: unknown): value is ExpressStore =>
  typeof (value as ExpressStore | null)?.get === "function" && typeof (value as ExpressStore).set === "function" && typeof (value as ExpressStore).destroy === "function";

/** Calls a callback-API method; also accepts stores that return a promise (connect-redis does both). */
const call = <T>(fn: (callback: Callback<T>) => unknown): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const done: Callback<T> = (err, value) => (err ? reject(err) : resolve(value as T));
    try {
      const result = fn(done) as Promise<unknown> | undefined;
      // A store that rejects without calling back must not hang the request (the core's timeout would catch it later).
      if (result && typeof result.then === "function") result.then(undefined, reject);
    } catch (error) {
      reject(error);
    }
  });

/**
 * An express-session store as the core's `SessionStore`. The store sees what express-session would give it:
 * the session object with a `Cookie` (so stores that read `cookie.maxAge` or `cookie.expires` compute their TTL).
 * The core's TTL argument is not passed on: these stores derive it from the cookie, and the core checks deadlines itself.
 */
export function fromExpressStore(store: ExpressStore): SessionStore {
  return {
    get: (sid) =>
      call<any>((cb) => store.get(sid, cb)).then(
        (sess) => sess ?? null,
        (error: { code?: string }) => {
          // express-session treats ENOENT (session-file-store's "no such file") as "no session".
          if (error?.code === "ENOENT") return null;
          throw error;
        },
      ),
    set: (sid, record) => {
      const sess = JSON.parse(record) as Record<string, unknown>;
      sess.cookie = restoreCookie(sess.cookie as Record<string, unknown>);
      return call<void>((cb) => store.set(sid, sess, cb));
    },
    delete: (sid) => call<void>((cb) => store.destroy(sid, cb)),
  };
}

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
