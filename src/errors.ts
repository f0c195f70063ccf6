/**
 * Errors raised by unsession. Every error has a stable `code` so that adapters
 * and applications can branch on it without parsing messages.
 * @module
 */

/** Stable error codes. */
export type UnsessionErrorCode =
  /** Invalid options given to `createSessions` (thrown at construction). */
  | "ERR_OPTIONS"
  /** The store failed (threw or rejected) while reading. */
  | "ERR_STORE_READ"
  /** The store failed while writing or deleting. */
  | "ERR_STORE_WRITE"
  /** A store call did not settle within `storeTimeout`. */
  | "ERR_STORE_TIMEOUT"
  /** A stored record is not a session record (broken JSON, wrong shape). */
  | "ERR_STORE_DATA"
  /** Session data cannot be serialised to JSON (BigInt, cycles, Map, class instances). */
  | "ERR_SERIALIZE"
  /** An operation was used on a session in a state that forbids it. */
  | "ERR_STATE"
  /** A sealed session cookie would exceed the size browsers keep (4,096 bytes for name and value): trim the data. */
  | "ERR_COOKIE_SIZE"
  /** The operation needs a server-side store: a cookie-only session cannot do it (revoke, list a user's sessions). */
  | "ERR_UNSUPPORTED";

/** The one error class of unsession. `status` is the HTTP status an adapter answers with. */
export class UnsessionError extends Error {
  /** A stable machine-readable code. */
  readonly code: UnsessionErrorCode;
  /** The HTTP status that fits this error: 500 for programming errors, 503 for an unavailable store. */
  readonly status: number;

  /** Made by unsession itself; `message` is prefixed with `[unsession]`. */
  constructor(code: UnsessionErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[unsession] ${message}`, options);
    this.name = "UnsessionError";
    this.code = code;
    this.status = code === "ERR_STORE_READ" || code === "ERR_STORE_WRITE" || code === "ERR_STORE_TIMEOUT" ? 503 : 500;
  }
}

/** True for any error raised by unsession. */
export function isUnsessionError(error: unknown): error is UnsessionError {
  return error instanceof UnsessionError;
}

/** True when the error means the store is unavailable (failed or timed out): a 503-class condition. */
export function isStoreUnavailable(error: unknown): error is UnsessionError {
  return error instanceof UnsessionError && error.status === 503;
}
