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

/** A cookie-keeping client. */
export interface Client {
  cookie: string | undefined;
  /** The server this client talks to (change it to carry the cookie to another server). */
  base: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  text(path: string, init?: RequestInit): Promise<string>;
}

/** A client that keeps the session cookie between requests, like a browser would. */
export function client(base: string, name = "connect.sid"): Client {
  let cookie: string | undefined;
  return {
    base,
    get cookie() {
      return cookie;
    },
    set cookie(value: string | undefined) {
      cookie = value;
    },
    async fetch(path: string, init: RequestInit = {}): Promise<Response> {
      const headers = new Headers(init.headers);
      if (cookie && !headers.has("cookie")) headers.set("cookie", cookie);
      const response = await fetch(this.base + path, { ...init, headers, redirect: "manual" });
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

/** What `spyStore` returns. */
export interface SpyStore {
  store: any;
  data: Map<string, string>;
  calls: { op: string; sid: string }[];
  failing: Set<string>;
  count(op: string): number;
  reset(): void;
}

/** A spying express-session store (callback API) over a Map, counting calls; ops in `failing` fail. */
export function spyStore(Store: any): SpyStore {
  const data = new Map<string, string>();
  const calls: { op: string; sid: string }[] = [];
  const failing = new Set<string>();
  function SpyStore(this: any) {
    Store.call(this);
  }
  Object.setPrototypeOf(SpyStore.prototype, Store.prototype);
  const proto = SpyStore.prototype as any;
  const answer = (op: string, cb: any, value?: unknown) =>
    setImmediate(() => (failing.has(op) ? cb?.(Object.assign(new Error(`spy store ${op} failed`), { code: "ESPY" })) : cb?.(null, value)));
  proto.get = function (sid: string, cb: any) {
    calls.push({ op: "get", sid });
    const raw = data.get(sid);
    answer("get", cb, raw === undefined ? undefined : JSON.parse(raw));
  };
  proto.set = function (sid: string, sess: any, cb: any) {
    calls.push({ op: "set", sid });
    if (!failing.has("set")) data.set(sid, JSON.stringify(sess));
    answer("set", cb);
  };
  proto.destroy = function (sid: string, cb: any) {
    calls.push({ op: "destroy", sid });
    if (!failing.has("destroy")) data.delete(sid);
    answer("destroy", cb);
  };
  const store = new (SpyStore as any)();
  return {
    store,
    data,
    calls,
    failing,
    count: (op: string) => calls.filter((c) => c.op === op).length,
    reset: () => void (calls.length = 0),
  };
}

/** The data of a `req.session`: its own enumerable properties but `cookie` (which express-session lists among them). */
export const dataOf = (session: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(session)) if (key !== "cookie") out[key] = session[key];
  return out;
};

/** An Express app with the session middleware and routes that exercise `req.session`. Errors land in `errors`. */
export async function sessionApp(
  middleware: any,
  setup?: (app: any) => void,
): Promise<{ app: any; errors: any[]; nextError: () => Promise<any> }> {
  const { default: express } = await import("express");
  const app = express();
  const errors: any[] = [];
  const waiters: ((err: any) => void)[] = [];
  /** Resolves with the next error that reaches the error handler (or the latest one, when one already came). */
  const nextError = (): Promise<any> => (errors.length > 0 ? Promise.resolve(errors.at(-1)) : new Promise((resolve) => waiters.push(resolve)));
  app.use(middleware);
  setup?.(app);
  const cb = (res: any, next: any, body = "ok") => (err: unknown) => (err ? next(err) : res.send(body));
  app.get("/get", (req: any, res: any) => res.json({ data: req.session ? dataOf(req.session) : null, id: req.sessionID ?? null }));
  app.get("/set", (req: any, res: any) => {
    for (const [k, v] of Object.entries(req.query)) req.session[k] = v;
    res.send("ok");
  });
  app.get("/noop", (_req: any, res: any) => res.send("ok"));
  app.get("/cookie", (req: any, res: any) => {
    const c = req.session.cookie;
    res.json({ maxAge: c.maxAge, originalMaxAge: c.originalMaxAge, expires: c.expires, httpOnly: c.httpOnly, path: c.path, secure: c.secure });
  });
  app.get("/regenerate", (req: any, res: any, next: any) => req.session.regenerate(cb(res, next)));
  app.get("/destroy", (req: any, res: any, next: any) => req.session.destroy(cb(res, next)));
  app.get("/reload", (req: any, res: any, next: any) => req.session.reload(cb(res, next)));
  app.get("/save", (req: any, res: any, next: any) => req.session.save(cb(res, next)));
  app.use((err: any, _req: any, res: any, _next: any) => {
    errors.push(err);
    for (const resolve of waiters.splice(0)) resolve(err);
    if (res.headersSent) return;
    res.status(err.status ?? 500).send(`error: ${err.message}`);
  });
  return { app, errors, nextError };
}
