/**
 * Hono middleware for unsession: `app.use(session({ secret }))`, then `c.get("session")`.
 * It only moves strings between Hono and the core: the cookie header in, `Set-Cookie` out.
 *
 * ```ts
 * import { Hono } from "hono";
 * import { session, type SessionEnv } from "unsession/hono";
 *
 * const app = new Hono<SessionEnv<{ views?: number }>>();
 * app.use(session({ secret: process.env.SESSION_SECRET! }));
 * app.get("/", (c) => {
 *   const s = c.get("session");
 *   s.data.views = (s.data.views ?? 0) + 1;
 *   return c.text(`views: ${s.data.views}`);
 * });
 * ```
 * @module
 */
import type { Context, Env, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { createSessions, isUnsessionError, UnsessionError, type LoadOptions, type RequestLike, type Session, type SessionData, type SessionOptions, type Sessions } from "../src/index.ts";

/** Options of the Hono middleware: the core's options plus what only the adapter decides. */
export interface HonoSessionOptions extends SessionOptions {
  /**
   * Commit the session even when a handler threw (the response then comes from `app.onError`).
   * By default the changes of a failed request are dropped; a destroyed session still clears its cookie.
   * @default false
   */
  commitOnError?: boolean;
}

/** Hono `Env` fragment that types `c.get("session")`: `new Hono<SessionEnv<{ userId?: string }>>()`. */
export type SessionEnv<D extends object = SessionData> = { Variables: { session: Session<D> } };

/** The session middleware, with access to its session manager (`listUserSessions`, `revokeUser`, `revokeUserSession`). */
export interface SessionMiddleware<D extends object = SessionData, E extends Env = any> extends MiddlewareHandler<SessionEnv<D>> {
  /**
   * The session manager that serves `c`. With fixed options, `c` may be omitted; with options given as a
   * function of the context, pass the request's context.
   */
  sessions(c?: Context<E>): Sessions<D>;
}

/** Options, or a function of the context that returns them (on Workers, secrets and bindings live in `c.env`). */
export type SessionOptionsInput<E extends Env = any> = HonoSessionOptions | ((c: Context<E>) => HonoSessionOptions);

// The only runtime where Hono gets an ExecutionContext whose waitUntil outlives the response.
const WORKERD = typeof navigator !== "undefined" && (navigator as { userAgent?: string }).userAgent === "Cloudflare-Workers";
// Past this many configurations for one store, options are being rebuilt per request: say so once.
const MAX_CONFIGS = 32;
const NO_STORE = {};

/** Turns a core error into the HTTP error Hono's `onError` receives; the `UnsessionError` stays as `cause`. */
const httpError = (error: unknown): unknown => {
  if (!isUnsessionError(error)) return error;
  const status = error.status === 503 ? 503 : 500;
  return new HTTPException(status, { message: status === 503 ? "Service Unavailable" : "Internal Server Error", cause: error });
};

/** One manager per distinct configuration: the same object, or the same store + the same serialisable options and functions. */
const managerCache = <D extends object>(): ((options: HonoSessionOptions) => Sessions<D>) => {
  const byObject = new WeakMap<object, Sessions<D>>();
  const byStore = new WeakMap<object, Map<string, Sessions<D>>>();
  const fnIds = new WeakMap<object, number>();
  let nextFnId = 0;
  let warned = false;
  const replacer = (key: string, value: unknown): unknown => {
    if (key === "storage" || key === "store") return undefined;
    if (typeof value !== "function") return value;
    let id = fnIds.get(value);
    if (id === undefined) fnIds.set(value, (id = nextFnId++));
    return `fn:${id}`;
  };
  return (options) => {
    const hit = byObject.get(options);
    if (hit) return hit;
    const storeKey: object = options.store ?? options.storage ?? NO_STORE;
    let configs = byStore.get(storeKey);
    if (!configs) byStore.set(storeKey, (configs = new Map()));
    const key = JSON.stringify(options, replacer);
    let sessions = configs.get(key);
    if (!sessions) {
      if (configs.size >= MAX_CONFIGS) {
        configs.delete(configs.keys().next().value as string);
        if (!warned) {
          warned = true;
          console.warn("[unsession] the session options change on every request: create storage, stores and functions once, outside the options function");
        }
      }
      sessions = createSessions<D>(options);
      configs.set(key, sessions);
    }
    byObject.set(options, sessions);
    return sessions;
  };
};

/**
 * The session middleware. Loads the session before the handlers run (no await with the memory store or
 * without a cookie) and commits it after them, adding `Set-Cookie` to whatever response they produced
 * (`c.json`, `c.redirect`, streams, `notFound` and `onError` responses).
 *
 * A store that fails on load makes the request fail with `HTTPException(503)` (its `cause` is the
 * `UnsessionError`): the handler never runs with a silently empty session. When a handler throws,
 * the session is not committed unless `commitOnError` is set; a destroyed session still clears its cookie.
 * A response that read the session gets `Vary: Cookie`; one that sets or clears the cookie `Cache-Control: no-store`;
 * `c.get("session").noStore()` (or the `privateWhenSignedIn` option) marks a signed-in page `private, no-store`.
 * Changes made inside a stream callback after the response was returned are not committed.
 *
 * `middleware.sessions(c)` is the manager behind it, e.g. for a "your devices" page:
 * `await shopSession.sessions(c).listUserSessions(user, c.get("session"))`.
 */
export function session<D extends object = SessionData, E extends Env = any>(options: SessionOptionsInput<E>): SessionMiddleware<D, E> {
  const managerOf = managerCache<D>();
  let resolve: (c: Context<SessionEnv<D>>) => [Sessions<D>, HonoSessionOptions];
  if (typeof options === "function") {
    resolve = (c) => {
      const resolved = options(c as unknown as Context<E>);
      return [managerOf(resolved), resolved];
    };
  } else {
    const fixed: [Sessions<D>, HonoSessionOptions] = [managerOf(options), options]; // invalid options throw at setup
    resolve = () => fixed;
  }

  const run = async (c: Context<SessionEnv<D>>, next: () => Promise<void>, sessions: Sessions<D>, s: Session<D>, commitOnError: boolean): Promise<void> => {
    c.set("session", s);
    await next();
    if (c.error && !commitOnError && !s.destroyed) return;
    let setCookie: string | null;
    try {
      const pending = sessions.commitFast(s);
      setCookie = typeof pending === "string" || pending === null ? pending : await pending;
    } catch (error) {
      throw httpError(error);
    }
    // Also when no cookie is sent: a response that read the session gets `Vary: Cookie` (and `noStore()`'s header).
    if (setCookie === null && !s.accessed) return;
    const res = c.res;
    const out = sessions.applyCookie(res, setCookie, s);
    if (out !== res) {
      // A copy (the handler's headers were immutable): unset first, or Hono's setter merges the old cookies over ours.
      c.res = undefined;
      c.res = out;
    }
  };

  const middleware: MiddlewareHandler<SessionEnv<D>> = function session(c, next) {
    const [sessions, resolved] = resolve(c);
    const o = sessions.options;
    const url = c.req.url;
    const input: RequestLike = {
      cookie: c.req.header("cookie"),
      secure: url.startsWith("https:"),
      forwardedProto: o.proxy ? c.req.header("x-forwarded-proto") : null,
      path: o.cookie.path === "/" ? "/" : c.req.path,
    };
    const extra: LoadOptions | undefined = WORKERD
      ? {
          waitUntil: (promise) => {
            try {
              c.executionCtx.waitUntil(promise);
            } catch {
              void promise.catch(() => {});
            }
          },
        }
      : undefined;
    const commitOnError = resolved.commitOnError === true;
    let loaded: Session<D> | Promise<Session<D>>;
    try {
      loaded = sessions.loadFast(input, extra);
    } catch (error) {
      return Promise.reject(httpError(error));
    }
    if (loaded instanceof Promise) {
      return loaded.then(
        (s) => run(c, next, sessions, s, commitOnError),
        (error: unknown) => {
          throw httpError(error);
        },
      );
    }
    return run(c, next, sessions, loaded, commitOnError);
  };
  const sessionsOf = (c?: Context<E>): Sessions<D> => {
    if (c === undefined && typeof options === "function") {
      throw new UnsessionError("ERR_STATE", "these session options are a function of the context: call sessions(c) with the request's context");
    }
    return resolve(c as unknown as Context<SessionEnv<D>>)[0];
  };
  return Object.assign(middleware, { sessions: sessionsOf });
}
