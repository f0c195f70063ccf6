import { describe, expect, it } from "vitest";
import { createApp, hashPassword, timingSafeEqual } from "../../examples/hono-node/app.ts";

const secret = "example-app-test-secret-0123456789abcdef";
const origin = "http://localhost";

/** A one-cookie jar: follows Set-Cookie for `sid`, drops it when cleared. */
function client(app: ReturnType<typeof createApp>) {
  let sid: string | null = null;
  const request = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (sid) headers.set("cookie", `sid=${sid}`);
    if (init.method === "POST") {
      headers.set("origin", origin);
      headers.set("content-type", "application/x-www-form-urlencoded");
    }
    const res = await app.request(origin + path, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, value] = pair!.split("=") as [string, string];
      if (name === "sid") sid = value === "" ? null : value;
    }
    return res;
  };
  return {
    request,
    get sid() {
      return sid;
    },
    set sid(value: string | null) {
      sid = value;
    },
    post: (path: string, form: Record<string, string> = {}) => request(path, { method: "POST", body: new URLSearchParams(form).toString() }),
  };
}

const views = (page: string) => Number(/Pages viewed in this session: (\d+)/.exec(page)?.[1]);

describe("example: hono-node shop (app.request)", () => {
  const app = createApp({ secret, iterations: 1000 });

  it("answers /healthz without a session cookie", async () => {
    const res = await app.request("/healthz");
    expect(await res.text()).toBe("ok");
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("counts page views in the session", async () => {
    const c = client(app);
    expect(views(await (await c.request("/")).text())).toBe(1);
    expect(c.sid).not.toBeNull();
    expect(views(await (await c.request("/cart")).text())).toBe(2);
    expect(views(await (await c.request("/")).text())).toBe(3);
  });

  it("keeps the cart across requests", async () => {
    const c = client(app);
    expect((await c.post("/cart", { item: "mug" })).status).toBe(303);
    await c.post("/cart", { item: "mug" });
    await c.post("/cart", { item: "socks" });
    const cart = await (await c.request("/cart")).text();
    expect(cart).toMatch(/data-item="mug"><td>Coffee mug<\/td><td class="qty">2</);
    expect(cart).toContain('id="total">$33.00<');
    expect((await c.post("/cart", { item: "__proto__" })).status).toBe(400);
  });

  it("rejects a wrong password with 401 and no login", async () => {
    const c = client(app);
    const res = await c.post("/login", { username: "demo", password: "nope" });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("Wrong username or password.");
    const res2 = await c.post("/login", { username: "root", password: "demo" });
    expect(res2.status).toBe(401);
  });

  it("logs in with a new session ID, keeps the cart, shows the flash once; the old ID is dead", async () => {
    const c = client(app);
    await c.post("/cart", { item: "tee" });
    const anonymous = c.sid!;
    const login = await c.post("/login", { username: "demo", password: "demo" });
    expect(login.status).toBe(303);
    expect(login.headers.get("location")).toBe("/");
    expect(c.sid).not.toBe(anonymous);
    const home = await (await c.request("/")).text();
    expect(home).toContain("Welcome back, demo!");
    expect(home).toContain('Signed in as <strong>demo</strong>');
    expect(home).toContain("Cart (1)");
    expect(await (await c.request("/")).text()).not.toContain("Welcome back");
    // The pre-login ID no longer opens the session.
    const stale = client(app);
    stale.sid = anonymous;
    const page = await (await stale.request("/")).text();
    expect(page).not.toContain("Signed in");
    expect(page).toContain("Cart (0)");
  });

  it("logs out: session destroyed, cookie cleared, message shown", async () => {
    const c = client(app);
    await c.post("/login", { username: "demo", password: "demo" });
    const loggedIn = c.sid!;
    const out = await c.post("/logout");
    expect(out.headers.get("set-cookie")).toMatch(/^sid=;/);
    expect(await out.text()).toContain("Goodbye, demo. You are logged out.");
    expect(c.sid).toBeNull();
    const replay = client(app);
    replay.sid = loggedIn;
    expect(await (await replay.request("/")).text()).not.toContain("Signed in");
  });

  it("refuses a cross-site form post (hono/csrf)", async () => {
    const res = await app.request("/login", {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" },
      body: "username=demo&password=demo",
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("escapes what it prints", async () => {
    const c = client(app);
    const res = await c.post("/login", { username: '"><script>x</script>', password: "x" });
    const page = await res.text();
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
    expect(page).not.toContain("<script>x");
  });
});

describe("example: caching headers and \"Your sessions\" (app.request)", () => {
  const app = createApp({ secret, iterations: 1000 });
  const logIn = async (userAgent = "curl/8.0") => {
    const c = client(app);
    await c.request("/login", { method: "POST", headers: { "user-agent": userAgent }, body: "username=demo&password=demo" });
    expect(c.sid).not.toBeNull();
    return c;
  };
  const sidsOf = (page: string) => [...page.matchAll(/data-sid="([0-9a-f]{16})"/g)].map((m) => m[1]!);

  it("marks signed-in pages private, no-store with Vary: Cookie; anonymous pages vary by Cookie only", async () => {
    const anonymous = await client(app).request("/cart");
    expect(anonymous.headers.get("vary")).toBe("Cookie");
    expect(anonymous.headers.get("cache-control")).toBe("no-store"); // the first visit sets the cookie
    const c = client(app);
    await c.request("/");
    const again = await c.request("/cart");
    expect(again.headers.get("set-cookie")).toBeNull();
    expect(again.headers.get("cache-control")).toBeNull();
    await c.post("/login", { username: "demo", password: "demo" });
    const cart = await c.request("/cart");
    expect(cart.headers.get("set-cookie")).toBeNull();
    expect(cart.headers.get("cache-control")).toBe("private, no-store");
    expect(cart.headers.get("vary")).toBe("Cookie");
    expect((await app.request("/healthz")).headers.get("vary")).toBeNull();
  });

  it("lists the user's sessions with a device label and without session IDs", async () => {
    const laptop = await logIn("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36");
    await logIn("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1");
    const res = await laptop.request("/sessions");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const page = await res.text();
    expect(page).toContain("Chrome on Linux");
    expect(page).toContain("Safari on iPhone");
    expect(page).toMatch(/id="this-device"/);
    const id = decodeURIComponent(laptop.sid!).slice(2).split(".")[0]!;
    expect(page).not.toContain(id);
  });

  it("signs out one other session by its listed handle, and refuses a handle that is not the user's", async () => {
    const a = await logIn();
    const b = await logIn();
    const page = await (await a.request("/sessions")).text();
    const current = /data-sid="([0-9a-f]{16})" id="this-device"/.exec(page)![1];
    const other = sidsOf(page).find((sid) => sid !== current)!;
    const done = await a.post("/sessions/revoke", { sid: other });
    expect(done.status).toBe(303);
    expect(await (await a.request("/sessions")).text()).toContain("That session is signed out.");
    expect(await (await b.request("/")).text()).not.toContain("Signed in");
    expect(await (await a.request("/")).text()).toContain("Signed in as <strong>demo</strong>");
    await a.post("/sessions/revoke", { sid: "0123456789abcdef" });
    expect(await (await a.request("/sessions")).text()).toContain("That session had already ended.");
  });

  it("signs out everywhere else, keeping this session", async () => {
    const a = await logIn();
    const others = [await logIn(), await logIn()];
    await a.post("/sessions/revoke-others");
    const page = await (await a.request("/sessions")).text();
    expect(page).toMatch(/Signed out \d+ other sessions?\./);
    expect(sidsOf(page)).toHaveLength(1);
    for (const other of others) expect(await (await other.request("/")).text()).not.toContain("Signed in");
  });

  it("sends an anonymous visitor of /sessions to the login page, and ignores its revoke posts", async () => {
    const c = client(app);
    const res = await c.request("/sessions");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect(await (await c.request("/login")).text()).toContain("Log in to see your sessions.");
    expect((await c.post("/sessions/revoke", { sid: "0123456789abcdef" })).headers.get("location")).toBe("/login");
    expect((await c.post("/sessions/revoke-others")).headers.get("location")).toBe("/login");
  });
});

describe("example: password helpers", () => {
  it("hashes with PBKDF2 deterministically per salt, and compares in constant time", async () => {
    const salt = new Uint8Array(16).fill(7);
    const a = await hashPassword("demo", salt, 1000);
    expect(a).toHaveLength(32);
    expect(timingSafeEqual(a, await hashPassword("demo", salt, 1000))).toBe(true);
    expect(timingSafeEqual(a, await hashPassword("demO", salt, 1000))).toBe(false);
    expect(timingSafeEqual(a, a.slice(1))).toBe(false);
  });
});
