/**
 * A tiny browser stand-in for core tests: runs a callback on the session of each request through
 * `sessions.wrap`, and keeps the session cookie between requests like a browser would.
 * @module
 */
import type { Session, SessionData, Sessions } from "../../src/index.ts";
import { attribute, cookiePair } from "./spy-storage.ts";

/** What one request gave back. */
export interface Exchange<T> {
  response: Response;
  /** The `Set-Cookie` of the response, or `null`. */
  setCookie: string | null;
  /** What the callback returned. */
  result: T;
}

/** A browser with one cookie jar entry (the session cookie). */
export interface Client<D extends SessionData> {
  /** The `name=value` the client sends, or `null`. */
  cookie: string | null;
  /** Runs `fn` on the session of a request and applies the `Set-Cookie` (Max-Age=0 or an empty value deletes it). */
  run<T>(fn: (session: Session<D>, request: Request) => T | Promise<T>, init?: { url?: string; headers?: Record<string, string> }): Promise<Exchange<Awaited<T>>>;
}

/** A client of `sessions`, starting without a cookie. */
export function client<D extends SessionData>(sessions: Sessions<D>, cookie: string | null = null): Client<D> {
  const self: Client<D> = {
    cookie,
    async run(fn, init = {}) {
      let result: unknown;
      const handler = sessions.wrap(async (req, session) => {
        result = await fn(session, req);
        return new Response("ok");
      });
      const headers = new Headers(init.headers);
      if (self.cookie) headers.set("cookie", self.cookie);
      const response = await handler(new Request(init.url ?? "http://127.0.0.1/", { headers }));
      const setCookie = response.headers.get("set-cookie");
      if (setCookie) {
        const pair = cookiePair(setCookie)!;
        const gone = attribute(setCookie, "Max-Age") === "0" || pair.endsWith("=");
        self.cookie = gone ? null : pair;
      }
      return { response, setCookie, result: result as never };
    },
  };
  return self;
}
