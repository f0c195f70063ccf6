/**
 * Helpers of the Express adapter tests: a listening server on 127.0.0.1:0 and a tiny cookie-aware client.
 * @module
 */
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const SECRET = "express-test-secret-0123456789-abcdefgh";
export const SECRET_2 = "express-test-secret-2-0123456789-abcdef";

/** A server listening on a free port of 127.0.0.1. */
export interface Listening {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Listens with an Express app or any request listener. */
export async function listen(handler: RequestListener | ((req: any, res: any) => void)): Promise<Listening> {
  const server = createServer(handler as RequestListener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The Set-Cookie values of a response for one cookie name. */
export const setCookies = (response: Response, name = "connect.sid"): string[] =>
  response.headers.getSetCookie().filter((line) => line.startsWith(`${name}=`));

/** `name=value` of the last Set-Cookie for `name`, ready for a Cookie header; undefined when none. */
export const cookieOf = (response: Response, name = "connect.sid"): string | undefined => {
  const line = setCookies(response, name).at(-1);
  return line?.split(";")[0];
};

/** A client that keeps the session cookie between requests, like a browser would. */
export function client(base: string, name = "connect.sid") {
  let cookie: string | undefined;
  return {
    get cookie() {
      return cookie;
    },
    set cookie(value: string | undefined) {
      cookie = value;
    },
    async fetch(path: string, init: RequestInit = {}): Promise<Response> {
      const headers = new Headers(init.headers);
      if (cookie && !headers.has("cookie")) headers.set("cookie", cookie);
      const response = await fetch(base + path, { ...init, headers, redirect: "manual" });
      const next = cookieOf(response, name);
      if (next !== undefined) cookie = /=($|;)/.test(next + ";") && next.endsWith("=") ? undefined : next;
      return response;
    },
    async text(path: string, init?: RequestInit): Promise<string> {
      return (await this.fetch(path, init)).text();
    },
  };
}

/** Attributes of one Set-Cookie line, lower-cased names. */
export function attributes(line: string): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (const part of line.split(";").slice(1)) {
    const [k, ...v] = part.trim().split("=");
    out[k!.toLowerCase()] = v.length ? v.join("=") : true;
  }
  return out;
}
