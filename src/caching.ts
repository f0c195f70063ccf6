/**
 * Caching headers of session responses, as Django's session middleware sets them (checklist 29):
 * `Vary: Cookie` on every response of a request that read the session; `Cache-Control: no-store` on a
 * response that sets or clears the cookie; `Cache-Control: private, no-store` on a page marked with
 * `session.noStore()` or, with the `privateWhenSignedIn` option, on every page that read a signed-in session.
 * @module
 */
import { stateOf, type Session } from "./session.ts";
import type { CacheHeaders, CurrentCacheHeaders, HeaderValue } from "./types.ts";

/** What a response that sets or clears the session cookie gets: shared caches must never keep it. */
export const NO_STORE = "no-store";
/** What a page that shows a signed-in user's data gets: no cache keeps it, so Back after logout reloads it. */
export const PRIVATE_NO_STORE = "private, no-store";

const text = (value: HeaderValue): string =>
  value === null || value === undefined ? "" : typeof value === "object" ? value.join(", ") : String(value);

/** `vary` with `Cookie` appended; undefined when it already names `Cookie` or `*` (never duplicated). */
export function varyWithCookie(vary: HeaderValue): string | undefined {
  const current = text(vary).trim();
  if (current === "") return "Cookie";
  for (const field of current.split(",")) {
    const name = field.trim().toLowerCase();
    if (name === "cookie" || name === "*") return undefined;
  }
  return `${current}, Cookie`;
}

/** @internal The manager's option that `cacheHeadersOf` needs. */
export interface CachingOptions {
  /** Mark every response that read a signed-in session `private, no-store` (unless it has its own `Cache-Control`). */
  privateWhenSignedIn: boolean;
}

/**
 * @internal The caching headers of one response. `setCookie` is what the commit returned (null: no cookie sent).
 * Returns undefined when nothing is to change (the hot path of a request that never touched its session).
 */
export function cacheHeadersOf(
  o: CachingOptions,
  session: Session<any> | undefined,
  setCookie: string | null,
  current: CurrentCacheHeaders,
): CacheHeaders | undefined {
  const s = session === undefined ? undefined : stateOf(session);
  const read = s?.read === true;
  if (setCookie === null && !read) return undefined;
  const out: CacheHeaders = {};
  if (read) {
    const vary = varyWithCookie(current.vary);
    if (vary !== undefined) out.vary = vary;
  }
  if (setCookie !== null) {
    // A response that carries the cookie is never stored, whatever the app said: a shared cache would hand it to others.
    out.cacheControl = NO_STORE;
  } else if (s!.noStore === true) {
    out.cacheControl = PRIVATE_NO_STORE;
  } else if (o.privateWhenSignedIn && s!.meta.u !== undefined && !s!.destroyed && text(current.cacheControl).trim() === "") {
    out.cacheControl = PRIVATE_NO_STORE;
  }
  return out.vary === undefined && out.cacheControl === undefined ? undefined : out;
}
