/**
 * Hostile inputs, through each adapter on a real Node server, sent as raw bytes over a socket
 * (so non-UTF-8 bytes and NUL reach the server as a browser or an attacker would send them):
 * the core's `wrap()` (served by @hono/node-server), the Hono middleware, and the Express adapter.
 *
 * Every input has a defined outcome: the victim's own session, or anonymous (200); or a 4xx from Node's
 * HTTP parser before any session code runs. Never a crash, never a 5xx, never internals in a response,
 * and never a fresh session written over the victim's stored record.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import express from "express";
import fc from "fast-check";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { session as expressSession } from "../../adapters/express/index.ts";
import { session as honoSession, type SessionEnv } from "../../adapters/hono.ts";
import { createSessions } from "../../src/index.ts";
import { SECRET, faultyStore, type FaultyStore } from "./harness.ts";
import { cases } from "./hostile-cases.ts";

type Data = { marker?: string };

/** One raw HTTP exchange. */
interface Raw {
  status: number;
  headers: Record<string, string[]>;
  body: string;
}

/** Sends `head` (latin1 bytes, so every byte value is possible) and reads the response until the server closes. */
async function rawRequest(port: number, path: string, cookie: string | undefined): Promise<Raw> {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  const lines = [`GET ${path} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close"];
  if (cookie !== undefined) lines.push(`Cookie: ${cookie}`);
  socket.write(Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1"));
  const chunks: Buffer[] = [];
  socket.on("data", (c: Buffer) => chunks.push(c));
  await once(socket, "close");
  const text = Buffer.concat(chunks).toString("latin1");
  const split = text.indexOf("\r\n\r\n");
  const [statusLine, ...headerLines] = text.slice(0, split).split("\r\n");
  const headers: Record<string, string[]> = {};
  for (const line of headerLines) {
    const i = line.indexOf(":");
    (headers[line.slice(0, i).toLowerCase()] ??= []).push(line.slice(i + 1).trim());
  }
  let body = text.slice(split + 4);
  if (headers["transfer-encoding"]?.[0] === "chunked") {
    let out = "";
    for (let rest = body; ; ) {
      const nl = rest.indexOf("\r\n");
      const size = parseInt(rest.slice(0, nl), 16);
      if (!(size > 0)) break;
      out += rest.slice(nl + 2, nl + 2 + size);
      rest = rest.slice(nl + 2 + size + 2);
    }
    body = out;
  }
  return { status: Number(statusLine!.split(" ")[1]), headers, body: Buffer.from(body, "latin1").toString("utf8") };
}

/** A server under test: where it listens and how its store names a record. */
interface Target {
  name: string;
  port: number;
  store: FaultyStore;
  key(id: string): string;
  close(): Promise<void>;
}

const route = (path: string, marker: string | undefined, set: (v: string) => void, query: URLSearchParams): { marker: string | null } => {
  if (path === "/set") set(query.get("v") ?? "x");
  return { marker: marker ?? null };
};

async function listen(server: Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

async function coreTarget(): Promise<Target> {
  const store = faultyStore();
  const sessions = createSessions<Data>({ secret: SECRET, store });
  const handler = sessions.wrap((request, s) => {
    const url = new URL(request.url);
    return Response.json(route(url.pathname, s.data.marker, (v) => (s.data.marker = v), url.searchParams));
  });
  const server = serve({ fetch: handler, port: 0, hostname: "127.0.0.1" }) as Server;
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return { name: "core wrap (@hono/node-server)", port, store, key: (id) => `sess:${id}`, close: () => new Promise((r) => server.close(() => r())) };
}

async function honoTarget(): Promise<Target> {
  const store = faultyStore();
  const app = new Hono<SessionEnv<Data>>();
  app.use(honoSession<Data>({ secret: SECRET, store }));
  app.get("*", (c) => {
    const s = c.get("session");
    return c.json(route(c.req.path, s.data.marker, (v) => (s.data.marker = v), new URL(c.req.url).searchParams));
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return { name: "hono", port, store, key: (id) => `sess:${id}`, close: () => new Promise((r) => server.close(() => r())) };
}

async function expressTarget(): Promise<Target> {
  const store = faultyStore();
  const app = express();
  app.set("env", "production"); // Express's own error page prints stacks outside production: not ours to change
  app.use(expressSession({ secret: SECRET, store, name: "sid", resave: false, saveUninitialized: false }) as express.RequestHandler);
  app.get("/{*rest}", (req, res) => {
    const s = (req as unknown as { session: Data }).session;
    res.json(route(req.path, s.marker, (v) => (s.marker = v), new URLSearchParams(req.url.split("?")[1] ?? "")));
  });
  const server = createServer(app);
  const port = await listen(server);
  // With a core SessionStore, the Express adapter keys records by the bare ID (express-session stores add their own prefix).
  return { name: "express", port, store, key: (id) => id, close: () => new Promise((r) => server.close(() => r())) };
}

const setCookiesOf = (raw: Raw): string[] => raw.headers["set-cookie"] ?? [];
const idOfSetCookie = (header: string): string => {
  const value = decodeURIComponent(header.split(";")[0]!.slice(header.indexOf("=") + 1));
  return value.slice(2, value.lastIndexOf("."));
};

const makers: [string, () => Promise<Target>][] = [
  ["core wrap", coreTarget],
  ["hono", honoTarget],
  ["express", expressTarget],
];

for (const [label, make] of makers) {
  describe(`hostile inputs: ${label}`, () => {
    let target: Target;
    let victim: string;
    let victimId: string;
    let other: string;

    beforeAll(async () => {
      target = await make();
      const first = await rawRequest(target.port, "/set?v=victim", undefined);
      victim = setCookiesOf(first)[0]!.split(";")[0]!;
      victimId = idOfSetCookie(setCookiesOf(first)[0]!);
      other = setCookiesOf(await rawRequest(target.port, "/set?v=other", undefined))[0]!.split(";")[0]!;
    });
    afterAll(() => target.close());

    for (const c of cases) {
      it(`${c.name}: ${c.outcome === "own" ? "the victim's own session" : c.outcome === "anonymous" ? "anonymous, the stored record untouched" : "a 4xx from the HTTP parser"}`, async () => {
        // Restore the victim's record between cases: "own" cases legitimately write to it.
        const before = target.store.raw.get(target.key(victimId));
        expect(before).toContain("victim");
        target.store.reset();
        const response = await rawRequest(target.port, c.path ?? "/set?v=hostile", c.cookie(victim, other));
        expect(response.status).toBeLessThan(500);
        for (const text of [response.body, ...Object.values(response.headers).flat()]) {
          expect(text).not.toMatch(/\[unsession]|UnsessionError|\n\s+at |ECONNREFUSED|sess:/);
          expect(text).not.toContain(victimId);
        }
        if (c.outcome === "rejected") {
          expect([400, 431]).toContain(response.status);
          expect(target.store.reads + target.store.writes).toBe(0);
        } else {
          expect(response.status).toBe(200);
          const body = JSON.parse(response.body) as { marker: string | null };
          if (c.outcome === "own") {
            expect(body.marker).toBe("victim");
            expect(target.store.raw.get(target.key(victimId))).toContain(c.path ? '"marker":"own"' : '"marker":"hostile"');
          } else {
            expect(body.marker).toBeNull();
            // A write happened (the request set data): under a new ID, never over the victim's record.
            for (const header of setCookiesOf(response)) expect(idOfSetCookie(header)).not.toBe(victimId);
            expect(target.store.raw.get(target.key(victimId))).toBe(before);
            if (c.noRead) expect(target.store.reads).toBe(0);
            if (c.oneRead) expect(target.store.reads).toBeLessThanOrEqual(1);
          }
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        // Put the victim back as it was, and prove the server is alive and still serves the victim.
        target.store.raw.set(target.key(victimId), before!);
        const check = await rawRequest(target.port, "/me", victim);
        expect(check.status).toBe(200);
        expect(JSON.parse(check.body)).toEqual({ marker: "victim" });
      });
    }

    it("random bytes in the Cookie header (fast-check): never a 5xx, never a write over the victim, always alive", async () => {
      const before = target.store.raw.get(target.key(victimId));
      // Any byte but CR and LF (those would end the header line itself).
      const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a.filter((b) => b !== 13 && b !== 10)).toString("latin1"));
      await fc.assert(
        fc.asyncProperty(bytes, fc.boolean(), async (junk, withVictim) => {
          const response = await rawRequest(target.port, "/set?v=hostile", withVictim ? `${junk}; ${victim}` : `sid=${junk}`);
          expect(response.status).toBeLessThan(500);
          for (const header of setCookiesOf(response)) expect(idOfSetCookie(header)).not.toBe(victimId);
          if (!withVictim) expect(target.store.raw.get(target.key(victimId))).toBe(before);
          target.store.raw.set(target.key(victimId), before!);
        }),
        { numRuns: 150 },
      );
      expect(JSON.parse((await rawRequest(target.port, "/me", victim)).body)).toEqual({ marker: "victim" });
    });
  });
}
