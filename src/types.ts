/**
 * Contracts shared across the core's modules.
 * @module
 */
import type { UnsessionError } from "./errors.ts";
import type { ResolvedOptions } from "./options.ts";
import type { Session } from "./session.ts";
import type { UserSessionInfo } from "./users.ts";

/**
 * Session data when no type is given: any JSON-serialisable object. `cookie` is reserved by the stored record format.
 * Your own type may be an `interface` (`createSessions<Data>()`): type parameters only require an `object`,
 * so that an interface keeps its typo checks instead of needing an index signature.
 */
export type SessionData = Record<string, unknown>;

/**
 * What the core uses of an unstorage `Storage`: pass `createStorage({ driver })` as it is.
 * Declared here, structurally, so that unsession's published types never load unstorage's: its driver
 * typings name optional packages (ioredis, @azure/…) and fail a consumer's `tsc` with `skipLibCheck: false`.
 */
export interface StorageLike {
  /** The stored value as written (a string, or bytes on file drivers), or `null`. */
  getItemRaw(key: string): Promise<unknown>;
  /** Writes a value as is; `ttl` in seconds, honoured by drivers with native expiry. */
  setItemRaw(key: string, value: string, options: { ttl: number }): Promise<void>;
  /** Removes a key; a missing key is not an error. */
  removeItem(key: string): Promise<void>;
  /** The mount that holds a key: the driver's name picks per-key write ordering for file drivers. */
  getMount(key: string): { driver: { name?: string } };
}

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
  /** A label for the user's listing of sessions (`setUser(id, { label })`), e.g. the browser. */
  l?: string;
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
   * Optional: extend a record's expiry without rewriting its data (express-session's `Store#touch`). When a store
   * has it and `touchAfter` is unset, the core calls it on every request that loaded a session and left it
   * unchanged, as express-session does; `record` is the session as this request holds it, with its new cookie expiry.
   * Without it, the core rewrites the record itself, throttled by `touchAfter`.
   */
  touch?(id: string, record: string, ttl: number): MaybePromise<void>;
  /**
   * Optional: `true` when the store expires records itself — after the `ttl` given to `set` (Redis `EX`, KV
   * `expirationTtl`) or by its own rules (express-session stores). A record such a store returns is alive: the core
   * then leaves the idle deadline to the store, so that another app sharing it (express-session extending a
   * Redis TTL with `touch`) keeps the session alive here too; the absolute timeout stays the core's.
   */
  readonly expiresItself?: boolean;
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
  /** Loads the session of a request: 0 store reads without a valid signed cookie, at most 1 with one. */
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
   */
  listUserSessions(userId: string, current?: Session<D>): Promise<UserSessionInfo[]>;
  /**
   * Ends every session of a user (password change, account disabled), optionally except `except`.
   * Returns how many index entries were removed. Costs 1 read + 1 delete per session + 1 index write.
   */
  revokeUser(userId: string, options?: { except?: Session<D> }): Promise<number>;
  /**
   * Ends one session of a user, named by the `sid` that `listUserSessions` reported ("sign out this device").
   * Only sessions in that user's index can be ended; an unknown or malformed `sid` ends nothing. Returns whether
   * a session was ended: its next request is anonymous. Costs 1 index read + 1 delete + 1 index write.
   */
  revokeUserSession(userId: string, sid: string): Promise<boolean>;
  /** Turns `(request, session, ...rest) => Response` into a plain fetch handler, for `Deno.serve`, `Bun.serve` and Workers. */
  wrap<A extends unknown[] = []>(handler: SessionHandler<D, A>, options?: WrapOptions<A>): (request: Request, ...rest: A) => Promise<Response>;
}

/** A header value as a host holds it: Web `Headers` give a string or null, Node's `res.getHeader` a number or an array too. */
export type HeaderValue = string | number | readonly string[] | null | undefined;

/** The caching headers a response has now, before the session's are applied (`sessions.cacheHeaders`). */
export interface CurrentCacheHeaders {
  /** The response's `Vary`, if any. */
  vary?: HeaderValue;
  /** The response's `Cache-Control`, if any. */
  cacheControl?: HeaderValue;
}

/** The caching headers to set on a response (`sessions.cacheHeaders`); an absent field means "leave that header as it is". */
export interface CacheHeaders {
  /** The new `Vary` value (the existing one with `Cookie` appended). */
  vary?: string;
  /** The new `Cache-Control` value. */
  cacheControl?: string;
}

/** Options of `wrap`. */
export interface WrapOptions<A extends unknown[]> {
  /** Where non-blocking work goes, from the handler's extra arguments (e.g. Workers' `ctx`). */
  waitUntil?: (...rest: A) => ((promise: Promise<unknown>) => void) | undefined;
  /** The response for a session error (store down, broken record). Default: a plain 503/500 without details. */
  onError?: (error: UnsessionError, request: Request) => Response | Promise<Response>;
}

