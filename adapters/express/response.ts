/**
 * One request's session on Node's response: `req.session`/`req.sessionID` bound to the core session, and the
 * response hooks that commit it before the first byte of headers goes out (scs's rule), so that `Set-Cookie` is
 * still possible; a failed save is reported after the response, as express-session does.
 *
 * Per request there is one `RequestSession` object and no closure: the hooks on `res` and the `req.sessionID`
 * accessor are functions shared by every request, which find their request's state under a symbol of `req`/`res`.
 * @module
 */
import type { MaybePromise, Session as CoreSession, Sessions } from "../../src/index.ts";
import { Cookie, type CookieOptions } from "./cookie.ts";
import { BOUND, boundCookie, expressError, isPromise, overrideAttributes, wrap, type Binding, type Session } from "./session.ts";

/** What the middleware shares with each request's hooks. */
export interface AttachContext {
  /** Runs core calls that may generate an ID with `genid`'s request. */
  within<T>(req: any, fn: () => T): T;
  /** What `within` does, in two halves for the hot path (no closure): makes `req` genid's request, returns the previous one. */
  enter(req: any): unknown;
  /** Restores genid's request that `enter` returned. */
  leave(previous: unknown): void;
  /** The request's security as express-session judges it. */
  isSecure(req: any): boolean;
  /** `unset: "destroy"`. */
  unsetDestroys: boolean;
  /** Runs `fn` with `id` as the next ID the core generates (`req.sessionID = id`). */
  pinned(id: string, fn: () => void): void;
}

/** The cookie side of one configuration of the middleware. */
export interface CookieConfig {
  /** `req.session.cookie`'s attributes as configured. */
  attrs: CookieOptions;
  /** express-session 1.19's sameSite "auto". */
  autoSameSite: boolean;
  /** `cookie.expires` was an invalid Date (reported when the cookie is set, as express-session does). */
  invalidExpires: boolean;
}

/**
 * Each request's `RequestSession`, under a symbol on its `req` and its `res`. The middleware has switched both to
 * dictionary properties first (`toDictionary`), so adding it is a hash insert; a WeakMap entry per object cost more
 * (two ephemerons per request for the collector).
 */
const STATE: unique symbol = Symbol("unsession.request");
const stateOf = (o: any): RequestSession => o[STATE];

const ignore = (): void => {};

/** One request's session: the binding of `req.session` and the state of the response hooks. */
class RequestSession implements Binding {
  readonly ctx: AttachContext;
  readonly mgr: Sessions;
  readonly config: CookieConfig;
  readonly core: CoreSession;
  readonly req: any;
  readonly res: any;
  readonly next: (err?: unknown) => void;
  /** `req.sessionID` set to a non-string. */
  bogus: { value: unknown } | undefined = undefined;
  #cookie: Cookie | undefined = undefined;
  /** The object on `req.session` as this binding last put it there. */
  session: Session | undefined = undefined;
  headDone = false;
  ended = false;
  chain: Promise<void> | undefined = undefined;
  failed = false;
  held: unknown = undefined;
  draining = false;
  /** The response's own methods, as they were when the session was attached. */
  readonly writeHead: (...args: unknown[]) => unknown;
  readonly write: (...args: unknown[]) => unknown;
  readonly end: (...args: unknown[]) => unknown;
  readonly flushHeaders: (() => unknown) | undefined;

  constructor(ctx: AttachContext, mgr: Sessions, config: CookieConfig, core: CoreSession, req: any, res: any, next: (err?: unknown) => void) {
    this.ctx = ctx;
    this.mgr = mgr;
    this.config = config;
    this.core = core;
    this.req = req;
    this.res = res;
    this.next = next;
    this.writeHead = res.writeHead;
    this.write = res.write;
    this.end = res.end;
    this.flushHeaders = typeof res.flushHeaders === "function" ? res.flushHeaders : undefined;
  }

  /** `req.session.cookie`, built on first use: most requests never look at it. */
  get cookie(): Cookie {
    let cookie = this.#cookie;
    if (cookie === undefined) {
      const { config, req, ctx } = this;
      cookie = this.#cookie = boundCookie(this.core, config.attrs);
      // express-session gives the cookie the request's own security when secure is "auto".
      if (config.attrs.secure === "auto") cookie.secure = ctx.isSecure(req);
      if (config.autoSameSite) cookie.sameSite = ctx.isSecure(req) ? "none" : "lax";
    }
    return cookie;
  }

  run<T>(fn: () => T): T {
    return this.ctx.within(this.req, fn);
  }

  /** Within the request's context: a new session's ID is made on first read (genid(req)), and signed ahead. */
  ensureId(): string {
    const { core, mgr } = this;
    return this.run(() => (void mgr.prepare(core), core.id));
  }

  setId(id: unknown): void {
    if (typeof id !== "string") {
      // express-session saves nothing and sends no cookie when req.sessionID is not a string.
      this.bogus = { value: id };
      return;
    }
    this.bogus = undefined;
    const core = this.core;
    if (id === this.run(() => core.id)) return;
    // Assigning req.sessionID moves the session, its data kept, to that ID (the old record is removed;
    // a failure to remove it is reported through onEvent, not to the request).
    this.ctx.pinned(id, () => this.run(() => core.regenerate({ keepData: true })).catch(ignore));
  }

  fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    err = expressError(err);
    // express-session still sends the response when a save fails, then reports the error: after res.end,
    // never while a streamed response is still being written. Express's final handler destroys the socket for an
    // error that comes after the headers: "Connection: close" tells the client not to send its next request on it.
    if (!this.res.headersSent) this.res.setHeader("Connection", "close");
    if (this.ended) setImmediate(this.next, err);
    else this.held = err;
  }

  /** Applies what happened to req.session (deleted, replaced) and commits: at most one store write. */
  commit(withCookie: boolean): MaybePromise<void> {
    if (this.bogus) return;
    const now = this.req.session;
    const core = this.core;
    if (now !== this.session && !core.destroyed) {
      if (now === null || now === undefined || typeof now !== "object") {
        // unset: "destroy" removes the record first (a failure is reported, the cookie still cleared).
        // express-session has an ID for every request and asks the store to destroy it, new or not.
        if (this.ctx.unsetDestroys) this.ensureId();
        return this.run(() => core.unset()).then(undefined, (err) => this.fail(err)).then(() => this.persist(withCookie));
      }
      if (now[BOUND] === this) this.session = now;
      else {
        const { cookie: _cookie, ...data } = now;
        core.data = data;
        this.session = wrap(this);
      }
    }
    return this.persist(withCookie);
  }

  /** Commits (at most one store write) and adds Set-Cookie while headers can still take it. */
  persist(withCookie: boolean): MaybePromise<void> {
    const { core, mgr, ctx, req } = this;
    if (this.#cookie !== undefined) overrideAttributes(core, this.#cookie, this.config);
    let result: MaybePromise<string | null>;
    const previous = ctx.enter(req);
    try {
      result = mgr.commitFast(core);
    } catch (error) {
      ctx.leave(previous);
      return this.fail(error);
    }
    ctx.leave(previous);
    if (isPromise(result)) return result.then((setCookie) => this.apply(withCookie, setCookie), (err) => this.fail(err));
    this.apply(withCookie, result);
  }

  apply(withCookie: boolean, setCookie: string | null): void {
    const res = this.res;
    if (!withCookie || res.headersSent) return;
    if (setCookie !== null) {
      if (this.config.invalidExpires) return this.fail(new TypeError("option expires is invalid"));
      if (typeof res.appendHeader === "function") res.appendHeader("Set-Cookie", setCookie);
      else {
        const prev = res.getHeader("Set-Cookie");
        res.setHeader("Set-Cookie", prev === undefined ? setCookie : [...(Array.isArray(prev) ? prev : [String(prev)]), setCookie]);
      }
    }
    // The core's caching rules: Vary: Cookie, no-store with the cookie, private pages (checklist 29).
    const headers = this.mgr.cacheHeaders(this.core, setCookie, { vary: res.getHeader("Vary"), cacheControl: res.getHeader("Cache-Control") });
    if (headers.vary !== undefined) res.setHeader("Vary", headers.vary);
    if (headers.cacheControl !== undefined) res.setHeader("Cache-Control", headers.cacheControl);
  }

  /** Runs `fn` now, or after the commit in flight (in order); the response's own methods pass through meanwhile. */
  after(fn: () => MaybePromise<unknown>): void {
    let mine: Promise<void>;
    if (!this.chain) {
      const r = fn();
      if (!isPromise(r)) return;
      mine = this.chain = r.then(ignore, ignore);
    } else {
      mine = this.chain = this.chain.then(() => this.exec(fn)).then(ignore, ignore);
    }
    void mine.then(() => {
      if (this.chain === mine) this.chain = undefined;
    });
  }

  exec(fn: () => MaybePromise<unknown>): MaybePromise<unknown> {
    this.draining = true;
    try {
      return fn();
    } finally {
      this.draining = false;
    }
  }

  /** The first write of headers commits the session, so that Set-Cookie can still go out. */
  head(): void {
    if (this.headDone) return;
    this.headDone = true;
    if (this.chain) this.after(() => this.commit(true));
    else {
      const r = this.commit(true);
      if (isPromise(r)) this.after(() => r);
    }
  }

  /**
   * A header-writing method of the response, its own `original`: called now, or after the save the headers wait
   * for, when the caller gets `deferred` (what the method would have returned) at once.
   */
  forward(original: (...args: unknown[]) => unknown, args: unknown[], deferred: unknown): unknown {
    this.head();
    if (this.passThrough()) return original.apply(this.res, args);
    this.after(() => original.apply(this.res, args));
    return deferred;
  }

  passThrough(): boolean {
    return !this.chain || this.draining;
  }

  report(): void {
    if (this.held !== undefined) setImmediate(this.next, this.held);
  }
}

// The response hooks and the req.sessionID accessor: the same functions for every request (see the module comment).
function writeHead(this: any, ...args: unknown[]): unknown {
  const r = stateOf(this);
  return r.forward(r.writeHead, args, this);
}
function write(this: any, ...args: unknown[]): unknown {
  const r = stateOf(this);
  return r.forward(r.write, args, true);
}
function flushHeaders(this: any): unknown {
  const r = stateOf(this);
  return r.forward(r.flushHeaders!, [], undefined);
}
function end(this: any, ...args: unknown[]): unknown {
  const r = stateOf(this);
  if (r.ended) return this;
  r.ended = true;
  // Headers not written yet: this is the one commit. Otherwise persist what changed while streaming.
  if (!r.headDone) r.head();
  else r.after(() => r.commit(false));
  if (r.passThrough()) {
    const out = r.end.apply(this, args);
    r.report();
    return out;
  }
  r.after(() => {
    r.end.apply(this, args);
    r.report();
  });
  return this;
}
const sessionID: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: any) {
    const r = stateOf(this);
    return r.bogus ? r.bogus.value : r.ensureId();
  },
  set(this: any, id: string) {
    stateOf(this).setId(id);
  },
};

/** Binds `req.session` to `core` and hooks the response so that the session commits in time; then calls `next`. */
export function attach(ctx: AttachContext, mgr: Sessions, config: CookieConfig, core: CoreSession, req: any, res: any, next: (err?: unknown) => void): void {
  const r = new RequestSession(ctx, mgr, config, core, req, res, next);
  req[STATE] = r;
  res[STATE] = r;
  Object.defineProperty(req, "sessionID", sessionID);
  r.session = wrap(r);
  res.writeHead = writeHead;
  res.write = write;
  if (r.flushHeaders !== undefined) res.flushHeaders = flushHeaders;
  res.end = end;
  next();
}
