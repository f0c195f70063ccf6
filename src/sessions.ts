/**
 * The public API of a session manager (`Sessions`, made by `createSessions`) and of its `wrap`.
 * @module
 */
import type { UnsessionError } from "./errors.ts";
import type { ResolvedOptions } from "./options.ts";
import type { Session } from "./session.ts";
import type { CacheHeaders, CurrentCacheHeaders, ErrorContext, LoadOptions, MaybePromise, RequestLike, SessionData, SessionStore, UserSessionInfo } from "./types.ts";

/** A fetch handler that receives the session. */
export type SessionHandler<D extends object, A extends unknown[] = []> = (
  request: Request,
  session: Session<D>,
  ...rest: A
) => Response | Promise<Response>;

/** The session manager made by `createSessions`. */
export interface Sessions<D extends object = SessionData> {
  /** Resolved options. */
  readonly options: ResolvedOptions;
  /** The store in use. */
  readonly store: SessionStore;
  /**
   * Loads the session of a request: 0 store reads without a valid signed cookie, at most 1 with one, whatever the
   * `Cookie` header holds (only its first 4 session-cookie values are verified, and the first valid one is used).
   * Follow-ups: a renewal pointer's target (`renewAfter`), the raw-ID key with `hashIds: "migrate"`.
   * A corrupt record is a miss: a fresh session, the record removed, the error reported.
   */
  load(input: Request | RequestLike, options?: LoadOptions): Promise<Session<D>>;
  /** Like `load`, but answers synchronously when nothing had to be awaited (for adapters' hot paths). */
  loadFast(input: Request | RequestLike, options?: LoadOptions): MaybePromise<Session<D>>;
  /** Writes what changed (at most 1 store write) and returns the `Set-Cookie` value to send, or `null`. */
  commit(session: Session<D>): Promise<string | null>;
  /** Writes what changed and returns the response with `Set-Cookie` and the caching headers (see `applyCookie`) added. */
  commit(session: Session<D>, response: Response): Promise<Response>;
  /** Like `commit(session)`, but answers synchronously when nothing has to be written or signed. */
  commitFast(session: Session<D>): MaybePromise<string | null>;
  /**
   * Adds a `Set-Cookie` value to a response (copying it when its headers are immutable), with `Cache-Control: no-store`.
   * Given the `session`, it also adds the caching headers of `cacheHeaders`: `Vary: Cookie` when the session was read,
   * `Cache-Control: private, no-store` for `session.noStore()` and `privateWhenSignedIn`.
   */
  applyCookie(response: Response, setCookie: string | null, session?: Session<D>): Response;
  /**
   * The caching headers a response needs, for adapters that write headers themselves (Node's `res.setHeader`):
   * `vary` (the current `Vary` with `Cookie` appended) when the session was read; `cacheControl`: `no-store` when
   * `setCookie` is not null, `private, no-store` for `session.noStore()` or, without a `Cache-Control` of the
   * response's own, for a signed-in session with `privateWhenSignedIn`. An absent field: leave that header alone.
   */
  cacheHeaders(session: Session<D>, setCookie: string | null, current?: CurrentCacheHeaders): CacheHeaders;
  /** Signs the session's ID ahead of time, so that `commit` needs no await for it (Node writes headers synchronously). */
  prepare(session: Session<D>): Promise<string>;
  /**
   * The sessions of a user (bound with `session.setUser(id)`), with metadata and without raw IDs.
   * Costs 1 read of the user's index + 1 read per indexed session; dead entries are pruned.
   * With `cookieStore()` it rejects with `ERR_UNSUPPORTED`: cookie-only sessions are listed nowhere.
   */
  listUserSessions(userId: string, current?: Session<D>): Promise<UserSessionInfo[]>;
  /**
   * Ends every session of a user (password change, account disabled), optionally except `except`.
   * Returns how many index entries were removed. Costs 1 read + 1 delete per session + 1 index write.
   * With `cookieStore()` it rejects with `ERR_UNSUPPORTED`: a sealed cookie cannot be revoked server-side.
   */
  revokeUser(userId: string, options?: { except?: Session<D> }): Promise<number>;
  /**
   * Ends one session of a user, named by the `sid` that `listUserSessions` reported ("sign out this device").
   * Only sessions in that user's index can be ended; an unknown or malformed `sid` ends nothing. Returns whether
   * a session was ended: its next request is anonymous. Costs 1 index read + 1 delete + 1 index write.
   */
  revokeUserSession(userId: string, sid: string): Promise<boolean>;
  /**
   * Reports an error to the `onError` option (by default a one-line `console.error`), once per error object:
   * adapters call it where a session error becomes a 5xx. Errors the core met itself are already reported.
   */
  report(error: unknown, context?: ErrorContext): void;
  /** Turns `(request, session, ...rest) => Response` into a plain fetch handler, for `Deno.serve`, `Bun.serve` and Workers. */
  wrap<A extends unknown[] = []>(handler: SessionHandler<D, A>, options?: WrapOptions<A>): (request: Request, ...rest: A) => Promise<Response>;
}

/** Options of `wrap`. */
export interface WrapOptions<A extends unknown[]> {
  /** Where non-blocking work goes, from the handler's extra arguments (e.g. Workers' `ctx`). */
  waitUntil?: (...rest: A) => ((promise: Promise<unknown>) => void) | undefined;
  /** The response for a session error (store down, broken record). Default: a plain 503/500 without details. */
  onError?: (error: UnsessionError, request: Request) => Response | Promise<Response>;
}

