/**
 * Reference servers that bound what any Hono session middleware can cost (bench rows, not products): an empty
 * middleware, one that adds `Vary: Cookie`, and the smallest session middleware that still does each scenario's
 * unavoidable work. A target below one of these floors cannot be met by a middleware on this runtime.
 * @module
 */
import type { Context, Next } from "hono";
import { toBase64 } from "../src/signer.ts";
import type { BenchApp, Scenario, Stats } from "./apps.ts";

/** The floor servers, in table order: [name, label, scenarios]. */
export const FLOORS: readonly (readonly [string, string, readonly Scenario[]])[] = [
  ["hono-noop", "Hono + no-op middleware (`await next()`, reference)", ["S1"]],
  ["hono-vary", "Hono + a middleware that adds `Vary: Cookie` after `next()` (reference)", ["S1"]],
  [
    "hono-minimal",
    "Hono + the least a session middleware does (reference: cookie lookup, one Map read, `JSON.parse`, `JSON.stringify`, one Map write when changed, `Vary`; no expiry, no metadata)",
    ["S1", "S2", "S3"],
  ],
  [
    "hono-minimal-record",
    "Hono + the least a session middleware does, with our record format (reference: as above, the record with its stored cookie and its deadlines, the idle deadline checked and moved on write)",
    ["S2", "S3"],
  ],
];

type Data = { views?: number };

const STORED_COOKIE = JSON.stringify({ originalMaxAge: null, expires: null, httpOnly: true, path: "/", sameSite: "lax" });

/**
 * The least work a server-side session does per request: find the session's ID for the cookie value (a map of
 * values already verified stands in for the HMAC, as our verified-value cache does), read the record, parse it,
 * serialise the data after the handler to see whether it changed, write it when it did, and add `Vary: Cookie`.
 * Everything else a real session needs (deadlines, metadata, touch, flash, key rotation, errors) is left out.
 */
async function minimalSession(stats: Stats, withRecord = false): Promise<(c: Context, next: Next) => Promise<void>> {
  const records = new Map<string, string>();
  const verified = new Map<string, string>();
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode("bench-minimal-secret-0123456789-abcdef"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);

  return async (c: Context, next: Next): Promise<void> => {
    const header = c.req.header("cookie");
    let id: string | undefined;
    if (header !== undefined) {
      const at = header.indexOf("sid=");
      if (at !== -1) {
        const end = header.indexOf(";", at);
        id = verified.get(header.slice(at + 4, end === -1 ? undefined : end));
      }
    }
    const text = id === undefined ? undefined : records.get(id);
    let data: Data;
    let created = Date.now();
    let before = text ?? "{}";
    if (!withRecord || text === undefined) {
      data = (text === undefined ? {} : JSON.parse(text)) as Data;
    } else {
      // The record as ours is stored: {"cookie":{…},<data>,"__unsession":{"c":…,"i":…}}, its idle deadline checked.
      const record = JSON.parse(text) as Record<string, unknown> & { __unsession: { c: number; i: number } };
      const meta = record.__unsession;
      data = {};
      if (meta.i > Date.now()) for (const key in record) if (key !== "cookie" && key !== "__unsession") (data as Record<string, unknown>)[key] = record[key];
      created = meta.c;
      before = JSON.stringify(data);
    }
    c.set("session", data);
    await next();
    let json = JSON.stringify(data);
    if (json !== before) {
      if (withRecord) json = `{"cookie":${STORED_COOKIE},${json.length > 2 ? json.slice(1, -1) + "," : ""}"__unsession":{"c":${created},"i":${Date.now() + 86_400_000}}}`;
      if (id === undefined) {
        id = toBase64(crypto.getRandomValues(new Uint8Array(32)), true);
        const value = `${id}.${toBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(id))), true)}`;
        verified.set(value, id);
        c.header("Set-Cookie", `sid=${value}; Path=/; HttpOnly; SameSite=Lax`, { append: true });
      }
      records.set(id, json);
      stats.writes++;
    }
    c.res.headers.append("Vary", "Cookie");
  };
}

/** Builds one floor server for one scenario. */
export async function buildFloor(name: string, scenario: Scenario, stats: Stats): Promise<BenchApp> {
  const { Hono } = await import("hono");
  const app = new Hono();
  switch (name) {
    case "hono-noop":
      // The floor of any middleware that works after the handler: one `await next()`.
      app.use(async (_c, next) => {
        await next();
      });
      break;
    case "hono-vary":
      // The floor of a middleware that adds one response header after the handler (as a session read must:
      // `Vary: Cookie`): touching a response's headers costs what it costs on this runtime.
      app.use(async (c, next) => {
        await next();
        c.res.headers.append("Vary", "Cookie");
      });
      break;
    case "hono-minimal":
    case "hono-minimal-record": {
      app.use(await minimalSession(stats, name === "hono-minimal-record"));
      app.all("/", (c) => {
        stats.requests++;
        const data = (c as unknown as { get(key: "session"): Data }).get("session");
        const views = data.views;
        if (scenario === "S3") data.views = (views ?? 0) + 1;
        else if (c.req.method === "POST") data.views = 1;
        return c.text(String(views ?? 0));
      });
      return { kind: "fetch", fetch: app.fetch };
    }
    default:
      throw new Error(`unknown floor ${name}`);
  }
  app.all("/", (c) => {
    stats.requests++;
    return c.text("0");
  });
  return { kind: "fetch", fetch: app.fetch };
}
