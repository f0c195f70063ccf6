/**
 * `req.session` as express-session shapes it: the `Session` class (data as own enumerable properties, `cookie`
 * too, methods on the prototype) over the core's session, and the bound `req.session.cookie`.
 * @module
 */
import { type MaybePromise, type Session as CoreSession } from "../../src/index.ts";
import { Cookie, type CookieOptions } from "./cookie.ts";
import { storeHooks, type Callback } from "./store.ts";

/** @internal Where a request-bound session keeps its binding. */
export const BOUND: unique symbol = Symbol("unsession.express");

/** @internal What ties `req.session` to the request's core session. */
export interface Binding {
  core: CoreSession;
  req: any;
  cookie: Cookie;
  setId(id: string): void;
  ensureId(): string;
  run<T>(fn: () => T): T;
}

/** The error express-session would pass to `next`: a store's own error as the store gave it, not our wrapper. */
/** @internal */
export const expressError = (err: unknown): unknown => {
  const e = err as { code?: string; cause?: unknown } | undefined;
  return (e?.code === "ERR_STORE_READ" || e?.code === "ERR_STORE_WRITE") && e.cause !== undefined ? e.cause : err;
};
/** @internal */
export const isPromise = <T>(value: MaybePromise<T>): value is Promise<T> => typeof (value as Promise<T> | null)?.then === "function";

// Without a callback an error has nowhere to go but the core's onEvent hook (store_error): never an unhandled rejection.
const done = (fn: Callback | undefined, err?: unknown): void => {
  if (fn) fn(err === undefined || err === null ? undefined : expressError(err));
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

  /**
   * The data as stored: every own enumerable property. For a request's session the cookie is left out (the core
   * stores it apart, in express-session's layout); a session built by hand keeps it, as express-session's stores expect.
   */
  toJSON(): Record<string, unknown> {
    const bound = BOUND in this;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(this)) if (!bound || key !== "cookie") out[key] = this[key];
    return out;
  }
}
// Like express-session's, only data (and the own `cookie`) is enumerable: the methods are not.
for (const key of Object.getOwnPropertyNames(Session.prototype)) {
  if (key !== "constructor") Object.defineProperty(Session.prototype, key, { enumerable: false });
}

/** `req.session.cookie` as an own enumerable property, as express-session has it (`Object.keys(req.session)`). */
const cookieProperty: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: Session) {
    return Object.getOwnPropertyDescriptor(Session.prototype, "cookie")!.get!.call(this);
  },
  set(this: Session, value: Cookie | CookieOptions) {
    Object.getOwnPropertyDescriptor(Session.prototype, "cookie")!.set!.call(this, value);
  },
};

storeHooks.createSession = (req, sess) => new Session(req, sess);
storeHooks.isBound = (value) => typeof value === "object" && value !== null && BOUND in value;

/** Makes the core's current data object the request's `req.session`. */
export function wrap(b: Binding): Session {
  const data = b.core.data as Record<string, unknown>;
  if (Object.getPrototypeOf(data) !== Session.prototype) {
    // As express-session does, stored keys that would hide the session's own members (id, cookie, save, …) are dropped.
    for (const key in data) if (key in Session.prototype) delete data[key];
    // Properties first, prototype last: V8 shares the hidden class of objects built in this order, whereas
    // every property added after Object.setPrototypeOf copies the object's map anew.
    Object.defineProperty(data, BOUND, { value: b, configurable: true });
    Object.defineProperty(data, "cookie", cookieProperty);
    Object.setPrototypeOf(data, Session.prototype);
  }
  b.req.session = data;
  return data as Session;
}

const ATTRIBUTES = ["path", "domain", "httpOnly", "secure", "sameSite", "priority", "partitioned"] as const;
/** Attributes the app changed on `req.session.cookie` (`httpOnly = false`, …) become the core session's own. */
export function overrideAttributes(core: CoreSession, cookie: Cookie, config: { attrs: CookieOptions }): void {
  let changed: Record<string, unknown> | undefined;
  for (const key of ATTRIBUTES) {
    const value = cookie[key];
    if (value === config.attrs[key]) continue;
    changed ??= {};
    changed[key] = key === "sameSite" || key === "priority" ? (typeof value === "string" ? value.toLowerCase() : value) : value;
  }
  if (changed !== undefined) core.cookie.override(changed);
}

/** Binds a Cookie's lifetime to the core session's cookie (seconds there, milliseconds here). */
export function boundCookie(core: CoreSession, attrs: CookieOptions): Cookie {
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
