/**
 * The benchmark servers: one route (`/`, any method) per server, one handler per scenario.
 *
 * - S0: bare framework, the handler answers "ok".
 * - S1: session middleware mounted, the request has no cookie, the handler reads `views`.
 * - S2: valid cookie, the handler reads `views`.
 * - S3: valid cookie, the handler increments `views`.
 *
 * A POST (sent once by the runner before S2/S3) seeds the session with `views = 1`; wrk only sends GETs.
 * Every store is in memory and counts its writes (set, touch, delete) in `stats.writes`. The `-cookie` servers keep
 * the session sealed in the cookie (no store): their writes/req is 0 by construction, and a new Set-Cookie is their write.
 * iron-session, the best-known cookie-only library, is not installed here and has no row.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createSessions, memoryStore, type Session, type SessionStore } from "../src/index.ts";
import { buildFloor, FLOORS } from "./floors.ts";
import { countWrites } from "./counting.ts";
import { buildPeer, PEERS } from "./peers.ts";
import { buildPart, PARTS } from "./parts.ts";

export type Scenario = "S0" | "S1" | "S2" | "S3";

/** Counters read by the runner over IPC. */
export interface Stats {
  requests: number;
  writes: number;
}

/** A server ready to listen: a fetch handler (served through @hono/node-server) or a Node request listener. */
export type BenchApp =
  | { kind: "fetch"; fetch: (request: Request) => Response | Promise<Response> }
  | { kind: "node"; listener: (req: IncomingMessage, res: ServerResponse) => void };

/** Secret shared by every server (32+ characters; @hono/session derives its key from it). */
export const SECRET = "bench-secret-bench-secret-bench-secret-0123456789";

/** The servers, in table order. `bare` names the framework baseline of each. */
export const SERVERS: readonly { name: string; framework: "hono" | "express"; bare: boolean; label: string; needs?: string; only?: Scenario }[] = [
  { name: "hono-unsession", framework: "hono", bare: false, label: "Hono + unsession", needs: "adapters/hono.ts" },
  { name: "hono", framework: "hono", bare: true, label: "bare Hono", only: "S0" },
  { name: "hono-unsession-profile", framework: "hono", bare: false, label: "Hono + unsession, a signed-in shopper's session (user, cart: ~0.6 KB of JSON)", needs: "adapters/hono.ts" },
  { name: "hono-unsession-unstorage", framework: "hono", bare: false, label: "Hono + unsession, an unstorage memory driver as `storage`" },
  { name: "hono-unsession-wrap", framework: "hono", bare: false, label: "Hono + unsession core in a handler wrapper (prototype, no middleware)" },
  ...FLOORS.map(([name, label, scenarios]) => ({ name, framework: "hono" as const, bare: false, label, ...(scenarios.length === 1 ? { only: scenarios[0] } : {}) })),
  ...PARTS.map(([name, label]) => ({ name, framework: "hono" as const, bare: false, label: `S2 part: ${label}`, only: "S2" as const })),
  { name: "hono-session", framework: "hono", bare: false, label: "Hono + @hono/session" },
  { name: "hono-sessions", framework: "hono", bare: false, label: "Hono + hono-sessions" },
  { name: "hono-unsession-cookie", framework: "hono", bare: false, label: "Hono + unsession `cookieStore()` (sealed cookie, no store)", needs: "src/stores/cookie.ts" },
  { name: "hono-session-cookie", framework: "hono", bare: false, label: "Hono + @hono/session, data in its JWE cookie (no storage)" },
  { name: "hono-sessions-cookie", framework: "hono", bare: false, label: "Hono + hono-sessions `CookieStore`" },
  { name: "hono-iron-session", framework: "hono", bare: false, label: "Hono + iron-session (sealed cookie, no store)" },
  { name: "express-unsession", framework: "express", bare: false, label: "Express + unsession", needs: "adapters/express/index.ts" },
  { name: "express-session", framework: "express", bare: false, label: "Express + express-session" },
  {
    name: "express-session-dict",
    framework: "express",
    bare: false,
    label: "Express + express-session, `req`/`res` first switched to dictionary properties as our adapter does (reference: session work alone)",
  },
  { name: "express", framework: "express", bare: true, label: "bare Express", only: "S0" },
];

const root = fileURLToPath(new URL("..", import.meta.url));
/** True when the server's module exists in this checkout (our adapters may not be written yet). */
export const available = (server: { needs?: string }): boolean => !server.needs || existsSync(root + server.needs);

type Views = { views?: number };

/** Builds one server for one scenario. */
export async function build(name: string, scenario: Scenario, stats: Stats): Promise<BenchApp> {
  const write = scenario === "S3";
  if (name.startsWith("hono-part-")) return buildPart(name, SECRET, countingStore(stats), stats);
  if (FLOORS.some(([floor]) => floor === name)) return buildFloor(name, scenario, stats);
  if (PEERS.includes(name)) return buildPeer(name, scenario, stats, SECRET);
  switch (name) {
    case "hono": {
      const { Hono } = await import("hono");
      const app = new Hono();
      app.all("/", (c) => {
        stats.requests++;
        return c.text("ok");
      });
      return { kind: "fetch", fetch: app.fetch };
    }
    case "hono-unsession":
      return honoUnsession({ secret: SECRET, store: countingStore(stats) }, stats, write);
    case "hono-unsession-profile":
      return honoUnsession({ secret: SECRET, store: countingStore(stats) }, stats, write, true);
    case "hono-unsession-unstorage": {
      // The README's other configuration: any unstorage driver as `storage` (its API is asynchronous).
      const { createStorage } = await import("unstorage");
      const storage = createStorage();
      countWrites(storage, ["setItemRaw", "removeItem"], stats);
      return honoUnsession({ secret: SECRET, storage }, stats, write);
    }
    case "hono-unsession-wrap": {
      // What the core allows without a middleware: Hono keeps its synchronous single-handler path
      // (no compose, no await) when a route has one handler and it returns a Response.
      const { Hono } = await import("hono");
      const sessions = createSessions<Views>({ secret: SECRET, store: countingStore(stats) });
      type S = Session<Views>;
      const finish = (s: S, res: Response): Response | Promise<Response> => {
        const setCookie = sessions.commitFast(s);
        return setCookie instanceof Promise ? setCookie.then((v) => sessions.applyCookie(res, v, s)) : sessions.applyCookie(res, setCookie, s);
      };
      const withSession =
        (handler: (c: import("hono").Context, s: S) => Response | Promise<Response>) =>
        (c: import("hono").Context): Response | Promise<Response> => {
          const run = (s: S) => {
            const res = handler(c, s);
            return res instanceof Promise ? res.then((r) => finish(s, r)) : finish(s, res);
          };
          const loaded = sessions.loadFast({ cookie: c.req.header("cookie"), secure: c.req.url.startsWith("https:"), path: "/" });
          return loaded instanceof Promise ? loaded.then(run) : run(loaded);
        };
      const app = new Hono();
      app.all(
        "/",
        withSession((c, s) => {
          stats.requests++;
          const data = s.data;
          const views = data.views;
          if (write) data.views = (views ?? 0) + 1;
          else if (c.req.method === "POST") data.views = 1;
          return c.text(String(views ?? 0));
        }),
      );
      return { kind: "fetch", fetch: app.fetch };
    }
    case "hono-unsession-cookie": {
      const { cookieStore } = await import("../src/index.ts");
      return honoUnsession({ secret: SECRET, store: cookieStore() }, stats, write);
    }
    case "express": {
      const express = (await import("express")).default;
      const app = express();
      app.all("/", (_req, res) => {
        stats.requests++;
        res.send("ok");
      });
      return { kind: "node", listener: app };
    }
    case "express-session":
    case "express-session-dict": {
      const express = (await import("express")).default;
      const session = (await import("express-session")).default;
      const store = new session.MemoryStore();
      countWrites(store, ["set", "touch", "destroy"], stats);
      const app = express();
      if (name === "express-session-dict") {
        // What our adapter does first (adapters/express/middleware.ts, toDictionary): req and res switched to
        // dictionary properties, which makes every property Express and the session add afterwards cheap.
        const scratch = Symbol("scratch");
        const toDictionary = (o: Record<symbol, unknown>) => {
          o[scratch] = undefined;
          delete o[scratch];
        };
        app.use((req, res, next) => {
          toDictionary(req as never);
          toDictionary(res as never);
          next();
        });
      }
      app.use(session({ secret: SECRET, name: "sid", resave: false, saveUninitialized: false, store }));
      app.all("/", (req, res) => {
        stats.requests++;
        const data = req.session as unknown as Views;
        const views = data.views;
        if (write) data.views = (views ?? 0) + 1;
        else if (req.method === "POST") data.views = 1;
        res.send(String(views ?? 0));
      });
      return { kind: "node", listener: app };
    }
    case "express-unsession": {
      const express = (await import("express")).default;
      const session = (await import("../adapters/express/index.ts")).default;
      const app = express();
      // The adapter's default store (its MemoryStore, as in the README's app), with its writes counted.
      app.use(session({ secret: SECRET, resave: false, saveUninitialized: false, store: await countingMemoryStore(stats) }));
      app.all("/", (req, res) => {
        stats.requests++;
        const data = (req as unknown as { session: Views }).session;
        const views = data.views;
        if (write) data.views = (views ?? 0) + 1;
        else if (req.method === "POST") data.views = 1;
        res.send(String(views ?? 0));
      });
      return { kind: "node", listener: app };
    }
    default:
      throw new Error(`unknown bench server ${name}`);
  }
}

/** Hono + unsession's middleware with `options`, and the scenarios' handler. */
/** A signed-in shopper's session besides `views` (~0.6 KB of JSON): what a real app keeps, for the `-profile` row. */
const PROFILE = {
  user: { id: "u_8f3a2c", name: "Ann Example", email: "ann@example.com", roles: ["buyer", "reviewer"], locale: "en-GB", plan: { tier: "plus", since: "2025-03-01" } },
  cart: [
    { sku: "TEA-001", name: "Assam, 250 g", qty: 2, price: 7.5 },
    { sku: "MUG-014", name: "Stoneware mug", qty: 1, price: 12 },
    { sku: "BIS-203", name: "Oat biscuits", qty: 3, price: 2.25 },
  ],
  csrf: "k3J9vQ2mX8pL5tR7wY1zA4bC6dE0fG2h",
  seen: ["/", "/tea", "/tea/assam", "/mugs", "/cart"],
};

async function honoUnsession(options: import("../adapters/hono.ts").HonoSessionOptions, stats: Stats, write: boolean, profile = false): Promise<BenchApp> {
  const { Hono } = await import("hono");
  const { session } = await import("../adapters/hono.ts");
  const app = new Hono();
  app.use(session(options));
  app.all("/", (c) => {
    stats.requests++;
    const s = (c as unknown as { get(key: "session"): { data: Views } }).get("session");
    const data = s.data;
    const views = data.views;
    if (write) data.views = (views ?? 0) + 1;
    else if (c.req.method === "POST") {
      data.views = 1;
      if (profile) Object.assign(data, structuredClone(PROFILE));
    }
    return c.text(String(views ?? 0));
  });
  return { kind: "fetch", fetch: app.fetch };
}

/** Our memory store, with its writes counted; synchronous like the original, so the fast path stays synchronous. */
function countingStore(stats: Stats): SessionStore {
  const inner = memoryStore();
  return {
    get: (id) => inner.get(id),
    set(id, record, ttl) {
      stats.writes++;
      inner.set(id, record, ttl);
    },
    delete(id) {
      stats.writes++;
      inner.delete(id);
    },
  };
}

/** The Express adapter's MemoryStore (its synchronous path kept), counting the writes of the records it holds. */
async function countingMemoryStore(stats: Stats): Promise<import("../adapters/express/index.ts").MemoryStore> {
  const { MemoryStore } = await import("../adapters/express/index.ts");
  class Counting extends MemoryStore {
    override coreStore(): SessionStore {
      const core = super.coreStore();
      const touch = (id: string, record: string, ttl: number) => {
        stats.writes++;
        return core.touch!(id, record, ttl);
      };
      return {
        get: (id) => core.get(id),
        set(id, record, ttl) {
          stats.writes++;
          return core.set(id, record, ttl);
        },
        delete(id) {
          stats.writes++;
          return core.delete(id);
        },
        expiresItself: core.expiresItself,
        get touch() {
          return core.touch === undefined ? undefined : touch;
        },
      };
    }
  }
  return new Counting();
}
