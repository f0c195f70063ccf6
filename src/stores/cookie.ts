/**
 * The cookie store: no store at all. The whole session (data, flash, deadlines) travels sealed in the cookie
 * (AES-256-GCM, `src/seal.ts`); the core detects it (`sealed`) and seals at commit instead of writing a record,
 * unseals at load instead of reading one. Same `Session` API; what only a server-side store can do (revoke one
 * session, list or revoke a user's sessions) fails with `ERR_UNSUPPORTED`. See docs/sealed.md.
 * @module
 */
import { UnsessionError } from "../errors.ts";
import type { SealPasswords } from "../seal.ts";
import type { SessionStore } from "../types.ts";

/** Browsers keep a cookie whose name and value together are at most 4,096 bytes (RFC 6265bis §5.7). */
export const MAX_COOKIE_SIZE = 4096;

/** Options of `cookieStore`. */
export interface CookieStoreOptions {
  /**
   * Password(s) of at least 32 characters the seal's key is derived from. An array rotates (the first seals, all
   * open); an object names keys by ID (`{ 1: "old…", 2: "new…" }`: the highest numeric ID seals, all open).
   * @default the manager's `secret` (its keys are derived apart from the signing ones)
   */
  password?: SealPasswords;
  /** Largest cookie (name + value, in bytes) a commit may send; past it the commit fails with `ERR_COOKIE_SIZE`. @default 4096 */
  maxSize?: number;
}

/** A cookie-only store: what `createSessions` needs to seal sessions into their cookie. Its record methods are never called. */
export interface CookieStore extends SessionStore {
  /** Marks the store as cookie-only: the core seals the session into the cookie instead of calling the store. */
  readonly sealed: { readonly password: SealPasswords | undefined; readonly maxSize: number };
}

const unsupported = (): never => {
  throw new UnsessionError("ERR_UNSUPPORTED", "the cookie store keeps no records: sessions live sealed in their cookie");
};

/**
 * A store that keeps nothing: sessions live sealed in their cookie. Switch to it by changing only `store`:
 *
 * ```ts
 * const sessions = createSessions({ secret, store: cookieStore() });
 * ```
 * A logout clears the cookie, but a copy of an old cookie stays valid until its idle or absolute deadline:
 * keep `idleTimeout` short, or use a server-side store where a session must be revocable.
 */
export function cookieStore(options: CookieStoreOptions = {}): CookieStore {
  const maxSize = options.maxSize ?? MAX_COOKIE_SIZE;
  if (typeof maxSize !== "number" || !Number.isInteger(maxSize) || maxSize < 256 || maxSize > MAX_COOKIE_SIZE) {
    throw new UnsessionError("ERR_OPTIONS", `cookieStore maxSize must be an integer from 256 to ${MAX_COOKIE_SIZE} bytes (got ${String(maxSize)})`);
  }
  return { sealed: { password: options.password, maxSize }, get: unsupported, set: unsupported, delete: unsupported };
}

/** @internal The sealing settings of a cookie store, or `undefined` for any other store. */
export const cookieSealingOf = (store: SessionStore): CookieStore["sealed"] | undefined => {
  const sealed = (store as Partial<CookieStore>).sealed;
  return sealed !== null && typeof sealed === "object" && typeof sealed.maxSize === "number" ? sealed : undefined;
};
