/**
 * From a session-aware handler to a plain fetch handler, and the response side of a commit.
 * @module
 */
import { cacheHeadersOf } from "./caching.ts";
import { UnsessionError } from "./errors.ts";
import type { ResolvedOptions } from "./options.ts";
import type { Session } from "./session.ts";
import type { SessionHandler, WrapOptions } from "./sessions.ts";
import type { ErrorContext, LoadOptions, MaybePromise, RequestLike } from "./types.ts";

/** The plain error response of the core: no stack, driver message, key or ID (checklist 27). */
export function errorResponse(error: unknown): Response {
  const status = error instanceof UnsessionError ? error.status : 500;
  return new Response(status === 503 ? "Service Unavailable" : "Internal Server Error", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}

/**
 * @internal Adds `Set-Cookie` and the caching headers (see caching.ts) to a response, optionally `Clear-Site-Data`.
 * Without `session`, only a response that carries a cookie changes (`Cache-Control: no-store`).
 */
export function createApplyCookie(o: ResolvedOptions): (response: Response, setCookie: string | null, session?: Session<any>) => Response {
  const clearPrefix = `${o.name}=;`;
  return (response: Response, setCookie: string | null, session?: Session<any>): Response => {
    if (setCookie === null && (session === undefined || !session.accessed)) return response;
    const headers = response.headers;
    // Read only when needed: Cache-Control matters to privateWhenSignedIn alone.
    const cache = cacheHeadersOf(o, session, setCookie, { vary: headers.get("vary"), cacheControl: o.privateWhenSignedIn ? headers.get("cache-control") : null });
    if (setCookie === null && cache === undefined) return response;
    // OWASP session cheat sheet: optionally ask the browser to drop what it kept for the site on logout.
    const clearSite = o.clearSiteData !== undefined && setCookie !== null && setCookie.startsWith(clearPrefix) ? o.clearSiteData : undefined;
    const add = (headers: Headers): void => {
      if (setCookie !== null) headers.append("set-cookie", setCookie);
      if (cache?.vary !== undefined) headers.set("vary", cache.vary);
      if (cache?.cacheControl !== undefined) headers.set("cache-control", cache.cacheControl);
      if (clearSite !== undefined) headers.set("clear-site-data", clearSite);
    };
    try {
      add(headers);
      return response;
    } catch {
      // Immutable headers (Response.redirect, fetch results): copy the response.
      const copy = new Response(response.body, response);
      add(copy.headers);
      return copy;
    }
  };
}

/** @internal What `wrapHandler` needs from the manager. */
export interface WrapDeps<D extends object> {
  loadFast(input: Request | RequestLike, options?: LoadOptions): MaybePromise<Session<D>>;
  commitFast(session: Session<D>): MaybePromise<string | null>;
  applyCookie(response: Response, setCookie: string | null, session?: Session<D>): Response;
  report(error: unknown, context?: ErrorContext): void;
}

/** @internal The implementation of `sessions.wrap`. */
export function wrapHandler<D extends object, A extends unknown[]>(
  deps: WrapDeps<D>,
  handler: SessionHandler<D, A>,
  wrapOptions?: WrapOptions<A>,
): (request: Request, ...rest: A) => Promise<Response> {
  const { loadFast, commitFast, applyCookie, report } = deps;
  const respond = wrapOptions?.onError ?? ((error: UnsessionError) => errorResponse(error));
  // Every session error that becomes an error response is reported (once: the core may have reported it already).
  const onError = (error: UnsessionError, request: Request): Response | Promise<Response> => {
    report(error);
    return respond(error, request);
  };
  return async (request, ...rest) => {
    let session: Session<D>;
    try {
      session = await loadFast(request, { waitUntil: wrapOptions?.waitUntil?.(...rest) });
    } catch (error) {
      if (!(error instanceof UnsessionError)) throw error;
      return onError(error, request);
    }
    let response: Response;
    try {
      response = await handler(request, session, ...rest);
    } catch (error) {
      // A failed logout still clears the cookie (checklist 26); other changes of a failed handler are not committed.
      if (error instanceof UnsessionError) {
        const out = await onError(error, request);
        return session.destroyed ? applyCookie(out, await commitFast(session), session) : out;
      }
      throw error;
    }
    try {
      return applyCookie(response, await commitFast(session), session);
    } catch (error) {
      if (!(error instanceof UnsessionError)) throw error;
      return onError(error, request);
    }
  };
}
