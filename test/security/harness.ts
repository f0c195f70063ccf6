/**
 * Shared pieces of the security suites: a store whose every call can be made to fail or hang,
 * a black-box app on `sessions.wrap()` with the routes the checklist needs, and cookie helpers.
 * @module
 */
import { createSessions, memoryStore, type SessionEvent, type SessionOptions, type Sessions, type SessionStore } from "../../src/index.ts";

/** A secret of the minimum length, for these suites only. */
export const SECRET = "security-suite-secret-0123456789-abcdef";
/** A second secret, for rotation. */
export const SECRET_NEW = "security-suite-rotated-secret-0123456789";

/** The message a failing driver throws: it must never reach a response. */
export const DRIVER_MESSAGE = "ECONNREFUSED 10.9.8.7:6379 driver-internal-detail";

/** What each fault does: fail with the driver error, or never answer. */
export type Fault = "fail" | "hang" | undefined;

/** A `SessionStore` over the memory store, async like a network store, with fault injection and call counts. */
export interface FaultyStore extends SessionStore {
  reads: number;
  writes: number;
  deletes: number;
  /** Keys written, in order. */
  written: string[];
  faults: { get?: Fault; set?: Fault; delete?: Fault };
  /** Direct access, bypassing counts and faults. */
  raw: { get(key: string): string | null; set(key: string, value: string, ttl?: number): void; has(key: string): boolean; delete(key: string): void };
  reset(): void;
}

/** Creates a `FaultyStore`. */
export function faultyStore(): FaultyStore {
  const inner = memoryStore();
  const act = <T>(fault: Fault, fn: () => T): Promise<T> => {
    if (fault === "hang") return new Promise<T>(() => {});
    if (fault === "fail") return Promise.reject(new Error(DRIVER_MESSAGE));
    return Promise.resolve().then(fn);
  };
  const store: FaultyStore = {
    reads: 0,
    writes: 0,
    deletes: 0,
    written: [],
    faults: {},
    get(key) {
      store.reads++;
      return act(store.faults.get, () => inner.get(key));
    },
    set(key, value, ttl) {
      store.writes++;
      store.written.push(key);
      return act(store.faults.set, () => inner.set(key, value, ttl));
    },
    delete(key) {
      store.deletes++;
      return act(store.faults.delete, () => inner.delete(key));
    },
    raw: {
      get: (key) => inner.get(key),
      set: (key, value, ttl = 3600) => inner.set(key, value, ttl),
      has: (key) => inner.get(key) !== null,
      delete: (key) => inner.delete(key),
    },
    reset() {
      store.reads = store.writes = store.deletes = 0;
      store.written = [];
    },
  };
  return store;
}

/** Data the checklist app keeps. */
export type AppData = { user?: string; note?: string; n?: number; [key: string]: unknown };

/** A request to the app: path, cookie header, extra headers, base URL, method, body. */
export interface Call {
  cookie?: string | null;
  headers?: Record<string, string>;
  base?: string;
  method?: string;
  body?: string;
}

/** The checklist app: the core behind `wrap`, its store and its recorded events. */
export interface App {
  sessions: Sessions<AppData>;
  store: FaultyStore;
  events: SessionEvent[];
  /** How many times a route handler ran. */
  handled: number;
  fetch(path: string, call?: Call): Promise<Response>;
}

/**
 * Routes: `/login?user=` (regenerate + setUser), `/login-keep` (regenerate keeping data), `/set?k=&v=`,
 * `/me` (JSON of the data), `/logout` (destroy), `/peek` (reads only), `/redirect` (login then 302),
 * `/bigint`, `/cycle`, `/map`, `/instance` (unserialisable data), `/inc`.
 */
export function makeApp(options: Partial<SessionOptions> = {}, store: FaultyStore = faultyStore()): App {
  const events: SessionEvent[] = [];
  const sessions = createSessions<AppData>({
    secret: SECRET,
    store,
    onEvent: (e) => events.push(e),
    ...options,
  });
  const app: App = {
    sessions,
    store,
    events,
    handled: 0,
    fetch: (path, call = {}) => {
      const headers = new Headers(call.headers);
      if (call.cookie) headers.set("cookie", call.cookie);
      return handler(new Request(`${call.base ?? "http://127.0.0.1"}${path}`, { method: call.method ?? "GET", headers, body: call.body }));
    },
  };
  const handler = sessions.wrap(async (request, session) => {
    app.handled++;
    const url = new URL(request.url);
    const q = url.searchParams;
    // Routes also answer under /app/, for the cookie Path tests.
    switch (url.pathname.replace(/^\/app(?=\/)/, "")) {
      case "/login": {
        await session.regenerate();
        session.data.user = q.get("user") ?? "alice";
        session.setUser(session.data.user);
        return new Response("in");
      }
      case "/login-keep":
        await session.regenerate({ keepData: true });
        session.data.user = q.get("user") ?? "alice";
        return new Response("in");
      case "/redirect":
        await session.regenerate();
        session.data.user = "redirected";
        return Response.redirect("http://127.0.0.1/home", 302);
      case "/set":
        session.data[q.get("k") ?? "note"] = q.get("v") ?? "x";
        return new Response("set");
      case "/inc":
        session.data.n = (session.data.n ?? 0) + 1;
        return new Response(String(session.data.n));
      case "/logout":
        await session.destroy();
        return new Response("out");
      case "/bigint":
        session.data.big = 10n;
        return new Response("ok");
      case "/cycle": {
        const a: Record<string, unknown> = {};
        a.self = a;
        session.data.cycle = a;
        return new Response("ok");
      }
      case "/map":
        session.data.map = new Map([["a", 1]]);
        return new Response("ok");
      case "/instance":
        session.data.inst = new (class Point {
          x = 1;
        })();
        return new Response("ok");
      case "/peek":
        return Response.json({ user: session.data.user ?? null, note: session.data.note ?? null, isNew: session.isNew });
      case "/me":
      default:
        return Response.json({ ...session.data, isNew: session.isNew });
    }
  });
  return app;
}

/** The `name=value` of a response's `Set-Cookie`, or `null`. */
export function pairOf(response: Response): string | null {
  const header = response.headers.get("set-cookie");
  return header ? header.split(";")[0]!.trim() : null;
}

/** The ID inside a `name=s%3A<id>.<mac>` pair or a `Set-Cookie`. */
export function idIn(cookie: string): string {
  const value = decodeURIComponent(cookie.split(";")[0]!.slice(cookie.indexOf("=") + 1));
  return value.slice(2, value.lastIndexOf("."));
}

/** The attributes of a `Set-Cookie`, lower-cased names. */
export function attrs(setCookie: string): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (const part of setCookie.split(";").slice(1)) {
    const [k, ...v] = part.trim().split("=");
    out[k!.toLowerCase()] = v.length ? v.join("=") : true;
  }
  return out;
}

/** Lets fire-and-forget work (events, background removals) settle. */
export const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 10));
