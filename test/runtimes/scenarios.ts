/**
 * The runtime suite: one list of scenarios, run unchanged on Node, workerd, Deno and Bun against the
 * fixture app (test/fixtures/app.ts), once per target (`/core`: `wrap()`; `/hono`: the Hono adapter).
 * Scenarios only need a fetch-like function and a few assertions, so no test runner is imported here.
 * @module
 */

/** Sends a request to the app under test: `path` is relative to the target (e.g. "/views"). */
export type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

/** The assertions scenarios use; `node:assert/strict` fits, and so does a tiny hand-written one. */
export interface Assert {
  equal(actual: unknown, expected: unknown, message?: string): void;
  notEqual(actual: unknown, expected: unknown, message?: string): void;
  ok(value: unknown, message?: string): void;
  match(value: string, pattern: RegExp, message?: string): void;
}

/** One scenario of the suite. `sealed`: the target keeps sessions in the cookie (`cookieStore()`), not in a store. */
export interface Scenario {
  name: string;
  run(fetch: Fetch, assert: Assert, sealed?: boolean): Promise<void>;
}

/** The path prefixes of the fixture app: the core through `wrap()`, and the Hono adapter. */
export const targets: readonly string[] = ["/core", "/hono"];

/** The same two, with `store: cookieStore()`: sessions sealed in the cookie (test/fixtures/app.ts). */
export const sealedTargets: readonly string[] = ["/core-sealed", "/hono-sealed"];

/** True for a target of `sealedTargets` (or any prefix naming a sealed mount). */
export const isSealedTarget = (target: string): boolean => target.endsWith("-sealed");

/** A browser in miniature: keeps the session cookie it is given and sends it back. */
export class Client {
  /** `name=value` of the current cookie, or null. */
  cookie: string | null = null;
  /** The last `Set-Cookie` received, as sent. */
  lastSetCookie: string | null = null;
  readonly #fetch: Fetch;

  constructor(fetch: Fetch) {
    this.#fetch = fetch;
  }

  /** Sends a request with the cookie, stores any `Set-Cookie` (a cleared cookie is forgotten) and returns status and text. */
  async send(path: string, init: RequestInit = {}): Promise<{ status: number; text: string; setCookie: string | null }> {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set("cookie", this.cookie);
    const response = await this.#fetch(path, { ...init, headers });
    const all = response.headers.getSetCookie();
    const setCookie = all.length > 0 ? all[all.length - 1]! : null;
    if (setCookie) {
      this.lastSetCookie = setCookie;
      const cleared = /;\s*max-age=0\b/i.test(setCookie) || /;\s*expires=thu, 01 jan 1970/i.test(setCookie);
      this.cookie = cleared ? null : setCookie.split(";")[0]!;
    }
    return { status: response.status, text: await response.text(), setCookie };
  }
}

const post: RequestInit = { method: "POST" };

/** Every scenario of the runtime suite. */
export const scenarios: readonly Scenario[] = [
  {
    name: "issues no cookie until something is stored, then a signed HttpOnly one",
    async run(fetch, assert, sealed) {
      const client = new Client(fetch);
      const peek = await client.send("/peek");
      assert.equal(peek.status, 200);
      assert.equal(peek.setCookie, null, "a read-only visit sets no cookie");
      assert.equal(JSON.parse(peek.text).isNew, true);
      const first = await client.send("/views");
      assert.equal(first.text, "views: 1");
      assert.ok(first.setCookie, "a session with data sets a cookie");
      if (sealed) {
        // u1.<kid>.<exp>.<iv>.<ciphertext>, base64url: nothing of the data in clear.
        assert.match(first.setCookie!, /^sid=u1\.[A-Za-z0-9_-]+\.[0-9a-z]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+;/);
        assert.ok(!first.setCookie!.includes("views"), "the seal shows no data");
      } else {
        assert.match(first.setCookie!, /^sid=s%3A[A-Za-z0-9_-]{16,}\.[A-Za-z0-9%_+/-]+;/);
      }
      assert.match(first.setCookie!, /;\s*HttpOnly/i);
      assert.match(first.setCookie!, /;\s*SameSite=Lax/i);
      assert.match(first.setCookie!, /;\s*Path=\//i);
      assert.ok(!/;\s*Secure/i.test(first.setCookie!), "no Secure attribute over plain http with secure: auto");
    },
  },
  {
    name: "persists data across requests with the cookie",
    async run(fetch, assert) {
      const client = new Client(fetch);
      assert.equal((await client.send("/views")).text, "views: 1");
      const second = await client.send("/views");
      assert.equal(second.text, "views: 2");
      assert.equal((await client.send("/views")).text, "views: 3");
      const peek = JSON.parse((await client.send("/peek")).text);
      assert.equal(peek.isNew, false);
      assert.equal(peek.views, 3);
      const stranger = new Client(fetch);
      assert.equal((await stranger.send("/views")).text, "views: 1", "another client has its own session");
    },
  },
  {
    name: "ignores a tampered cookie and starts a new session",
    async run(fetch, assert) {
      const client = new Client(fetch);
      await client.send("/views");
      await client.send("/views");
      const good = client.cookie!;
      const last = good.slice(-1);
      const forged = good.slice(0, -1) + (last === "A" ? "B" : "A");
      const tampered = new Client(fetch);
      tampered.cookie = forged;
      const peek = JSON.parse((await tampered.send("/peek")).text);
      assert.equal(peek.isNew, true, "a bad signature loads no record");
      assert.equal(peek.views, null);
      const next = await tampered.send("/views");
      assert.equal(next.text, "views: 1");
      assert.ok(next.setCookie, "a new cookie replaces the forged one");
      assert.notEqual(tampered.cookie, forged);
      const unsigned = new Client(fetch);
      unsigned.cookie = good.replace(/^sid=s%3A/, "sid=").replace(/\.[^.]*$/, "");
      assert.equal(JSON.parse((await unsigned.send("/peek")).text).isNew, true, "an unsigned ID is ignored");
      assert.equal((await client.send("/views")).text, "views: 3", "the genuine cookie still works");
    },
  },
  {
    name: "regenerates the ID at login and retires the old one",
    async run(fetch, assert) {
      const client = new Client(fetch);
      await client.send("/views");
      const before = client.cookie!;
      const login = await client.send("/login?user=ada", post);
      assert.equal(login.status, 200);
      assert.ok(login.setCookie, "login sends a new cookie");
      assert.notEqual(client.cookie, before, "the ID changed");
      assert.equal((await client.send("/me")).text, "user: ada");
      assert.equal(JSON.parse((await client.send("/peek")).text).views, 1, "data kept across regenerate({ keepData: true })");
      const old = new Client(fetch);
      old.cookie = before;
      const stale = await old.send("/me");
      assert.equal(stale.status, 401, "the pre-login ID no longer loads anything");
    },
  },
  {
    name: "destroys the session at logout and clears the cookie",
    async run(fetch, assert, sealed) {
      const client = new Client(fetch);
      await client.send("/login?user=bob", post);
      const cookie = client.cookie!;
      assert.equal((await client.send("/me")).text, "user: bob");
      const logout = await client.send("/logout", post);
      assert.equal(logout.text, "logged out");
      assert.ok(logout.setCookie, "logout sends a clearing cookie");
      assert.match(logout.setCookie!, /^sid=;|max-age=0|expires=thu, 01 jan 1970/i);
      assert.equal(client.cookie, null);
      const replay = new Client(fetch);
      replay.cookie = cookie;
      if (sealed) {
        // Cookie-only: nothing on the server to remove; a copy of the cookie lives until its sealed deadline (docs/sealed.md).
        assert.equal((await replay.send("/me")).text, "user: bob", "a replayed seal stays valid until its deadline");
      } else {
        assert.equal((await replay.send("/me")).status, 401, "the destroyed ID is gone from the store");
      }
    },
  },
  {
    name: "delivers a flash value once, on the next request",
    async run(fetch, assert) {
      const client = new Client(fetch);
      const set = await client.send("/flash?msg=saved!", post);
      assert.equal(set.status, 204);
      assert.ok(client.cookie, "a flash creates the session");
      assert.equal((await client.send("/flash")).text, "saved!");
      assert.equal((await client.send("/flash")).text, "none", "read once");
    },
  },
  {
    name: "adds Vary: Cookie to responses that read the session, no-store to those that set or clear the cookie",
    async run(fetch, assert) {
      const untouched = await fetch("/runtime");
      await untouched.text();
      assert.equal(untouched.headers.get("vary"), null, "a handler that never touched the session: no Vary");
      const login = await fetch("/login?user=eve", post);
      await login.text();
      assert.equal(login.headers.get("cache-control"), "no-store", "the response that sets the cookie is never stored");
      const headers = { cookie: login.headers.getSetCookie()[0]!.split(";")[0]! };
      const me = await fetch("/me", { headers });
      assert.equal(await me.text(), "user: eve");
      assert.equal(me.headers.get("vary"), "Cookie", "a response that read the session varies by Cookie");
      assert.equal(me.headers.get("set-cookie"), null);
      const logout = await fetch("/logout", { ...post, headers });
      await logout.text();
      assert.equal(logout.headers.get("cache-control"), "no-store", "the response that clears the cookie is never stored");
    },
  },
];
