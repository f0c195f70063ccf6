/**
 * The Hono peers' bench servers (iron-session, @hono/session, hono-sessions), each configured as its README shows,
 * with an in-memory store whose writes are counted, or its cookie-only mode (`-cookie`).
 * @module
 */
import type { BenchApp, Scenario, Stats } from "./apps.ts";
import { countWrites } from "./counting.ts";

type Views = { views?: number };

/** The peer servers built here. */
export const PEERS: readonly string[] = ["hono-iron-session", "hono-session", "hono-session-cookie", "hono-sessions", "hono-sessions-cookie"];

/** Builds one peer server for one scenario. */
export async function buildPeer(name: string, scenario: Scenario, stats: Stats, secret: string): Promise<BenchApp> {
  const write = scenario === "S3";
  switch (name) {
    case "hono-iron-session": {
      const { Hono } = await import("hono");
      const { getIronSession } = await import("iron-session");
      const options = { password: secret, cookieName: "iron", cookieOptions: { secure: false, sameSite: "lax" as const, httpOnly: true, path: "/" } };
      const app = new Hono();
      app.all("/", async (c) => {
        stats.requests++;
        // iron-session writes its Set-Cookie on the Response it is given: the body goes out with those headers.
        // (A plain carrier: @hono/node-server's own Response class may build its headers anew on each access.)
        const carrier = { headers: new Headers() } as unknown as Response;
        const s = await getIronSession<Views>(c.req.raw, carrier, options);
        const views = s.views;
        if (write) {
          s.views = (views ?? 0) + 1;
          await s.save();
        } else if (c.req.method === "POST") {
          s.views = 1;
          await s.save();
        }
        const headers = new Headers(carrier.headers);
        headers.set("content-type", "text/plain; charset=UTF-8");
        return new Response(String(views ?? 0), { headers });
      });
      return { kind: "fetch", fetch: app.fetch };
    }
    case "hono-session":
    case "hono-session-cookie": {
      const { Hono } = await import("hono");
      const { useSession, useSessionStorage } = await import("@hono/session");
      const app = new Hono<import("@hono/session").SessionEnv<Views>>();
      if (name === "hono-session") {
        // A Map behind useSessionStorage; without it (-cookie), the data lives in @hono/session's JWE cookie.
        const map = new Map<string, Views>();
        app.use(
          useSessionStorage({
            get: (sid: string) => map.get(sid) ?? null,
            set(sid: string, value: Views) {
              stats.writes++;
              map.set(sid, value);
            },
            delete(sid: string) {
              stats.writes++;
              map.delete(sid);
            },
          }),
        );
      }
      app.use(useSession<Views>({ secret }));
      app.all("/", async (c) => {
        stats.requests++;
        const s = c.var.session;
        const data = await s.get();
        const views = data?.views;
        if (write) await s.update((prev: Views | null) => ({ views: (prev?.views ?? 0) + 1 }));
        else if (c.req.method === "POST") await s.update({ views: 1 });
        return c.text(String(views ?? 0));
      });
      return { kind: "fetch", fetch: app.fetch };
    }
    case "hono-sessions":
    case "hono-sessions-cookie": {
      const { Hono } = await import("hono");
      const { sessionMiddleware, MemoryStore, CookieStore } = await import("hono-sessions");
      let store: InstanceType<typeof MemoryStore> | InstanceType<typeof CookieStore>;
      if (name === "hono-sessions") {
        store = new MemoryStore();
        countWrites(store, ["createSession", "persistSessionData", "deleteSession"], stats);
      } else {
        store = new CookieStore();
      }
      const app = new Hono();
      app.use(
        "*",
        sessionMiddleware({
          store,
          encryptionKey: secret,
          expireAfterSeconds: 900,
          cookieOptions: { sameSite: "Lax", path: "/", httpOnly: true },
        }) as never,
      );
      app.all("/", (c) => {
        stats.requests++;
        const s = (c as unknown as { get(key: "session"): { get(k: string): unknown; set(k: string, v: unknown): void } }).get("session");
        const views = s.get("views") as number | undefined;
        if (write) s.set("views", (views ?? 0) + 1);
        else if (c.req.method === "POST") s.set("views", 1);
        return c.text(String(views ?? 0));
      });
      return { kind: "fetch", fetch: app.fetch };
    }
    default:
      throw new Error(`unknown peer server ${name}`);
  }
}
