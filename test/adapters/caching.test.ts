/** Caching headers through the Hono and Workers adapters: how each framework's responses see `Vary` and `Cache-Control`. */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { withSession, type ExecutionContextLike } from "../../adapters/cloudflare.ts";
import { session, type SessionEnv } from "../../adapters/hono.ts";

const secret = "caching-adapter-test-secret-0123456789abc";
type Data = { user?: string; n?: number };

/** A browser with one cookie, over any fetch-like app. */
function browser(fetch: (request: Request) => Response | Promise<Response>) {
  let cookie: string | null = null;
  return async (path: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    if (cookie) headers.set("cookie", cookie);
    const response = await fetch(new Request(`http://shop.test${path}`, { ...init, headers }));
    const set = response.headers.get("set-cookie");
    if (set) cookie = /max-age=0/i.test(set) ? null : set.split(";")[0]!;
    return response;
  };
}

function honoApp(privateWhenSignedIn = false) {
  const app = new Hono<SessionEnv<Data>>();
  app.use(session<Data>({ secret, privateWhenSignedIn }));
  app.get("/static", (c) => c.text("static"));
  app.get("/page", (c) => c.html(`<p>${c.get("session").data.user ?? "guest"}</p>`));
  app.get("/json", (c) => {
    c.header("vary", "Accept-Encoding");
    return c.json({ user: c.get("session").data.user ?? null });
  });
  app.get("/account", (c) => {
    const s = c.get("session");
    s.noStore();
    return c.text(`account of ${s.data.user ?? "nobody"}`);
  });
  app.get("/back", (c) => {
    void c.get("session").data;
    return c.redirect("/page", 302);
  });
  app.post("/login", async (c) => {
    const s = c.get("session");
    await s.regenerate();
    s.setUser("ada");
    s.data.user = "ada";
    return c.redirect("/page", 303);
  });
  app.post("/logout", async (c) => {
    await c.get("session").destroy();
    return c.text("bye");
  });
  return app;
}

describe("caching: Hono adapter", () => {
  it("leaves a route that never touches the session alone", async () => {
    const app = honoApp();
    const send = browser((r) => app.fetch(r));
    await send("/login", { method: "POST" });
    const response = await send("/static");
    expect(response.headers.get("vary")).toBeNull();
    expect(response.headers.get("cache-control")).toBeNull();
  });

  it("adds Vary: Cookie to c.html, c.json (after the app's own Vary) and c.redirect responses that read the session", async () => {
    const app = honoApp();
    const send = browser((r) => app.fetch(r));
    const page = await send("/page");
    expect(page.headers.get("vary")).toBe("Cookie");
    expect(page.headers.get("set-cookie")).toBeNull();
    const json = await send("/json");
    expect(json.headers.get("vary")).toBe("Accept-Encoding, Cookie");
    const back = await send("/back");
    expect(back.status).toBe(302);
    expect(back.headers.get("vary")).toBe("Cookie");
  });

  it("sends no-store with the login and logout cookies", async () => {
    const app = honoApp();
    const send = browser((r) => app.fetch(r));
    const login = await send("/login", { method: "POST" });
    expect(login.headers.get("set-cookie")).toMatch(/^sid=/);
    expect(login.headers.get("cache-control")).toBe("no-store");
    const logout = await send("/logout", { method: "POST" });
    expect(logout.headers.get("set-cookie")).toMatch(/max-age=0/i);
    expect(logout.headers.get("cache-control")).toBe("no-store");
  });

  it("c.get('session').noStore() marks one page private, no-store", async () => {
    const app = honoApp();
    const send = browser((r) => app.fetch(r));
    await send("/login", { method: "POST" });
    const account = await send("/account");
    expect(await account.text()).toBe("account of ada");
    expect(account.headers.get("cache-control")).toBe("private, no-store");
    expect(account.headers.get("vary")).toBe("Cookie");
    expect((await send("/page")).headers.get("cache-control")).toBeNull();
  });

  it("privateWhenSignedIn marks signed-in pages private, no-store, and not the anonymous ones", async () => {
    const app = honoApp(true);
    const send = browser((r) => app.fetch(r));
    expect((await send("/page")).headers.get("cache-control")).toBeNull();
    await send("/login", { method: "POST" });
    const page = await send("/page");
    expect(await page.text()).toBe("<p>ada</p>");
    expect(page.headers.get("cache-control")).toBe("private, no-store");
    expect((await send("/static")).headers.get("cache-control")).toBeNull();
    await send("/logout", { method: "POST" });
    expect((await send("/page")).headers.get("cache-control")).toBeNull();
  });
});

describe("caching: Workers adapter (withSession)", () => {
  const ctx: ExecutionContextLike = { waitUntil: () => {} };
  const env = { SECRET: secret };
  const worker = withSession<Data, typeof env>(
    async (request, s) => {
      const path = new URL(request.url).pathname;
      if (path === "/static") return new Response("static");
      if (path === "/login") {
        await s.regenerate();
        s.setUser("ada");
        s.data.user = "ada";
        return new Response("in");
      }
      if (path === "/account") s.noStore();
      return new Response(s.data.user ?? "guest", { headers: { vary: "Origin" } });
    },
    (e) => ({ secret: e.SECRET, privateWhenSignedIn: true }),
  );

  it("adds Vary: Cookie, no-store and private, no-store as the core does", async () => {
    const send = browser((r) => worker(r, env, ctx));
    expect((await send("/static")).headers.get("vary")).toBeNull();
    const guest = await send("/page");
    expect(guest.headers.get("vary")).toBe("Origin, Cookie");
    expect(guest.headers.get("cache-control")).toBeNull();
    expect((await send("/login")).headers.get("cache-control")).toBe("no-store");
    const page = await send("/page");
    expect(await page.text()).toBe("ada");
    expect(page.headers.get("cache-control")).toBe("private, no-store");
    expect((await send("/static")).headers.get("cache-control")).toBeNull();
  });
});
