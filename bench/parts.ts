/**
 * The cost of Hono + unsession on S2, part by part: servers that each do one more step of the middleware's work
 * than the one before, so that `npm run bench` (server CPU column) accounts for every microsecond between bare
 * Hono and the shipped middleware. A `POST` seeds the session through the real middleware; the measured `GET`s
 * go through the ablated path. bench/README.md "Where S2's microseconds go" holds the table.
 * @module
 */
import type { Context, MiddlewareHandler, Next } from "hono";
import { createSessions, type Session, type SessionStore } from "../src/index.ts";
import type { BenchApp, Stats } from "./apps.ts";

/** The steps, cumulative: each part name adds its step to everything before it. */
export const PARTS = [
  ["hono-part-dispatch", "any middleware: `await next()` (compose, promise path of @hono/node-server)"],
  ["hono-part-vary", "+ one response header after `next()` (`Vary: Cookie`)"],
  ["hono-part-input", "+ read `Cookie` and the URL, `c.set(\"session\", …)`"],
  ["hono-part-load", "+ `loadFast`: cookie parse, signature (cache), one store read, record parse, session object"],
  ["hono-part-data", "+ the handler reads `session.data` (snapshot for change detection)"],
  ["hono-part-commit", "+ `commitFast` and `applyCookie` (change check, touch decision, caching headers)"],
] as const;

type Views = { views?: number };

/** One ablated server: `level` is the index in `PARTS` of the last step it performs. */
export async function buildPart(name: string, secret: string, store: SessionStore, stats: Stats): Promise<BenchApp> {
  const level = PARTS.findIndex(([n]) => n === name);
  if (level < 0) throw new Error(`unknown part ${name}`);
  const { Hono } = await import("hono");
  const { session } = await import("../adapters/hono.ts");
  const sessions = createSessions<Views>({ secret, store });
  const seed = session<Views>({ secret, store }) as unknown as MiddlewareHandler;
  const stub = {};

  const part = async (c: Context, next: Next): Promise<void> => {
    if (level < 2) {
      await next();
      if (level === 1) c.res.headers.append("Vary", "Cookie");
      return;
    }
    const input = { cookie: c.req.header("cookie"), secure: c.req.url.startsWith("https:"), forwardedProto: null, path: "/" };
    if (level === 2) {
      c.set("session", stub);
      await next();
      c.res.headers.append("Vary", "Cookie");
      return;
    }
    const loaded = sessions.loadFast(input);
    const s = loaded instanceof Promise ? await loaded : loaded;
    c.set("session", s);
    await next();
    if (level < 5) {
      c.res.headers.append("Vary", "Cookie");
      return;
    }
    const pending = sessions.commitFast(s);
    const setCookie = typeof pending === "string" || pending === null ? pending : await pending;
    sessions.applyCookie(c.res, setCookie, s);
  };

  const app = new Hono();
  app.use((c, next) => (c.req.method === "POST" ? seed(c, next) : part(c, next)));
  app.all("/", (c) => {
    stats.requests++;
    const s = (c as unknown as { get(key: "session"): Session<Views> }).get("session");
    if (c.req.method === "POST") {
      s.data.views = 1;
      return c.text("1");
    }
    // Up to "load", the handler leaves the session alone; the body still says what a probe expects.
    return c.text(level >= 4 ? String(s.data.views ?? 0) : "1");
  });
  return { kind: "fetch", fetch: app.fetch };
}
