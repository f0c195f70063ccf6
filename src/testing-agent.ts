/**
 * The conformance suite's client: a cookie jar that runs one handler per request through `sessions.wrap`,
 * and small helpers shared by the suite's sections.
 * @module
 */
import type { Session } from "./session.ts";
import type { Sessions } from "./sessions.ts";
import type { MaybePromise } from "./types.ts";

/** @internal The suite's signing secret. */
export const SECRET = "conformance-suite-secret-0123456789abcdef";
/** @internal Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A tiny cookie-jar client that runs one handler per request through `sessions.wrap`. */
export class Agent {
  cookie = "";
  constructor(readonly sessions: Sessions) {}

  /** Runs `fn` as a request handler and returns its JSON result and response status. */
  async run<T>(fn: (session: Session) => MaybePromise<T>): Promise<{ status: number; body: T; setCookie: string | null }> {
    const handler = this.sessions.wrap(async (_request, session) => Response.json((await fn(session)) ?? null));
    const response = await handler(new Request("http://127.0.0.1/", { headers: this.cookie ? { cookie: this.cookie } : {} }));
    const setCookie = response.headers.get("set-cookie");
    if (setCookie) {
      const pair = setCookie.split(";")[0]!;
      this.cookie = /max-age=0(;|$)/i.test(setCookie) || pair.endsWith("=") ? "" : pair;
    }
    const text = await response.text();
    let body: T;
    try {
      body = JSON.parse(text) as T;
    } catch {
      body = text as T;
    }
    return { status: response.status, body, setCookie };
  }

  /** The session ID in the jar. */
  get id(): string {
    const value = decodeURIComponent(this.cookie.slice(this.cookie.indexOf("=") + 1));
    return value.slice(2, value.lastIndexOf("."));
  }
}

/** @internal Random bytes as base64. */
export const randomText = (bytes: number): string => {
  const buffer = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 65_536) crypto.getRandomValues(buffer.subarray(i, Math.min(bytes, i + 65_536)));
  let binary = "";
  for (let i = 0; i < buffer.length; i++) binary += String.fromCharCode(buffer[i]!);
  return btoa(binary);
};
