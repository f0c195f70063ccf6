/**
 * Contracts shared across the core's modules: data, records, stores, cookies, events. It imports nothing,
 * so that every module may depend on it and it on none of them.
 * @module
 */
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
    | "revoked"
    | "corrupt_record";
  /** Hex SHA-256 prefix (16 chars) of the session ID concerned, when there is one. */
  sid?: string;
  /** Hashed previous ID, for `regenerated` and `renewed`. */
  previousSid?: string;
  /** The error, for `store_error` and `corrupt_record` (an `UnsessionError` whose `cause` is the original). */
  error?: unknown;
  /** Milliseconds since the epoch. */
  time: number;
}

/** Where an error reported to `onError` happened. */
export interface ErrorContext {
  /**
   * `store`: a store call failed or timed out; `record`: a stored record was corrupt (the request went on with a
   * fresh session); `load` / `commit`: loading or committing a session failed (e.g. data that is not JSON);
   * `adapter`: reported by an adapter or `wrap` through `sessions.report`.
   */
  source: "store" | "record" | "load" | "commit" | "adapter";
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

/** One session of a user, as `listUserSessions` reports it: no raw ID. */
export interface UserSessionInfo {
  /** SHA-256 prefix of the session's store key: stable, not usable as a cookie. */
  sid: string;
  /** When the session was created. */
  createdAt: Date;
  /** The earliest server-side deadline (idle or absolute). */
  expiresAt: Date;
  /** True for the session passed as `current`. */
  current: boolean;
}
