/**
 * The Express (and plain Node `http`) middleware: express-session's options and defaults translated into the
 * core's, one core manager per cookie configuration and secret, and the session loaded from the request.
 * @module
 */
import { createHmac, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Storage } from "./store.ts";
import { createSessions, isExpressStore, storageStore, type MaybePromise, type SameSite, type Secret, type SessionOptions, type Session as CoreSession, type SessionStore, type Sessions } from "../../src/index.ts";
import type { CookieOptions } from "./cookie.ts";
import { attach, type AttachContext, type CookieConfig } from "./response.ts";
import { expressError, isPromise } from "./session.ts";
import { fromExpressStore, isStorage, MemoryStore, StorageStore, Store, type ExpressStore } from "./store.ts";

/**
 * express-session's deprecation notices, silenced as its own are: `NO_DEPRECATION=express-session` (or `*`, in a
 * comma or space separated list) and `--no-deprecation`, which `process.emitWarning` honours itself.
 */
const warn = (message: string): void => {
  const silenced = (process.env.NO_DEPRECATION ?? "").toLowerCase().split(/[\s,]+/);
  if (silenced.includes("express-session") || silenced.includes("*")) return;
  process.emitWarning(message, { type: "DeprecationWarning", code: "EXPRESS_SESSION" });
};

/** Options of the core that the Express adapter passes through unchanged (times in seconds, as in the core). */
export type CoreExtras = Pick<SessionOptions, "idleTimeout" | "absoluteTimeout" | "touchAfter" | "renewAfter" | "renewGrace" | "onEvent" | "onError" | "commitMode" | "privateWhenSignedIn">;

/** express-session's options (times in milliseconds), plus a few of the core's (times in seconds). */
export interface ExpressSessionOptions extends CoreExtras {
  /** Secret(s); an array rotates (the first signs, all verify). Shorter than 32 characters works, with a warning. */
  secret?: Secret | Secret[];
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

/** HMAC-SHA256 in base64 without padding: express-session's (cookie-signature's) MAC, computed synchronously. */
const hmacBase64 = (key: Secret, data: string): string => createHmac("sha256", key).update(data).digest("base64").replace(/=+$/, "");

/**
 * The session cookie as cookie-parser left it, when the header no longer has it (express-session reads these too):
 * `req.signedCookies[name]` is an ID cookie-parser verified, signed again here for the core; `req.cookies[name]` is
 * still signed.
 */
const fromCookieParser = (req: any, name: string, secret: Secret): string | undefined => {
  const signedId = req.signedCookies?.[name];
  if (typeof signedId === "string" && signedId !== "") {
    return `${name}=${encodeURIComponent(`s:${signedId}.${hmacBase64(secret, signedId)}`)}`;
  }
  const raw = req.cookies?.[name];
  return typeof raw === "string" && raw.startsWith("s:") ? `${name}=${encodeURIComponent(raw)}` : undefined;
};

const SCRATCH: unique symbol = Symbol("unsession.express.scratch");
/**
 * Switches a request or response object to dictionary properties. Express gives every `req` and `res` a prototype
 * of its app (`Object.setPrototypeOf`); V8 then copies the object's whole map (some 50 properties) for each
 * property added afterwards, ~2.5 µs apiece, and every such object ends with a map of its own. In dictionary mode
 * an added property is a hash insert: the session's own properties and those Express's router adds later cost
 * next to nothing. Adding then deleting a property of ours is what triggers the switch.
 */
const toDictionary = (o: any): void => {
  o[SCRATCH] = undefined;
  delete o[SCRATCH];
};

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
  } else if (store instanceof Store || isExpressStore(store)) {
    sessionStore = store as ExpressStore;
    coreStore = fromExpressStore(sessionStore);
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
  interface Config extends CookieConfig {
    path: string;
    attrs: CookieOptions;
    core: NonNullable<SessionOptions["cookie"]> & { sameSite: SameSite | boolean };
    /** express-session 1.19's sameSite "auto": None on secure requests, Lax otherwise. */
    autoSameSite: boolean;
    /** Managers by secret (one entry unless the secret comes from req.secret). */
    managers: Map<string, Managers>;
    /** `cookie.expires` was an invalid Date: express-session reports it when it sets the cookie, not at start-up. */
    invalidExpires: boolean;
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
      expires: c.expires instanceof Date && Number.isNaN(c.expires.getTime()) ? undefined : c.expires || undefined,
    };
    const attrs: CookieOptions = { ...c, path: core.path, httpOnly: core.httpOnly, secure: core.secure };
    delete attrs.maxAge;
    delete attrs.expires;
    const invalidExpires = c.expires instanceof Date && Number.isNaN(c.expires.getTime());
    return { path: core.path, attrs, core, autoSameSite, managers: new Map(), invalidExpires };
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
  const make = (secrets: Secret | Secret[], config: Config): Managers => {
    const { core, autoSameSite } = config;
    const plain = build(secrets, core);
    if (!autoSameSite) return { plain };
    // SameSite=None needs Secure (RFC 6265bis): under "auto" the secure manager always sets it on https.
    return { plain, secure: build(secrets, { ...core, sameSite: "none", secure: core.secure === false ? "auto" : core.secure }) };
  };
  const managersOf = (secrets: Secret | Secret[], config: Config): Managers => {
    const key = typeof secrets === "string" ? secrets : JSON.stringify(secrets);
    let managers = config.managers.get(key);
    if (!managers) config.managers.set(key, (managers = make(secrets, config)));
    return managers;
  };
  const build = (secrets: Secret | Secret[], cookieOptions: Config["core"]): Sessions =>
    createSessions({
      secret: secrets,
      // express-session accepts any secret: a short one works here, with the core's one warning on how to move on.
      compat: "express-session",
      hmac: hmacBase64,
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
        // 24 bytes (192 bits, 32 characters), as express-session: stores size their sid columns for it
        // (connect-session-sequelize: VARCHAR(36)).
        return opts.genid ? opts.genid(current) : randomBytes(24).toString("base64url");
      },
      storeTimeout: opts.storeTimeout,
      idleTimeout: opts.idleTimeout,
      absoluteTimeout: opts.absoluteTimeout,
      touchAfter: opts.touchAfter,
      renewAfter: opts.renewAfter,
      renewGrace: opts.renewGrace,
      onEvent: opts.onEvent,
      onError: opts.onError,
      commitMode: opts.commitMode,
      privateWhenSignedIn: opts.privateWhenSignedIn,
    });
  /** Runs core calls that may generate an ID (load with renewal, prepare, regenerate, commit) with genid's request. */
  /** Makes `req` genid's request and returns the previous one, for `leave`: `within` in two halves, no closure. */
  const enter = (req: any): unknown => {
    const previous = current;
    current = req;
    return previous;
  };
  const leave = (previous: unknown): void => {
    current = previous;
  };
  const within = <T>(req: any, fn: () => T): T => {
    const previous = enter(req);
    try {
      return fn();
    } finally {
      leave(previous);
    }
  };
  /** The request's security as express-session judges it (only for `req.session.cookie.secure` under "auto"). */
  const isSecure = (req: any): boolean => {
    if (req.socket?.encrypted === true) return true;
    if (opts.proxy !== true) return opts.proxy === undefined && req.secure === true;
    const proto = String(req.headers["x-forwarded-proto"] ?? "").split(",")[0]!.trim().toLowerCase();
    return proto === "https";
  };
  const ctx: AttachContext = {
    within,
    enter,
    leave,
    isSecure,
    unsetDestroys: opts.unset === "destroy",
    pinned(id, fn) {
      pinned = id;
      try {
        fn();
      } finally {
        pinned = undefined;
      }
    },
  };
  // Options errors surface at startup, as in express-session, when the cookie options are fixed.
  const fixedManagers = secret && fixedConfig ? managersOf(secret, fixedConfig) : undefined;
  /** Binds the loaded session to the request; a corrupt record is an error under express-session: next(ERR_STORE_DATA), once (the core removed the record). */
  const begin = (core: CoreSession, mgr: Sessions, config: Config, req: any, res: any, next: (err?: unknown) => void): void =>
    core.corruptRecord ? next(core.corruptRecord) : attach(ctx, mgr, config, core, req, res, next);

  return function session(req: any, res: any, next) {
    if (req.session) return next();
    if (!storeReady) return next();
    const path = pathOf(req);
    let config: Config;
    let sessions: Managers;
    if (fixedManagers !== undefined) {
      config = fixedConfig!;
      if (!path.startsWith(config.path)) return next();
      sessions = fixedManagers;
    } else {
      try {
        config = configOf(req);
        if (!path.startsWith(config.path)) return next();
        if (!secret && !req.secret) return next(new Error("secret option required for sessions"));
        sessions = managersOf(secret || req.secret, config);
      } catch (error) {
        return next(error);
      }
    }
    const mgr = sessions.secure && isSecure(req) ? sessions.secure : sessions.plain;
    toDictionary(req);
    toDictionary(res);
    req.sessionStore = sessionStore;
    const secure = req.socket?.encrypted === true || (opts.proxy === undefined && req.secure === true);
    const forwarded = req.headers["x-forwarded-proto"];
    let loaded: MaybePromise<CoreSession>;
    // The load runs with genid's request (as within() does), without a closure on this path.
    const previous = enter(req);
    try {
      let header: string | undefined = req.headers.cookie;
      if ((req.signedCookies || req.cookies) && !header?.includes(name + "=")) {
        const secrets = secret || req.secret;
        header = fromCookieParser(req, name, Array.isArray(secrets) ? secrets[0] : secrets) ?? header;
      }
      loaded = mgr.loadFast({ cookie: header, secure, forwardedProto: typeof forwarded === "string" ? forwarded : null, path });
    } catch (error) {
      leave(previous);
      return next(error);
    }
    leave(previous);
    if (isPromise(loaded)) loaded.then((core) => begin(core, mgr, config, req, res, next), (err) => next(expressError(err)));
    else begin(loaded, mgr, config, req, res, next);
  };
}
