/**
 * Driving a server inside one process, with stand-ins for the socket (no network, no HTTP parser): a fetch handler
 * through @hono/node-server's own request listener, or a Node listener (Express) with real `IncomingMessage` and
 * `ServerResponse` objects over a socket that drops what is written. What the framework and our code cost per
 * request, without the kernel's share. Used by `bench:account`, `bench:ab` and `bench:pair`.
 * @module
 */
import { getRequestListener } from "@hono/node-server";
import { IncomingMessage, ServerResponse } from "node:http";
import { Writable } from "node:stream";
import type { BenchApp } from "./apps.ts";

/** The last response the driver saw. */
export interface Seen {
  status: number;
  headers: Record<string, unknown>;
  body: unknown;
}

/** A driver for one fetch handler: `call` sends one request and resolves when the response has ended. */
export interface Driver {
  call(method: string, cookie?: string): Promise<void>;
  /** `n` GETs one after the other, with the cookie `seed()` took. */
  run(n: number): Promise<void>;
  /** Sends the seeding POST and keeps the session cookie it set. */
  seed(): Promise<void>;
  seen(): Seen;
}

/** A driver from a way to send one request and to read the last response: GETs carry the cookie the seed got. */
const withSession = (call: Driver["call"], seen: () => Seen): Driver => {
  let cookie: string | undefined;
  return {
    call,
    async run(n) {
      for (let i = 0; i < n; i++) await call("GET", cookie);
    },
    async seed() {
      await call("POST");
      const setCookie = seen().headers["set-cookie"];
      cookie = String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(";")[0];
    },
    seen,
  };
};

/** The driver for a bench server, whichever kind it is. */
export const driverFor = (app: BenchApp): Driver => (app.kind === "fetch" ? driver(app.fetch) : nodeDriver(app.listener));

/** A driver for a fetch handler, through @hono/node-server's listener. */
export function driver(fetch: (request: Request) => Response | Promise<Response>): Driver {
  const listener = getRequestListener(fetch);
  let finished: () => void = () => {};
  let seen: Seen = { status: 0, headers: {}, body: undefined };
  /** The parts of ServerResponse that node-server calls on its paths; `end` completes the request. */
  const outgoing = () => ({
    writeHead(status: number, headers: Record<string, unknown>) {
      seen = { status, headers, body: undefined };
      return this;
    },
    end(body: unknown) {
      seen.body = body;
      finished();
    },
    write: () => true,
    flushHeaders() {},
    setHeader() {},
    on() {
      return this;
    },
    once() {
      return this;
    },
    writableFinished: true,
  });
  const call = (method: string, cookie?: string): Promise<void> =>
    new Promise((resolve) => {
      finished = resolve;
      const headers: Record<string, string> = { host: "127.0.0.1" };
      const rawHeaders = ["Host", "127.0.0.1"];
      if (cookie) {
        headers.cookie = cookie;
        rawHeaders.push("Cookie", cookie);
      }
      const incoming = { method, url: "/", headers, rawHeaders, socket: { encrypted: false }, readableEnded: true, complete: true, on() {}, once() {} };
      void listener(incoming as unknown as IncomingMessage, outgoing() as unknown as ServerResponse);
    });
  return withSession(call, () => seen);
}

/** A driver for a Node request listener (Express): real request and response objects, a socket that discards. */
export function nodeDriver(listener: (req: IncomingMessage, res: ServerResponse) => void): Driver {
  let seen: Seen = { status: 0, headers: {}, body: undefined };
  const call = (method: string, cookie?: string): Promise<void> =>
    new Promise((resolve) => {
      let body = "";
      const socket = new Writable({
        write(chunk, _encoding, done) {
          body += String(chunk);
          done();
        },
      }) as Writable & Record<string, unknown>;
      Object.assign(socket, { encrypted: false, remoteAddress: "127.0.0.1", setTimeout: () => socket, destroySoon() {} });
      const req = new IncomingMessage(socket as never);
      req.method = method;
      req.url = "/";
      req.httpVersion = "1.1";
      req.httpVersionMajor = 1;
      req.httpVersionMinor = 1;
      req.headers = cookie ? { host: "127.0.0.1", cookie } : { host: "127.0.0.1" };
      req.rawHeaders = cookie ? ["Host", "127.0.0.1", "Cookie", cookie] : ["Host", "127.0.0.1"];
      req.complete = true;
      req.push(null);
      const res = new ServerResponse(req);
      res.assignSocket(socket as never);
      res.on("finish", () => {
        res.detachSocket(socket as never);
        seen = { status: res.statusCode, headers: res.getHeaders() as Record<string, unknown>, body: body.slice(body.indexOf("\r\n\r\n") + 4) };
        resolve();
      });
      listener(req, res);
    });
  return withSession(call, () => seen);
}
