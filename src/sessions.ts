/**
 * The public API of a session manager (`Sessions`, made by `createSessions`) and of its `wrap`.
 * @module
 */
import type { UnsessionError } from "./errors.ts";
import type { ResolvedOptions } from "./options.ts";
import type { Session } from "./session.ts";
import type { ErrorContext, LoadOptions, MaybePromise, RequestLike, SessionData, SessionStore, UserSessionInfo } from "./types.ts";

/** A fetch handler that receives the session. */
export type SessionHandler<D extends SessionData, A extends unknown[] = []> = (
  request: Request,
  session: Session<D>,
  ...rest: A
) => Response | Promise<Response>;

/** The session manager made by `createSessions`. */
export interface Sessions<D extends SessionData = SessionData> {
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
  /** Writes what changed and returns the response with `Set-Cookie` (and `Cache-Control: no-store`) added. */
  commit(session: Session<D>, response: Response): Promise<Response>;
  /** Like `commit(session)`, but answers synchronously when nothing has to be written or signed. */
  commitFast(session: Session<D>): MaybePromise<string | null>;
  /** Adds a `Set-Cookie` value to a response (copying it when its headers are immutable), with `Cache-Control: no-store`. */
  applyCookie(response: Response, setCookie: string | null): Response;
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

