/**
 * Contracts shared across the core's modules.
 * @module
 */
import type { UnsessionError } from "./errors.ts";
import type { ResolvedOptions } from "./options.ts";
import type { Session } from "./session.ts";
import type { UserSessionInfo } from "./users.ts";

/** Session data: any JSON-serialisable object. `cookie` is reserved by the stored record format. */
export type SessionData = Record<string, unknown>;

/** A value that may or may not be a promise: the core answers synchronously when it can. */
export type MaybePromise<T> = T | Promise<T>;

/** `SameSite` cookie attribute. */
export type SameSite = "lax" | "strict" | "none";

/** Options of the session cookie. */
export interface CookieOptions {
  /** `Path` attribute. @default "/" */
  path?: string;
  /** No Domain by default (host-only cookie, OWASP). */
  domain?: string;
  /** `HttpOnly` attribute: scripts cannot read the cookie (OWASP). @default true */
  httpOnly?: boolean;
  /**
   * `true`: always Secure (no cookie is sent over http); `false`: never;
   * `"auto"`: Secure when the request is https (with `proxy`, as told by `X-Forwarded-Proto`).
   * @default "auto"
   */
  secure?: boolean | "auto";
  /** `SameSite` attribute (RFC 6265bis §4.1.2.7). @default "lax" */
  sameSite?: SameSite | boolean;
  /** CHIPS `Partitioned` attribute. */
  partitioned?: boolean;
  /** `Priority` attribute. */
  priority?: "low" | "medium" | "high";
  /**
   * Lifetime of the cookie in seconds; unset makes a browser-session cookie.
   * Each session may change its own (`session.cookie.maxAge`).
   */
  maxAge?: number;
  /** A fixed expiry date instead of `maxAge` (express-session's `cookie.expires`). */
  expires?: Date;
}

/** A lifecycle event, delivered to `onEvent`. IDs are never given raw: `sid` is a SHA-256 prefix of the ID. */
export interface SessionEvent {
  /** What happened. */
  type:
    | "created"
    | "regenerated"
    | "destroyed"
    | "expired"
    | "invalid_signature"
    | "unknown_id"
    | "store_error"
    | "renewed"
    | "revoked";
  /** Hex SHA-256 prefix (16 chars) of the session ID concerned, when there is one. */
  sid?: string;
  /** Hashed previous ID, for `regenerated` and `renewed`. */
  previousSid?: string;
  /** The error, for `store_error`. */
  error?: unknown;
  /** Milliseconds since the epoch. */
  time: number;
}

/** The stored form of the cookie, as express-session stores write it. */
export interface StoredCookie {
  /** Cookie lifetime in milliseconds at creation, or `null` for a browser-session cookie. */
  originalMaxAge: number | null;
  /** Expiry as an ISO date, or `null` for a browser-session cookie. */
  expires: string | null;
  /** `Secure` attribute. */
  secure?: boolean;
  /** `HttpOnly` attribute. */
  httpOnly?: boolean;
  /** `Domain` attribute. */
  domain?: string;
  /** `Path` attribute. */
  path?: string;
  /** `SameSite` attribute. */
  sameSite?: SameSite | boolean;
  /** `Partitioned` attribute. */
  partitioned?: boolean;
  /** `Priority` attribute. */
  priority?: "low" | "medium" | "high";
}

/** Bookkeeping that unsession keeps in a record (key `__unsession`), invisible in `session.data`. */
export interface RecordMeta {
  /** Creation time, ms: the base of the absolute timeout. */
  c: number;
  /** Idle deadline, ms. */
  i: number;
  /** Flash values set for the next request. */
  f?: Record<string, unknown>;
  /** User the session is bound to (for revocation). */
  u?: string;
  /** Time of the last ID renewal, ms. */
  r?: number;
  /** On a renewal pointer: the ID that replaced this one (valid until `i`). */
  n?: string;
}

/** A stored session record: express-session's format plus unsession's bookkeeping. */
export interface SessionRecord {
  /** The cookie as express-session stores it. */
  cookie: StoredCookie;
  /** unsession's bookkeeping (timestamps, flash, user binding). */
  __unsession?: RecordMeta;
  /** The session data. */
  [key: string]: unknown;
}

/**
 * Where session records live. A store never sees cookies or requests.
 * IDs given to a store are already safe keys (see `SessionStore` implementations).
 */
export interface SessionStore {
  /** The record as stored (a JSON string or an object), or `null` when missing or expired. Throw only when the store itself fails. */
  get(id: string): MaybePromise<string | SessionRecord | null | undefined>;
  /** Create or overwrite. `ttl` in seconds; a store without native TTL must not return the record after it. */
  set(id: string, record: string, ttl: number): MaybePromise<void>;
  /** Removing a missing id is not an error. */
  delete(id: string): MaybePromise<void>;
  /**
   * Optional capability: atomic merge. Applies `patch` to the record as it is in the store at this moment, in one
   * step that no other write of the same key can interleave with (a server-side script, a compare-and-set loop, a
   * row lock, one Durable Object): each key of `patch.set` replaces (or adds) that top-level key, each key of
   * `patch.unset` is removed, every other key keeps its stored value. Then the record lives `ttl` seconds.
   *
   * A missing or expired record is never recreated (a logout elsewhere stays a logout): the answer is `null` and
   * nothing is written, unless `patch.create` is set (the per-user index), when the patch applies to `{}`.
   * Returns the record as written. `mergeRecord` (exported) does the text work for stores that hold JSON strings.
   *
   * With `commitMode: "merge"` the core uses it for every commit of a changed, stored session (1 round trip, no
   * extra read) and for the per-user index. Without it, merge mode reads, merges and writes: see docs/stores.md.
   */
  merge?(id: string, patch: MergePatch, ttl: number): MaybePromise<string | null>;
}

/** What a `merge` commit changes in a record: top-level keys only (a nested change replaces its whole top-level key). */
export interface MergePatch {
  /** Top-level keys to set, each to the JSON text of its new value (`"cookie"` and `"__unsession"` included). */
  set: Record<string, string>;
  /** Top-level keys to remove. */
  unset: string[];
  /** Apply the patch to `{}` when the record is missing (the per-user index); never set for sessions. */
  create?: boolean;
}

/** What `load` needs from a request, for adapters that have no `Request` at hand (Node). */
export interface RequestLike {
  /** The `Cookie` header. */
  cookie?: string | null;
  /** The connection itself is TLS. */
  secure?: boolean;
  /** `X-Forwarded-Proto`, used only with the `proxy` option. */
  forwardedProto?: string | null;
  /** The request path, checked against the cookie's Path. */
  path?: string;
}

/** Per-request extras for `load`. */
export interface LoadOptions {
  /** Hands off work that need not block the response (throttled touch, old-record removal), e.g. Workers' `ctx.waitUntil`. */
  waitUntil?: (promise: Promise<unknown>) => void;
}

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
  /** Loads the session of a request: 0 store reads without a valid signed cookie, at most 1 with one. */
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
   */
  listUserSessions(userId: string, current?: Session<D>): Promise<UserSessionInfo[]>;
  /**
   * Ends every session of a user (password change, account disabled), optionally except `except`.
   * Returns how many index entries were removed. Costs 1 read + 1 delete per session + 1 index write.
   */
  revokeUser(userId: string, options?: { except?: Session<D> }): Promise<number>;
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

