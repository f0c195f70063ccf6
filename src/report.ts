/**
 * Error reporting: every error the session layer causes or meets reaches `onError` once, with its cause;
 * without one, a single `console.error` line that names the code and what happened — never an ID, a record
 * or a stack (OWASP Logging Cheat Sheet: no session identifiers in logs).
 * @module
 */
import { UnsessionError } from "./errors.ts";
import type { ErrorContext } from "./types.ts";

/** @internal Reports an error once; anything but an `UnsessionError` is wrapped first. */
export type Report = (error: unknown, context?: ErrorContext) => void;

// A run of ID-alphabet characters long enough to be a session ID, a MAC or a store key's tail.
const TOKEN = /[A-Za-z0-9_+/=%.:-]{16,}/g;

/** The default line: `[unsession] ERR_STORE_READ: the session store failed to read (cause: Error: connect ECONNREFUSED …)`. */
export function errorLine(error: UnsessionError): string {
  const message = error.message.replace(/^\[unsession] /, "");
  const cause = error.cause;
  let tail = "";
  if (cause !== undefined && cause !== null && !(cause instanceof Error && message.includes(cause.message))) {
    // A driver's message may quote a key (and so an ID): long tokens are cut out, and the length is bounded.
    const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : typeof cause === "string" ? cause : typeof cause;
    tail = ` (cause: ${text.split("\n")[0]!.replace(TOKEN, (token) => (/^[a-z.:]+$/i.test(token) ? token : "…")).slice(0, 200)})`;
  }
  return `[unsession] ${error.code}: ${message}${tail}`;
}

/** @internal */
export function createReporter(onError: ((error: UnsessionError, context: ErrorContext) => void) | undefined): Report {
  // Errors already reported: the same error may pass the store layer, the commit and an adapter on its way out.
  const seen = new WeakSet<object>();
  return (error, context = { source: "adapter" }) => {
    const e = error instanceof UnsessionError ? error : new UnsessionError("ERR_STATE", "unexpected error in the session layer", { cause: error });
    if (seen.has(e) || (error !== null && typeof error === "object" && seen.has(error))) return;
    seen.add(e);
    if (error !== null && typeof error === "object") seen.add(error);
    try {
      if (onError) onError(e, context);
      else console.error(errorLine(e));
    } catch {
      // A failing hook must not fail the request.
    }
  };
}
