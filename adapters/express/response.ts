/**
 * One request's session on Node's response: `req.session`/`req.sessionID` bound to the core session, and the
 * response hooks that commit it before the first byte of headers goes out (scs's rule), so that `Set-Cookie` is
 * still possible; a failed save is reported after the response, as express-session does.
 * @module
 */
import type { MaybePromise, Session as CoreSession, Sessions } from "../../src/index.ts";
import type { Cookie, CookieOptions } from "./cookie.ts";
import { BOUND, boundCookie, expressError, isPromise, overrideAttributes, wrap, type Binding } from "./session.ts";

/** What the middleware shares with each request's hooks. */
export interface AttachContext {
  /** Runs core calls that may generate an ID with `genid`'s request. */
  within<T>(req: any, fn: () => T): T;
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

/** Binds `req.session` to `core` and hooks the response so that the session commits in time; then calls `next`. */
export function attach(ctx: AttachContext, mgr: Sessions, config: CookieConfig, core: CoreSession, req: any, res: any, next: (err?: unknown) => void): void {
  const { within, isSecure } = ctx;
  const run = <T>(fn: () => T): T => within(req, fn);
  let bogus: { value: unknown } | undefined;
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
      if (typeof id !== "string") {
        // express-session saves nothing and sends no cookie when req.sessionID is not a string.
        bogus = { value: id };
        return;
      }
      bogus = undefined;
      if (id === run(() => core.id)) return;
      // Assigning req.sessionID moves the session, its data kept, to that ID (the old record is removed;
      // a failure to remove it is reported through onEvent, not to the request).
      ctx.pinned(id, () => run(() => core.regenerate({ keepData: true })).catch(() => {}));
    },
  };
  Object.defineProperty(req, "sessionID", {
    configurable: true,
    enumerable: true,
    get: () => (bogus ? bogus.value : binding.ensureId()),
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
    err = expressError(err);
    // express-session still sends the response when a save fails, then reports the error: after res.end,
    // never while a streamed response is still being written. Express's final handler destroys the socket for an
    // error that comes after the headers: "Connection: close" tells the client not to send its next request on it.
    if (!res.headersSent) res.setHeader("Connection", "close");
    if (ended) setImmediate(next, err);
    else held = err;
  };

  /** Applies what happened to req.session (deleted, replaced) and commits: at most one store write. */
  const commit = (withCookie: boolean): MaybePromise<void> => {
    if (bogus) return;
    const now = req.session;
    if (now !== session && !core.destroyed) {
      if (now === null || now === undefined || typeof now !== "object") {
        // unset: "destroy" removes the record first (a failure is reported, the cookie still cleared).
        // express-session has an ID for every request and asks the store to destroy it, new or not.
        if (ctx.unsetDestroys) binding.ensureId();
        return run(() => core.unset()).then(undefined, fail).then(() => persist(withCookie));
      }
      if (now[BOUND] === binding) session = now;
      else {
        const { cookie: _cookie, ...data } = now;
        core.data = data;
        session = wrap(binding);
      }
    }
    return persist(withCookie);
  };
  /** Commits (at most one store write) and adds Set-Cookie while headers can still take it. */
  const persist = (withCookie: boolean): MaybePromise<void> => {
    if (cookie !== undefined) overrideAttributes(core, cookie, config);
    let result: MaybePromise<string | null>;
    try {
      result = run(() => mgr.commitFast(core));
    } catch (error) {
      return fail(error);
    }
    const apply = (setCookie: string | null): void => {
      if (!withCookie || res.headersSent) return;
      if (setCookie !== null) {
        if (config.invalidExpires) return fail(new TypeError("option expires is invalid"));
        if (typeof res.appendHeader === "function") res.appendHeader("Set-Cookie", setCookie);
        else {
          const prev = res.getHeader("Set-Cookie");
          res.setHeader("Set-Cookie", prev === undefined ? setCookie : [...(Array.isArray(prev) ? prev : [String(prev)]), setCookie]);
        }
      }
      // The core's caching rules: Vary: Cookie, no-store with the cookie, private pages (checklist 29).
      const headers = mgr.cacheHeaders(core, setCookie, { vary: res.getHeader("Vary"), cacheControl: res.getHeader("Cache-Control") });
      if (headers.vary !== undefined) res.setHeader("Vary", headers.vary);
      if (headers.cacheControl !== undefined) res.setHeader("Cache-Control", headers.cacheControl);
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
