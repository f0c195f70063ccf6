import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { startExample, type ExampleServer } from "./server.ts";

/** fetch with a cookie jar (name → value), no redirect following, same-origin form posts. */
function browserlike(base: string, jar = new Map<string, string>()) {
  const request = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    if (init.method === "POST") {
      headers.set("origin", base);
      headers.set("content-type", "application/x-www-form-urlencoded");
    }
    const res = await fetch(base + path, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [name, value] = line.split(";")[0]!.split("=") as [string, string];
      if (value === "" || /max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  };
  return {
    jar,
    get: (path: string) => request(path),
    post: (path: string, form: Record<string, string> = {}) => request(path, { method: "POST", body: new URLSearchParams(form).toString() }),
  };
}

const sidOf = (value: string) => decodeURIComponent(value).slice(2).split(".")[0]!;

/** Log in → cart → log out against a running example; `recordExists` checks the store when it can. */
async function shopFlow(base: string, recordExists?: (id: string) => Promise<boolean>) {
  const b = browserlike(base);
  const health = await b.get("/healthz");
  expect(await health.text()).toBe("ok");
  expect(b.jar.size).toBe(0);

  const home = await b.get("/");
  expect(home.status).toBe(200);
  expect(await home.text()).toContain("Pages viewed in this session: 1");
  const anonymous = b.jar.get("sid")!;
  expect(anonymous).toBeDefined();
  if (recordExists) expect(await recordExists(sidOf(anonymous))).toBe(true);

  expect((await b.get("/login")).status).toBe(200);
  const bad = await b.post("/login", { username: "demo", password: "wrong" });
  expect(bad.status).toBe(401);

  const login = await b.post("/login", { username: "demo", password: "demo" });
  expect(login.status).toBe(303);
  const user = b.jar.get("sid")!;
  expect(user).not.toBe(anonymous);
  if (recordExists) expect(await recordExists(sidOf(anonymous))).toBe(false);
  const welcome = await (await b.get("/")).text();
  expect(welcome).toContain("Welcome back, demo!");
  expect(welcome).toContain("Signed in as <strong>demo</strong>");

  await b.post("/cart", { item: "mug" });
  await b.post("/cart", { item: "sticker" });
  const added = await b.post("/cart", { item: "mug" });
  expect(added.status).toBe(303);
  expect(added.headers.get("location")).toBe("/cart");
  const cart = await (await b.get("/cart")).text();
  expect(cart).toContain("Coffee mug added to your cart.");
  expect(cart).toContain('id="total">$28.00<');
  const again = await (await b.get("/cart")).text();
  expect(again).not.toContain("added to your cart");
  expect(again).toContain('id="total">$28.00<');

  const out = await b.post("/logout");
  expect(out.headers.get("set-cookie")).toMatch(/^sid=;/);
  expect(await out.text()).toContain("You are logged out.");
  expect(b.jar.has("sid")).toBe(false);
  if (recordExists) expect(await recordExists(sidOf(user))).toBe(false);

  // The logged-in cookie, replayed after logout, opens nothing.
  const replay = await fetch(base + "/cart", { headers: { cookie: `sid=${user}` } });
  expect(await replay.text()).toContain("Your cart is empty");
}

describe("e2e: examples/hono-node with the memory store", () => {
  let server: ExampleServer;
  beforeAll(async () => {
    server = await startExample({ REDIS_URL: undefined });
  });
  afterAll(() => server?.stop());

  it("prints its URL and which store it uses", () => {
    expect(server.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(sessions in memory\)/);
  });

  it("runs log in → cart → log out", { timeout: 60_000 }, async () => {
    await shopFlow(server.url);
  });
});

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) console.warn("e2e: REDIS_URL is not set: skipping the example's Redis mode");

describe.skipIf(!redisUrl)("e2e: examples/hono-node with REDIS_URL", () => {
  let server: ExampleServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startExample({ REDIS_URL: redisUrl });
    redis = new Redis(redisUrl!);
  });
  afterAll(async () => {
    await server?.stop();
    redis?.disconnect();
  });

  it("says it keeps sessions in Redis", () => {
    expect(server.output()).toContain("(sessions in Redis)");
  });

  it("runs log in → cart → log out with records under sess:<id> in Redis", { timeout: 60_000 }, async () => {
    await shopFlow(server.url, async (id) => (await redis.exists(`sess:${id}`)) === 1);
  });

  it("keeps sessions across a restart of the server", { timeout: 60_000 }, async () => {
    const b = browserlike(server.url);
    await b.post("/cart", { item: "tee" });
    await server.stop();
    server = await startExample({ REDIS_URL: redisUrl });
    const cart = await (await browserlike(server.url, b.jar).get("/cart")).text();
    // A new port, the same cookie: the session lives in Redis, not in the process.
    expect(cart).toContain('data-item="tee"');
  });
});
