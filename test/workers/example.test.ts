/**
 * examples/cloudflare-worker, built as wrangler would build it (from its wrangler.toml) and run in
 * workerd: log in → request → log out.
 */
import { readFile } from "node:fs/promises";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Fetch } from "../runtimes/scenarios.ts";
import { bundleWorker, removeBundle, startWorkers, type Bundle } from "./build.ts";

const DIR = "examples/cloudflare-worker";
let bundle: Bundle | undefined;
let mf: Miniflare;
let toml = "";

/** A top-level string value of wrangler.toml (the file is small and flat enough for a pattern). */
const tomlString = (key: string): string | undefined => toml.match(new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, "m"))?.[1];

beforeAll(async () => {
  toml = await readFile(new URL(`../../${DIR}/wrangler.toml`, import.meta.url), "utf8");
  bundle = await bundleWorker(`${DIR}/${tomlString("main")}`);
  const kv = toml.match(/\[\[kv_namespaces\]\]\s*\nbinding\s*=\s*"([^"]+)"/)![1]!;
  mf = await startWorkers([{ name: "example", bundle, kvNamespaces: [kv], bindings: { SESSION_SECRET: "example-test-secret-of-at-least-32-chars" } }]);
});

afterAll(async () => {
  await mf?.dispose();
  await removeBundle(bundle);
});

const ORIGIN = "http://localhost:8787";
const fetchExample: Fetch = (path, init) => mf.dispatchFetch(ORIGIN + path, { redirect: "manual", ...init } as never) as unknown as Promise<Response>;
const form = (body: Record<string, string>): RequestInit => ({
  method: "POST",
  headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(body).toString(),
});

describe("example: cloudflare-worker (Hono + KV)", () => {
  it("declares what unsession needs and nothing more: a KV binding, no nodejs_compat", () => {
    expect(tomlString("main")).toBe("src/index.ts");
    expect(tomlString("compatibility_date")).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(toml).not.toMatch(/^compatibility_flags/m);
    expect(bundle!.imports.filter((path) => path.startsWith("node:"))).toEqual([]);
  });

  it("logs in, serves the logged-in user, and logs out", async () => {
    const client = new Client(fetchExample);
    const anonymous = await client.send("/");
    expect(anonymous.text).toBe("You are not logged in.");
    expect(anonymous.setCookie).toBeNull();
    expect((await client.send("/me")).status).toBe(401);

    const login = await client.send("/login", form({ user: "ada" }));
    expect(login.status).toBe(303);
    expect(login.setCookie).toMatch(/^sid=s%3A[A-Za-z0-9_-]{43}\.[^;]+;.*HttpOnly/i);
    const sessionCookie = client.cookie!;

    expect((await client.send("/")).text).toBe("Welcome!\nHello, ada.");
    expect((await client.send("/")).text, "the flash is shown once").toBe("Hello, ada.");
    const me = await client.send("/me");
    expect(me.status).toBe(200);
    expect(JSON.parse(me.text)).toEqual({ user: "ada" });

    const kv = await mf.getKVNamespace("SESSIONS");
    const id = decodeURIComponent(sessionCookie.slice(4)).slice(2).split(".")[0]!;
    expect(JSON.parse((await kv.get(`sess:${id}`))!).user).toBe("ada");

    const logout = await client.send("/logout", form({}));
    expect(logout.status).toBe(303);
    expect(logout.setCookie).toMatch(/^sid=;/);
    expect(client.cookie).toBeNull();
    expect((await client.send("/me")).status).toBe(401);
    expect(await kv.get(`sess:${id}`)).toBeNull();

    const replay = new Client(fetchExample);
    replay.cookie = sessionCookie;
    expect((await replay.send("/me")).status, "the logged-out cookie is dead").toBe(401);
  });

  it("refuses a cross-site login form (Hono's csrf middleware)", async () => {
    const client = new Client(fetchExample);
    const res = await client.send("/login", { ...form({ user: "eve" }), headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(403);
    expect(res.setCookie).toBeNull();
  });
});
