/**
 * The options of `createSessions`, their defaults and their validation.
 * @module
 */
import { UnsessionError } from "./errors.ts";
import { isBridged, isExpressStore } from "./stores/express.ts";
import type { SealPasswords } from "./seal.ts";
import type { CookieOptions, ErrorContext, SessionEvent, SessionStore, StorageLike } from "./types.ts";

/** Options of `createSessions`. Times are in seconds unless named otherwise. */
export interface SessionOptions {
  /**
   * Secret(s). An array rotates: the first signs, all verify. The signing (first) secret must have at least 32
   * characters (OWASP ASVS 5 11.2.3); older secrets later in the list may be shorter — an express-session app's
   * `"keyboard cat"` — so that its users stay signed in (a warning is printed once). Bytes (`Uint8Array`, a Node
   * `Buffer`) are used as raw HMAC keys, as express-session does.
   */
  secret: Secret | readonly Secret[];
  /**
   * `"express-session"`: accept what express-session accepts where our defaults are stricter — a signing secret
   * shorter than 32 characters (warned once per process) and `Partitioned` without `Secure`. The Express adapter
   * sets it; new apps leave it unset. SameSite=None still requires Secure (RFC 6265bis §4.1.2.7).
   */
  compat?: "express-session";
  /**
   * A synchronous HMAC-SHA256 (`(key, data) => base64 without padding`), for runtimes that have one
   * (`node:crypto`'s `createHmac`): a new session's cookie is then signed without an await, so a response can
   * commit synchronously. Verification always uses WebCrypto's constant-time `verify`.
   */
  hmac?: (key: Secret, data: string) => string;
  /** Any unstorage `Storage` (`createStorage({ driver })`). Default: the embedded bounded memory store. */
  storage?: StorageLike;
  /**
   * A `SessionStore` (takes precedence over `storage`), e.g. `memoryStore({ max })`. An express-session store
   * (connect-redis, connect-pg-simple, …) goes through `expressStore(store)`; given as it is, it is bridged too.
   */
  store?: SessionStore;
  /** Key prefix of records in the storage. @default "sess:" */
  prefix?: string;
  /** Key prefix of the per-user session indexes (`session.setUser`). Kept apart from `prefix` so that tools listing `sess:*` see sessions only. @default "sess-user:" */
  userPrefix?: string;
  /** Cookie name. Generic on purpose (OWASP: no framework fingerprint). @default "sid" */
  name?: string;
  /** Cookie attributes. */
  cookie?: CookieOptions;
  /** Save a new session even when nothing was set in it. @default false */
  saveUninitialized?: boolean;
  /** Save the session on every request, even unchanged. @default false */
  resave?: boolean;
  /** Send the cookie on every response, extending its expiry. @default false */
  rolling?: boolean;
  /** What `session.unset()` does: discard this request's changes (`keep`) or destroy the session. @default "keep" */
  unset?: "keep" | "destroy";
  /** Trust `X-Forwarded-Proto` for `secure: "auto"`. @default false */
  proxy?: boolean;
  /**
   * Idle timeout: a session unused for this long is expired, checked on every load.
   * @default cookie.maxAge, or 86400 (one day) for browser-session cookies
   */
  idleTimeout?: number;
  /** Absolute timeout from creation, never extended by activity. Off by default; 8–24 h is common (OWASP). */
  absoluteTimeout?: number;
  /**
   * A session read without changes is rewritten only when its idle deadline would move by more than this.
   * @default one tenth of the idle timeout, at most 60
   */
  touchAfter?: number;
  /** Rotate the session ID after this many seconds of life (renewal), keeping the old ID valid for `renewGrace`. Off by default. */
  renewAfter?: number;
  /** Seconds an old ID keeps working after a renewal. @default 10 */
  renewGrace?: number;
  /** Milliseconds after which a store call fails with `ERR_STORE_TIMEOUT`. @default 5000 */
  storeTimeout?: number;
  /**
   * Custom ID generator: any non-empty string of at most 512 characters (stores whose keys cannot hold every
   * character get an encoded key). Default: 32 random bytes, base64url (256 bits).
   */
  genid?: () => string;
  /**
   * Store records under a SHA-256 hash of the ID instead of the ID, so that a leaked store holds no usable
   * session (ASVS 4 7.1.1). `"migrate"` also reads records still stored under raw IDs and moves them on their next write.
   * @default false
   */
  hashIds?: boolean | "migrate";
  /**
   * Seal every record at rest (AES-256-GCM, each record bound to its key): with `hashIds`, a dump of the store
   * shows neither IDs nor data. `true` derives the key from `secret`; `{ password }` gives its own password(s)
   * (rotation as for `secret`). express-session, and records written before, cannot be read then: see docs/sealed.md.
   * Ignored with `cookieStore()`, whose sessions are sealed already.
   * @default false
   */
  encrypt?: boolean | { password: SealPasswords };
  /** Receives lifecycle events (IDs hashed). Exceptions thrown by it are ignored. */
  onEvent?: (event: SessionEvent) => void;
  /**
   * Receives every error the session layer causes or meets, once each, with its cause: store failures and
   * timeouts (the request answers 503), data that cannot be stored (500), corrupt records (the request goes on
   * with a fresh session). Exceptions thrown by it are ignored.
   * @default a one-line `console.error("[unsession] <code>: <message>")`, never an ID, a record or a stack
   */
  onError?: (error: UnsessionError, context: ErrorContext) => void;
  /**
   * How a changed, already stored session is written. `overwrite`: the whole record, last write wins
   * (express-session's behaviour). `merge`: the record is read again at commit and only the top-level keys
   * this request added, changed or deleted are applied to it (one extra store read per modified commit);
   * a record destroyed meanwhile is not written back. See docs/stores.md for what stays racy.
   * @default "overwrite"
   */
  commitMode?: "overwrite" | "merge";
  /**
   * Send `Clear-Site-Data` with the response that clears the session cookie (logout), as the OWASP Session
   * Management Cheat Sheet suggests. `true` sends `"cache", "cookies", "storage"`; a string is sent as given.
   * @default false
   */
  clearSiteData?: boolean | string;
  /**
   * Send `Cache-Control: private, no-store` on every response of a request that read a session bound to a
   * user (`session.setUser`), so that no cache keeps a signed-in page and Back after logout shows the
   * logged-out one. A response with its own `Cache-Control` keeps it; `session.noStore()` marks one page.
   * @default false
   */
  privateWhenSignedIn?: boolean;
}

/** A secret: a string (UTF-8 encoded) or raw key bytes. */
export type Secret = string | Uint8Array;

/** Options after defaults and validation. */
export interface ResolvedOptions {
  /** Secrets, the signing one first. */
  secrets: readonly Secret[];
  /** Key prefix of session records. */
  prefix: string;
  /** Key prefix of the per-user session index. */
  userPrefix: string;
  /** Cookie name. */
  name: string;
  /** Cookie attributes with defaults applied. */
  cookie: Required<Pick<CookieOptions, "path" | "httpOnly" | "secure" | "sameSite">> & CookieOptions;
  /** Save new sessions even when empty. */
  saveUninitialized: boolean;
  /** Save unchanged sessions on every request. */
  resave: boolean;
  /** Send the cookie on every response. */
  rolling: boolean;
  /** What `session.unset()` does. */
  unset: "keep" | "destroy";
  /** Trust `X-Forwarded-Proto`. */
  proxy: boolean;
  /** Idle timeout in seconds (undefined: from the cookie's maxAge). */
  idleTimeout: number | undefined;
  /** Absolute timeout in seconds, or undefined (off). */
  absoluteTimeout: number | undefined;
  /** Touch throttle in seconds (undefined: derived from the idle timeout). */
  touchAfter: number | undefined;
  /** ID renewal period in seconds, or undefined (off). */
  renewAfter: number | undefined;
  /** Seconds an old ID stays valid after a renewal. */
  renewGrace: number;
  /** Store call timeout, milliseconds. */
  storeTimeout: number;
  /** Custom ID generator, if any. */
  genid: (() => string) | undefined;
  /** Store hashed IDs as keys (`migrate`: also read records under raw IDs). */
  hashIds: boolean | "migrate";
  /** Synchronous HMAC for signing, if given. */
  hmac: ((key: Secret, data: string) => string) | undefined;
  /** Password(s) records are sealed with at rest, or undefined (records in clear JSON). */
  encrypt: SealPasswords | undefined;
  /** Lifecycle event hook, if any. */
  onEvent: ((event: SessionEvent) => void) | undefined;
  /** Error hook, if any (undefined: the default one-line `console.error`). */
  onError: ((error: UnsessionError, context: ErrorContext) => void) | undefined;
  /** How a commit writes a changed record: overwrite it, or merge into the stored one. */
  commitMode: "overwrite" | "merge";
  /** The `Clear-Site-Data` value sent on logout, or undefined. */
  clearSiteData: string | undefined;
  /** Mark responses that read a signed-in session `private, no-store`. */
  privateWhenSignedIn: boolean;
}

/** Minimum secret length, per OWASP ASVS 11.2.3 (≥ 128 bits of key material; 32 characters). */
export const MIN_SECRET_LENGTH = 32;
/** Default idle timeout when the cookie has no maxAge: one day, as connect-redis' default TTL. */
export const DEFAULT_IDLE_TIMEOUT = 86_400;

let warnedShortSecret = false;
/** One warning per process: a short secret is accepted for compatibility, and this says how to move on. */
const warnShortSecret = (length: number): void => {
  if (warnedShortSecret) return;
  warnedShortSecret = true;
  console.warn(
    `[unsession] a session secret of ${length} characters is weak: whoever guesses it can forge signatures. ` +
      "Add a strong one first, without signing anyone out: secret: [newSecret, oldSecret] — the first signs, every one " +
      "verifies, and cookies signed with the old one are re-signed as they come back. Make one with: openssl rand -base64 32",
  );
};

/** RFC 6265bis §5.5: browsers cap a cookie's lifetime at 400 days, in seconds. */
const MAX_COOKIE_AGE = 400 * 86_400;
let warnedMilliseconds = false;
/**
 * A core `cookie.maxAge` past what any browser keeps is almost surely milliseconds (express-session's unit):
 * 86_400_000 would be a 1,000-day cookie and idle timeout. Warned once, still taken as given: a refusal would
 * break a deployment that meant it, and the browser caps the cookie anyway; the idle timeout is what the warning is for.
 */
const warnMilliseconds = (maxAge: number): void => {
  if (warnedMilliseconds) return;
  warnedMilliseconds = true;
  console.warn(
    `[unsession] cookie.maxAge is in seconds in createSessions: ${maxAge} s is ${Math.round(maxAge / 86_400)} days, more than browsers keep a cookie (400) and the idle timeout too. For milliseconds, divide by 1000 (${Math.round(maxAge / 1000)}).`,
  );
};

const fail = (message: string): never => {
  throw new UnsessionError("ERR_OPTIONS", message);
};

const positive = (name: string, value: number | undefined, allowZero = false): number | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    fail(`${name} must be a ${allowZero ? "non-negative" : "positive"} number of seconds (got ${String(value)})`);
  }
  return value;
};

/**
 * @internal The secrets as sealing passwords: strings of at least 32 characters (a short secret kept only to verify
 * old cookies never sealed anything), and byte secrets as hex.
 */
export function passwordsOf(secrets: readonly Secret[]): string[] {
  const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return secrets.map((s) => (typeof s === "string" ? s : hex(s))).filter((s) => s.length >= MIN_SECRET_LENGTH);
}

/** Validates options and applies defaults; throws `ERR_OPTIONS` with a message that says what to fix. */
export function resolveOptions(options: SessionOptions): ResolvedOptions {
  if (!options || typeof options !== "object") fail("options are required: createSessions({ secret })");
  const secrets = typeof options.secret === "string" || options.secret instanceof Uint8Array ? [options.secret] : options.secret;
  if (!Array.isArray(secrets) || secrets.length === 0) {
    fail("secret is required: a string of at least 32 characters, or an array of them (the first signs)");
  }
  secrets.forEach((secret: unknown, index: number) => {
    const length = typeof secret === "string" || secret instanceof Uint8Array ? secret.length : -1;
    if (length <= 0) fail(`secret must be a non-empty string (got ${secret === "" ? "an empty string" : typeof secret}${secrets.length > 1 ? ` at index ${index}` : ""})`);
    if (length >= MIN_SECRET_LENGTH) return;
    if (index === 0 && options.compat !== "express-session") {
      fail(
        `secret must be at least ${MIN_SECRET_LENGTH} characters (got ${length}). Make one with: openssl rand -base64 32. ` +
          "Moving from express-session? Keep its secret after the new one: secret: [newSecret, oldSecret]",
      );
    }
    warnShortSecret(length);
  });  const name = options.name ?? "sid";
  if (typeof name !== "string" || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) fail(`name must be a valid cookie name (got ${JSON.stringify(name)})`);

  const c = options.cookie ?? {};
  const cookie = {
    ...c,
    path: c.path ?? "/",
    httpOnly: c.httpOnly ?? true,
    secure: c.secure ?? ("auto" as const),
    sameSite: c.sameSite ?? ("lax" as const),
  };
  if (c.maxAge !== undefined) positive("cookie.maxAge", c.maxAge, true);
  if (typeof c.maxAge === "number" && c.maxAge > MAX_COOKIE_AGE) warnMilliseconds(c.maxAge);
  if (c.expires !== undefined && !(c.expires instanceof Date && !Number.isNaN(c.expires.getTime()))) fail("cookie.expires must be a valid Date");
  if (typeof cookie.path !== "string" || !cookie.path.startsWith("/")) fail(`cookie.path must start with "/" (got ${JSON.stringify(cookie.path)})`);
  const sameSite = typeof cookie.sameSite === "string" ? cookie.sameSite.toLowerCase() : cookie.sameSite;
  if (![true, false, "lax", "strict", "none"].includes(sameSite as never)) fail(`cookie.sameSite must be "lax", "strict" or "none" (got ${String(cookie.sameSite)})`);
  cookie.sameSite = sameSite as typeof cookie.sameSite;
  if (![true, false, "auto"].includes(cookie.secure as never)) fail(`cookie.secure must be true, false or "auto" (got ${String(cookie.secure)})`);
  // RFC 6265bis §4.1.2.7: SameSite=None requires Secure.
  if (sameSite === "none" && cookie.secure === false) fail('cookie.sameSite "none" requires cookie.secure true or "auto"');
  if (cookie.partitioned && cookie.secure === false && options.compat !== "express-session") fail("cookie.partitioned requires cookie.secure true or \"auto\"");
  // RFC 6265bis §4.1.3: cookie name prefixes.
  if (name.startsWith("__Secure-") && cookie.secure !== true) fail("a __Secure- cookie name requires cookie.secure: true");
  if (name.startsWith("__Host-") && (cookie.secure !== true || cookie.path !== "/" || cookie.domain !== undefined)) {
    fail('a __Host- cookie name requires cookie.secure: true, cookie.path "/" and no cookie.domain');
  }

  const unset = options.unset ?? "keep";
  if (unset !== "keep" && unset !== "destroy") fail(`unset must be "keep" or "destroy" (got ${String(unset)})`);
  const storeTimeout = options.storeTimeout ?? 5000;
  if (typeof storeTimeout !== "number" || !(storeTimeout > 0)) fail(`storeTimeout must be a positive number of milliseconds (got ${String(storeTimeout)})`);
  if (options.genid !== undefined && typeof options.genid !== "function") fail("genid must be a function returning a string");
  if (options.compat !== undefined && options.compat !== "express-session") fail(`compat must be "express-session" or unset (got ${String(options.compat)})`);
  if (options.onEvent !== undefined && typeof options.onEvent !== "function") fail("onEvent must be a function");
  if (options.hmac !== undefined && typeof options.hmac !== "function") fail("hmac must be a function (key, data) => base64 MAC");
  if (options.onError !== undefined && typeof options.onError !== "function") fail("onError must be a function");
  if (![undefined, true, false, "migrate"].includes(options.hashIds as never)) fail(`hashIds must be true, false or "migrate" (got ${String(options.hashIds)})`);
  const encrypt = options.encrypt;
  if (encrypt !== undefined && typeof encrypt !== "boolean" && (encrypt === null || typeof encrypt !== "object" || !("password" in encrypt))) {
    fail("encrypt must be true, false or { password }");
  }
  const commitMode = options.commitMode ?? "overwrite";
  if (commitMode !== "overwrite" && commitMode !== "merge") fail(`commitMode must be "overwrite" or "merge" (got ${String(commitMode)})`);
  if (![undefined, true, false].includes(options.privateWhenSignedIn as never)) fail(`privateWhenSignedIn must be true or false (got ${String(options.privateWhenSignedIn)})`);
  if (options.storage !== undefined && (typeof options.storage !== "object" || typeof options.storage.getItemRaw !== "function")) {
    fail("storage must be an unstorage Storage (createStorage({ driver }))");
  }

  return {
    secrets,
    // An express-session store adds its own prefix (connect-redis: "sess:"), as under express-session.
    prefix: options.prefix ?? (isExpressStore(options.store) || isBridged(options.store) ? "" : "sess:"),
    userPrefix: options.userPrefix ?? "sess-user:",
    name,
    cookie,
    saveUninitialized: options.saveUninitialized ?? false,
    resave: options.resave ?? false,
    rolling: options.rolling ?? false,
    unset,
    proxy: options.proxy ?? false,
    idleTimeout: positive("idleTimeout", options.idleTimeout),
    absoluteTimeout: positive("absoluteTimeout", options.absoluteTimeout),
    touchAfter: positive("touchAfter", options.touchAfter, true),
    renewAfter: positive("renewAfter", options.renewAfter),
    renewGrace: positive("renewGrace", options.renewGrace, true) ?? 10,
    storeTimeout,
    genid: options.genid,
    hashIds: options.hashIds ?? false,
    encrypt: encrypt === true ? passwordsOf(secrets) : encrypt ? encrypt.password : undefined,
    onEvent: options.onEvent,
    hmac: options.hmac,
    onError: options.onError,
    commitMode,
    privateWhenSignedIn: options.privateWhenSignedIn === true,
    clearSiteData: options.clearSiteData === true ? '"cache", "cookies", "storage"' : typeof options.clearSiteData === "string" && options.clearSiteData !== "" ? options.clearSiteData : undefined,
  };
}
