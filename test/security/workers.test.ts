/**
 * The checklist items the Cloudflare adapter could change (it hands background work to `ctx.waitUntil` and
 * takes its own `errorResponse`), through `withSession` called in-process. workerd itself runs in the runtime suites.
 */
import { describe, expect, it } from "vitest";
import { withSession } from "../../adapters/cloudflare.ts";
import { DRIVER_MESSAGE, SECRET, attrs, faultyStore, idIn } from "./harness.ts";

type Data = { user?: string };

function worker(options: Record<string, unknown> = {}) {
  const store = faultyStore();
  const background: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void background.push(p) };
  const fetch = withSession<Data, Record<string, never>>(
    async (request, session) => {
      const path = new URL(request.url).pathname;
      if (path === "/login") {
        await session.regenerate();
        session.data.user = "alice";
      } else if (path === "/logout") {
        await session.destroy();
      }
      return Response.json({ user: session.data.user ?? null });
    },
    { secret: SECRET, store, storeTimeout: 100, ...options },
  );
  const get = (path: string, cookie?: string | null) => fetch(new Request(`https://127.0.0.1${path}`, { headers: cookie ? { cookie } : {} }), {}, ctx);
  return { store, background, get };
}

const pair = (r: Response): string => r.headers.get("set-cookie")!.split(";")[0]!;

async function plain(response: Response, id?: string): Promise<void> {
  const body = await response.text();
  for (const bad of [DRIVER_MESSAGE, "sess:", "[unsession]", "    at "]) expect(body).not.toContain(bad);
  if (id) expect(body).not.toContain(id);
}

describe("checklist through the cloudflare adapter", () => {
  it("6, 7, 8, 29: Secure on https, HttpOnly, Lax, Cache-Control: no-store; Clear-Site-Data on logout when asked", async () => {
    const w = worker({ clearSiteData: true });
    const login = await w.get("/login");
    const a = attrs(login.headers.get("set-cookie")!);
    expect(a.secure).toBe(true);
    expect(a.httponly).toBe(true);
    expect(String(a.samesite).toLowerCase()).toBe("lax");
    expect(login.headers.get("cache-control")).toBe("no-store");
    const logout = await w.get("/logout", pair(login));
    expect(logout.headers.get("set-cookie")).toMatch(/^sid=;/);
    expect(logout.headers.get("clear-site-data")).toBe('"cache", "cookies", "storage"');
  });

  it("23, 24, 27: a failing or hung read is a plain 503 and the handler's data is not reached", async () => {
    const w = worker();
    const cookie = pair(await w.get("/login"));
    w.store.faults.get = "fail";
    const failed = await w.get("/", cookie);
    expect(failed.status).toBe(503);
    await plain(failed, idIn(cookie));
    w.store.faults.get = "hang";
    expect((await w.get("/", cookie)).status).toBe(503);
  });

  it("25: a failed write on login is a 503 without a cookie", async () => {
    const w = worker();
    w.store.faults.set = "fail";
    const response = await w.get("/login");
    expect(response.status).toBe(503);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("26: a failed destroy still clears the cookie", async () => {
    const w = worker();
    const cookie = pair(await w.get("/login"));
    w.store.faults.delete = "fail";
    const response = await w.get("/logout", cookie);
    expect(response.status).toBe(503);
    expect(response.headers.get("set-cookie")).toMatch(/^sid=;/);
  });

  it("36: a due touch goes to ctx.waitUntil and is throttled: 20 parallel requests write once", async () => {
    const w = worker({ idleTimeout: 600, touchAfter: 0.2 });
    const cookie = pair(await w.get("/login"));
    await Promise.allSettled(w.background);
    await new Promise((r) => setTimeout(r, 250));
    w.store.reset();
    w.background.length = 0;
    const responses = await Promise.all(Array.from({ length: 20 }, () => w.get("/", cookie)));
    for (const r of responses) expect(await r.json()).toEqual({ user: "alice" });
    expect(w.background.length).toBe(1);
    await Promise.allSettled(w.background);
    expect(w.store.writes).toBe(1);
  });
});
