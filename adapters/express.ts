/**
 * Express (and plain Node `http`) middleware for unsession: a drop-in replacement for `express-session`.
 * Same options, same `req.session`, same stores; the semantics come from the core.
 *
 * ```ts
 * import express from "express";
 * import session from "unsession/express";
 *
 * const app = express();
 * app.use(session({ secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false }));
 * app.get("/", (req, res) => {
 *   req.session.views = (req.session.views ?? 0) + 1;
 *   res.send(`views: ${req.session.views}`);
 * });
 * ```
 * @module
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Storage } from "unstorage";
import { createSessions, storageStore, type MaybePromise, type SameSite, type SessionOptions, type Session as CoreSession, type SessionStore, type Sessions } from "../src/index.ts";
import {
  Cookie,
  fromExpressStore,
  isExpressStore,
  isStorage,
  MemoryStore,
  StorageStore,
  Store,
  storeHooks,
  type Callback,
  type CookieOptions,
  type ExpressStore,
} from "./express-store.ts";

export { Cookie, MemoryStore, Store, StorageStore };
export type { Callback, CookieOptions, ExpressStore, StoreConstructor } from "./express-store.ts";

/** Options of the core that the Express adapter passes through unchanged (times in seconds, as in the core). */
export type CoreExtras = Pick<SessionOptions, "idleTimeout" | "absoluteTimeout" | "touchAfter" | "renewAfter" | "renewGrace" | "onEvent" | "commitMode">;

/** express-session's options (times in milliseconds), plus a few of the core's (times in seconds). */
export interface ExpressSessionOptions extends CoreExtras {
  /** Secret(s) of at least 32 characters; an array rotates (the first signs, all verify). */
  secret?: string | string[];
  /** Cookie name. @default "connect.sid" */
  name?: string;
  /** Deprecated alias of `name` (express-session reads it too). */
  key?: string;
  /** Cookie attributes (`maxAge` in milliseconds), or a function of the request that returns them. @default { path: "/", httpOnly: true, secure: false, maxAge: null } */
  cookie?: CookieOptions | ((req: any) => CookieOptions);
  /** Generates a new session ID; receives the request. IDs must be 16–256 characters of `[A-Za-z0-9_-]`. */
  genid?: (req: any) => string;
  /** Trust `X-Forwarded-Proto` (`true`), never (`false`), or follow Express's `trust proxy` via `req.secure` (unset). */
  proxy?: boolean;
  /** Save unchanged sessions back to the store. @default true (with a deprecation warning, as express-session) */
  resave?: boolean;
  /** Send the cookie on every response. @default false */
  rolling?: boolean;
  /** Save new sessions that were never modified. @default true (with a deprecation warning, as express-session) */
  saveUninitialized?: boolean;
  /** An express-session store (connect-redis, …), an unstorage `Storage`, or a core `SessionStore`. @default new MemoryStore() */
  store?: ExpressStore | Storage | SessionStore;
  /** What happens when `req.session` is deleted or set to null. @default "keep" */
  unset?: "destroy" | "keep";
  /** Milliseconds before a store call fails (core option). @default 5000 */
  storeTimeout?: number;
}

/** Connect-style middleware. */
export type SessionMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

const BOUND = Symbol("unsession.express");

interface Binding {
  core: CoreSession;
  req: any;
  cookie: Cookie;
  setId(id: string): void;
  ensureId(): string;
  run<T>(fn: () => T): T;
}

const isPromise = <T>(value: MaybePromise<T>): value is Promise<T> => typeof (value as Promise<T> | null)?.then === "function";
const warn = (message: string): void => void process.emitWarning(message, { type: "DeprecationWarning", code: "EXPRESS_SESSION" });
// Without a callback an error has nowhere to go but the core's onEvent hook (store_error): never an unhandled rejection.
const done = (fn: Callback | undefined, err?: unknown): void => {
  if (fn) fn(err ?? undefined);
};

/**
 * The session object on `req.session`: its own enumerable properties are the data; `id`, `cookie`, `req`
 * and the methods live on this prototype. `new Session(req, data)` builds one detached from a request's lifecycle.
 */
export class Session {
  /** The session's data: any own enumerable property. */
  [key: string]: any;

  /** A session of `req` (`req.sessionID` is its ID), filled with `data`. */
  constructor(req: any, data?: Record<string, unknown>) {
    Object.defineProperty(this, "req", { value: req });
    Object.defineProperty(this, "id", { value: req.sessionID });
    if (data && typeof data === "object") {
      if (data.cookie !== undefined) Object.defineProperty(this, "cookie", { value: data.cookie, writable: true, enumerable: true });
      for (const key in data) if (!(key in this)) this[key] = data[key];
    }
  }

  /** The session ID. */
  get id(): string {
    return (this as any)[BOUND].ensureId();
  }
  /** The request this session belongs to. */
  get req(): any {
    return (this as any)[BOUND].req;
  }
  /** The session cookie (`maxAge`, `originalMaxAge` in ms, `expires`). */
  get cookie(): Cookie {
    return (this as any)[BOUND].cookie;
  }
  set cookie(value: Cookie | CookieOptions) {
    const b: Binding | undefined = (this as any)[BOUND];
    if (!b) {
      // A session built by hand (new Session(req) then .cookie = …, as express-session's generate does).
      Object.defineProperty(this, "cookie", { value, writable: true, enumerable: true, configurable: true });
      return;
    }
    if (value.expires !== undefined) b.cookie.expires = value.expires;
    else if (value.maxAge !== undefined) b.cookie.maxAge = value.maxAge;
  }

  /** A new ID and an empty session; the old record is removed. */
  regenerate(fn?: Callback): this {
    const b: Binding | undefined = (this as any)[BOUND];
    if (!b) {
      this.req.sessionStore.regenerate(this.req, fn);
      return this;
    }
    const p = b.run(() => b.core.regenerate());
    // The core replaces the data with a fresh object: it becomes the new req.session, saved like any new session.
    const fresh = wrap(b);
    // deno-lint-ignore no-self-assign -- the setter marks the kept data as changed
    b.core.data = b.core.data;
    p.then(() => done(fn), (err) => done(fn, err));
    return fresh as this;
  }

  /** Removes the record; `req.session` is gone for the rest of the request. */
  destroy(fn?: Callback): this {
    const b: Binding | undefined = (this as any)[BOUND];
    delete this.req.session;
    if (!b) this.req.sessionStore.destroy(this.id, fn);
    else b.core.destroy().then(() => done(fn), (err) => done(fn, err));
    return this;
  }

  /** Reads the record again, dropping this request's changes; `req.session` is replaced. */
  reload(fn: Callback): this {
    const b: Binding | undefined = (this as any)[BOUND];
    if (!b) {
      const req = this.req;
      req.sessionStore.get(this.id, (err: unknown, sess: unknown) => {
        if (err) return fn(err);
        if (!sess) return fn(new Error("failed to load session"));
        req.sessionStore.createSession(req, sess);
        fn();
      });
      return this;
    }
    b.core.reload().then(
      () => {
        wrap(b);
        fn();
      },
      (err) => fn(err?.code === "ERR_STATE" ? new Error("failed to load session", { cause: err }) : err),
    );
    return this;
  }

  /** Writes the session now (it is saved at the end of the response anyway when changed). */
  save(fn?: Callback): this {
    const b: Binding | undefined = (this as any)[BOUND];
    if (!b) this.req.sessionStore.set(this.id, this, fn ?? (() => {}));
    else b.run(() => b.core.save()).then(() => done(fn), (err) => done(fn, err));
    return this;
  }

  /** Extends the session's idle deadline on this request (express-session: resets `cookie.maxAge`). */
  touch(): this {
    const b: Binding | undefined = (this as any)[BOUND];
    if (b) b.core.touch();
    else if (this.cookie) this.cookie.maxAge = this.cookie.originalMaxAge;
    return this;
  }

  /** Alias of `touch()`, as in express-session. */
  resetMaxAge(): this {
    return this.touch();
  }
}

storeHooks.createSession = (req, sess) => new Session(req, sess);
storeHooks.isBound = (value) => typeof value === "object" && value !== null && BOUND in value;

/** Makes the core's current data object the request's `req.session`. */
function wrap(b: Binding): Session {
  const data = b.core.data as Record<string, unknown>;
  if (Object.getPrototypeOf(data) !== Session.prototype) {
    // As express-session does, stored keys that would hide the session's own members (id, cookie, save, …) are dropped.
    for (const key in data) if (key in Session.prototype) delete data[key];
    Object.setPrototypeOf(data, Session.prototype);
    Object.defineProperty(data, BOUND, { value: b, configurable: true });
  }
  b.req.session = data;
  return data as Session;
}

/** Binds a Cookie's lifetime to the core session's cookie (seconds there, milliseconds here). */
function boundCookie(core: CoreSession, attrs: CookieOptions): Cookie {
  const clock = {
    setMaxAge(ms: number | null) {
      core.cookie.maxAge = ms === null ? undefined : ms / 1000;
    },
    get expires() {
      return core.cookie.expires;
    },
    set expires(date: Date | undefined) {
      if (date === undefined) core.cookie.maxAge = undefined;
      else core.cookie.expires = date;
    },
  };
  const maxAge = core.cookie.maxAge;
  return new Cookie({ ...attrs, originalMaxAge: maxAge === undefined ? null : maxAge * 1000 }, clock);
}

const pathOf = (req: any): string => {
  const url: string = req.originalUrl ?? req.url ?? "/";
  const end = url.search(/[?#]/);
  return (end === -1 ? url : url.slice(0, end)) || "/";
};

/**
 * Creates the middleware. Accepts express-session's options with its defaults (`name: "connect.sid"`,
 * `cookie.secure: false`, no `SameSite`, `resave` and `saveUninitialized` true with a warning when unset).
 */
export function session(options: ExpressSessionOptions = {}): SessionMiddleware {
  const opts = options ?? {};
  const cookieOption = opts.cookie ?? {};
  if (opts.genid !== undefined && typeof opts.genid !== "function") throw new TypeError("genid option must be a function");
  let resave = opts.resave;
  if (resave === undefined) {
    warn("undefined resave option; provide resave option");
    resave = true;
  }
  let saveUninitialized = opts.saveUninitialized;
  if (saveUninitialized === undefined) {
    warn("undefined saveUninitialized option; provide saveUninitialized option");
    saveUninitialized = true;
  }
  if (opts.unset && opts.unset !== "destroy" && opts.unset !== "keep") throw new TypeError('unset option must be "destroy" or "keep"');
  const secret = opts.secret;
  if (Array.isArray(secret) && secret.length === 0) throw new TypeError("secret option array must contain one or more strings");
  if (!secret) warn("req.secret; provide secret option");

  const name = opts.name || opts.key || "connect.sid";
  const store = opts.store ?? new MemoryStore();
  if (process.env.NODE_ENV === "production" && opts.store === undefined) {
    console.warn("Warning: the default MemoryStore keeps sessions in this process only; use a shared store in production.");
  }
  let coreStore: SessionStore;
  let prefix = "";
  let sessionStore: ExpressStore;
  if (isStorage(store)) {
    prefix = "sess:";
    sessionStore = new StorageStore(store, prefix);
    coreStore = storageStore(store);
  } else if (store instanceof MemoryStore) {
    sessionStore = store;
    coreStore = store.coreStore();
  } else if (isExpressStore(store)) {
    sessionStore = store;
    coreStore = fromExpressStore(store);
  } else {
    coreStore = store as SessionStore;
    sessionStore = new Store() as ExpressStore;
  }

  // express-session: a store that emits "disconnect" is skipped (no req.session) until it emits "connect".
  let storeReady = true;
  if (typeof sessionStore.on === "function") {
    sessionStore.on("disconnect", () => (storeReady = false));
    sessionStore.on("connect", () => (storeReady = true));
  }

  /** Everything derived from one set of cookie options: the core's cookie, req.session.cookie's attributes, the managers. */
  interface Config {
    path: string;
    attrs: CookieOptions;
    core: NonNullable<SessionOptions["cookie"]> & { sameSite: SameSite | boolean };
    /** express-session 1.19's sameSite "auto": None on secure requests, Lax otherwise. */
    autoSameSite: boolean;
    /** Managers by secret (one entry unless the secret comes from req.secret). */
    managers: Map<string, Managers>;
  }
  const configure = (c: CookieOptions): Config => {
    const autoSameSite = String(c.sameSite).toLowerCase() === "auto";
    const core = {
      path: c.path ?? "/",
      domain: c.domain,
      httpOnly: c.httpOnly ?? true,
      secure: c.secure ?? false,
      sameSite: (c.sameSite === undefined ? false : autoSameSite ? "lax" : typeof c.sameSite === "string" ? c.sameSite.toLowerCase() : c.sameSite) as SameSite | boolean,
      partitioned: c.partitioned,
      priority: c.priority?.toLowerCase() as "low" | undefined,
      maxAge: typeof c.maxAge === "number" ? c.maxAge / 1000 : undefined,
      expires: c.expires || undefined,
    };
    const attrs: CookieOptions = { ...c, path: core.path, httpOnly: core.httpOnly, secure: core.secure };
    delete attrs.maxAge;
    delete attrs.expires;
    return { path: core.path, attrs, core, autoSameSite, managers: new Map() };
  };
  const fixedConfig = typeof cookieOption === "function" ? undefined : configure(cookieOption);
  // cookie as a function of the request (express-session 1.19): one configuration per distinct result.
  const configs = new Map<string, Config>();
  const MAX_CONFIGS = 64;
  const configOf = (req: any): Config => {
    if (fixedConfig) return fixedConfig;
    const c = (cookieOption as (req: any) => CookieOptions)(req) ?? {};
    const key = JSON.stringify(c);
    let config = configs.get(key);
    if (!config) {
      if (configs.size >= MAX_CONFIGS) configs.delete(configs.keys().next().value as string);
      configs.set(key, (config = configure(c)));
    }
    return config;
  };

  // The request whose ID is being generated: the core calls genid synchronously inside the calls we make.
  let current: any;
  // An ID assigned by the app (req.sessionID = id), handed to the core's generator.
  let pinned: string | undefined;
  /** The manager for plain requests, and with sameSite "auto" a second one for secure requests (same store). */
  interface Managers {
    plain: Sessions;
    secure?: Sessions;
  }
  const make = (secrets: string | string[], config: Config): Managers => {
    const { core, autoSameSite } = config;
    const plain = build(secrets, core);
    if (!autoSameSite) return { plain };
    // SameSite=None needs Secure (RFC 6265bis): under "auto" the secure manager always sets it on https.
    return { plain, secure: build(secrets, { ...core, sameSite: "none", secure: core.secure === false ? "auto" : core.secure }) };
  };
  const managersOf = (secrets: string | string[], config: Config): Managers => {
    const key = typeof secrets === "string" ? secrets : JSON.stringify(secrets);
    let managers = config.managers.get(key);
    if (!managers) config.managers.set(key, (managers = make(secrets, config)));
    return managers;
  };
  const build = (secrets: string | string[], cookieOptions: Config["core"]): Sessions =>
    createSessions({
      secret: secrets,
      store: coreStore,
      prefix,
      name,
      cookie: cookieOptions,
      resave,
      saveUninitialized,
      rolling: Boolean(opts.rolling),
      unset: opts.unset === "destroy" ? "destroy" : "keep",
      proxy: opts.proxy === true,
      genid: () => {
        if (pinned !== undefined) return pinned;
        return opts.genid ? opts.genid(current) : randomBytes(32).toString("base64url");
      },
      storeTimeout: opts.storeTimeout,
      idleTimeout: opts.idleTimeout,
      absoluteTimeout: opts.absoluteTimeout,
      touchAfter: opts.touchAfter,
      renewAfter: opts.renewAfter,
      renewGrace: opts.renewGrace,
      onEvent: opts.onEvent,
      commitMode: opts.commitMode,
    });
  /** Runs core calls that may generate an ID (load with renewal, prepare, regenerate, commit) with genid's request. */
  const within = <T>(req: any, fn: () => T): T => {
    const previous = current;
    current = req;
    try {
      return fn();
    } finally {
      current = previous;
    }
  };
  /** The request's security as express-session judges it (only for `req.session.cookie.secure` under "auto"). */
  const isSecure = (req: any): boolean => {
    if (req.socket?.encrypted === true) return true;
    if (opts.proxy !== true) return opts.proxy === undefined && req.secure === true;
    const proto = String(req.headers["x-forwarded-proto"] ?? "").split(",")[0]!.trim().toLowerCase();
    return proto === "https";
  };
  // Options errors surface at startup, as in express-session, when the cookie options are fixed.
  if (secret && fixedConfig) managersOf(secret, fixedConfig);

  return function session(req: any, res: any, next) {
    if (req.session) return next();
    if (!storeReady) return next();
    const path = pathOf(req);
    let config: Config;
    let sessions: Managers;
    try {
      config = configOf(req);
      if (!path.startsWith(config.path)) return next();
      if (!secret && !req.secret) return next(new Error("secret option required for sessions"));
      sessions = managersOf(secret || req.secret, config);
    } catch (error) {
      return next(error);
    }
    const mgr = sessions.secure && isSecure(req) ? sessions.secure : sessions.plain;
    req.sessionStore = sessionStore;
    const secure = req.socket?.encrypted === true || (opts.proxy === undefined && req.secure === true);
    const forwarded = req.headers["x-forwarded-proto"];
    let loaded: MaybePromise<CoreSession>;
    try {
      const input = { cookie: req.headers.cookie, secure, forwardedProto: typeof forwarded === "string" ? forwarded : null, path };
      loaded = within(req, () => mgr.loadFast(input));
    } catch (error) {
      return next(error);
    }
    if (isPromise(loaded)) loaded.then((core) => start(mgr, config, core, req, res, next), next);
    else start(mgr, config, loaded, req, res, next);
  };

  function start(mgr: Sessions, config: Config, core: CoreSession, req: any, res: any, next: (err?: unknown) => void): void {
    const run = <T>(fn: () => T): T => within(req, fn);
    let cookie: Cookie | undefined;
    const binding: Binding = {
      core,
      req,
      // Built on first use: most requests never look at req.session.cookie.
      get cookie() {
        if (cookie === undefined) {
          cookie = boundCookie(core, config.attrs);
          // express-session gives the cookie the request's own security when secure is "auto".
          if (config.attrs.secure === "auto") cookie.secure = isSecure(req);
          if (config.autoSameSite) cookie.sameSite = isSecure(req) ? "none" : "lax";
        }
        return cookie;
      },
      run,
      // Within the request's context: a new session's ID is made on first read (genid(req)), and signed ahead.
      ensureId: () => run(() => (void mgr.prepare(core), core.id)),
      setId: (id) => {
        if (id === run(() => core.id)) return;
        // Assigning req.sessionID moves the session, its data kept, to that ID (the old record is removed;
        // a failure to remove it is reported through onEvent, not to the request).
        pinned = id;
        try {
          run(() => core.regenerate({ keepData: true })).catch(() => {});
        } finally {
          pinned = undefined;
        }
      },
    };
    Object.defineProperty(req, "sessionID", {
      configurable: true,
      enumerable: true,
      get: () => binding.ensureId(),
      set: (id: string) => binding.setId(id),
    });
    let session = wrap(binding);

    let headDone = false;
    let ended = false;
    let chain: Promise<void> | undefined;
    let failed = false;
    let held: unknown;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      // express-session still sends the response when a save fails, then reports the error: after res.end,
      // never while a streamed response is still being written.
      if (ended) setImmediate(next, err);
      else held = err;
    };

    /** Applies what happened to req.session (deleted, replaced) and commits: at most one store write. */
    const commit = (withCookie: boolean): MaybePromise<void> => {
      const now = req.session;
      if (now !== session && !core.destroyed) {
        if (now === null || now === undefined || typeof now !== "object") {
          // unset: "destroy" removes the record first (a failure is reported, the cookie still cleared).
          return run(() => core.unset()).then(undefined, fail).then(() => persist(withCookie));
        }
        if (now[BOUND] === binding) session = now;
        else {
          core.data = { ...now };
          session = wrap(binding);
        }
      }
      return persist(withCookie);
    };
    /** Commits (at most one store write) and adds Set-Cookie while headers can still take it. */
    const persist = (withCookie: boolean): MaybePromise<void> => {
      let result: MaybePromise<string | null>;
      try {
        result = run(() => mgr.commitFast(core));
      } catch (error) {
        return fail(error);
      }
      const apply = (setCookie: string | null): void => {
        if (!withCookie || setCookie === null || res.headersSent) return;
        if (typeof res.appendHeader === "function") res.appendHeader("Set-Cookie", setCookie);
        else {
          const prev = res.getHeader("Set-Cookie");
          res.setHeader("Set-Cookie", prev === undefined ? setCookie : [...(Array.isArray(prev) ? prev : [String(prev)]), setCookie]);
        }
        if (!res.hasHeader("Cache-Control")) res.setHeader("Cache-Control", "no-store");
      };
      return isPromise(result) ? result.then(apply, fail) : apply(result);
    };

    /** Runs `fn` now, or after the commit in flight (in order); the response's own methods pass through meanwhile. */
    let draining = false;
    const exec = (fn: () => MaybePromise<unknown>): MaybePromise<unknown> => {
      draining = true;
      try {
        return fn();
      } finally {
        draining = false;
      }
    };
    const after = (fn: () => MaybePromise<unknown>): void => {
      const ignore = (): void => {};
      let mine: Promise<void>;
      if (!chain) {
        const r = fn();
        if (!isPromise(r)) return;
        mine = chain = r.then(ignore, ignore);
      } else {
        mine = chain = chain.then(() => exec(fn)).then(ignore, ignore);
      }
      void mine.then(() => {
        if (chain === mine) chain = undefined;
      });
    };
    /** The first write of headers commits the session, so that Set-Cookie can still go out. */
    const head = (): void => {
      if (headDone) return;
      headDone = true;
      after(() => commit(true));
    };
    const passThrough = (): boolean => !chain || draining;

    const { writeHead, write, end, flushHeaders } = res;
    res.writeHead = function (...args: unknown[]) {
      head();
      if (passThrough()) return writeHead.apply(res, args);
      after(() => writeHead.apply(res, args));
      return res;
    };
    res.write = function (...args: unknown[]) {
      head();
      if (passThrough()) return write.apply(res, args);
      after(() => write.apply(res, args));
      return true;
    };
    if (typeof flushHeaders === "function") {
      res.flushHeaders = function () {
        head();
        if (passThrough()) return flushHeaders.call(res);
        after(() => flushHeaders.call(res));
      };
    }
    res.end = function (...args: unknown[]) {
      if (ended) return res;
      ended = true;
      // Headers not written yet: this is the one commit. Otherwise persist what changed while streaming.
      if (!headDone) head();
      else after(() => commit(false));
      const report = (): void => void (held !== undefined && setImmediate(next, held));
      if (passThrough()) {
        const out = end.apply(res, args);
        report();
        return out;
      }
      after(() => {
        end.apply(res, args);
        report();
      });
      return res;
    };
    next();
  }
}

/** The middleware factory, with express-session's classes attached (`session.Store`, `session.MemoryStore`, …). */
export interface SessionFactory {
  (options?: ExpressSessionOptions): SessionMiddleware;
  /** express-session's `Store` base class. */
  Store: typeof Store;
  /** The in-memory store, as express-session's. */
  MemoryStore: typeof MemoryStore;
  /** The `req.session` class. */
  Session: typeof Session;
  /** The `req.session.cookie` class. */
  Cookie: typeof Cookie;
  /** An unstorage `Storage` with the express-session store API. */
  StorageStore: typeof StorageStore;
  /** The factory itself, for `import { session }`. */
  session: SessionFactory;
  /** The factory itself, for `import session from`. */
  default: SessionFactory;
}

/** The default export: `session(options)` with `Store`, `MemoryStore`, `Session` and `Cookie` attached, as express-session. */
const factory: SessionFactory = Object.assign((options?: ExpressSessionOptions) => session(options), {
  Store,
  MemoryStore,
  Session,
  Cookie,
  StorageStore,
}) as SessionFactory;
factory.session = factory;
factory.default = factory;

export default factory;
// `require("unsession/express")` returns the factory itself, as `require("express-session")` does (Node ≥ 20.19 require(esm)).
export { factory as "module.exports" };
