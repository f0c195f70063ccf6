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
