/**
 * Contracts shared across the core's modules: data, records, stores, cookies, events. It imports nothing,
 * so that every module may depend on it and it on none of them.
 * @module
 */
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
  /** The label given to `session.setUser(userId, { label })`, if any. */
  label?: string;
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
