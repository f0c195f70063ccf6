import { Hono, type Context } from "hono";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { stream } from "hono/streaming";
import { createStorage } from "unstorage";
import { describe, expect, expectTypeOf, it, vi } from "vitest";
import { session, type SessionEnv } from "../../adapters/hono.ts";
import { isUnsessionError, memoryStore, type Session, type SessionStore } from "../../src/index.ts";

const secret = "hono-adapter-test-secret-0123456789abcdef";
const otherSecret = "another-hono-adapter-secret-0123456789abc";
type Data = { userId?: string; views?: number; note?: string };

/** The `name=value` part of a response's session cookie, or null. */
const cookieOf = (res: Response): string | null => {
  const line = res.headers.getSetCookie().find((c) => c.startsWith("sid="));
  return line ? line.split(";")[0]! : null;
};
const idOf = (cookie: string): string => decodeURIComponent(cookie.slice(4)).slice(2).split(".")[0]!;

function counterApp(options: Parameters<typeof session>[0] = { secret }) {
  const app = new Hono<SessionEnv<Data>>();
  app.use(session<Data>(options));
  app.get("/count", (c) => {
    const s = c.get("session");
    s.data.views = (s.data.views ?? 0) + 1;
    return c.text(String(s.data.views));
  });
  app.get("/peek", (c) => c.text(String(c.get("session").data.views ?? 0)));
  return app;
}

describe("hono adapter: cookies and persistence", () => {
  it("issues a cookie only when data is set", async () => {
    const app = counterApp();
    const peek = await app.request("/peek");
    expect(await peek.text()).toBe("0");
    expect(peek.headers.get("set-cookie")).toBeNull();
    const count = await app.request("/count");
    expect(await count.text()).toBe("1");
    const cookie = cookieOf(count);
    expect(cookie).toMatch(/^sid=s%3A[A-Za-z0-9_-]{43}\./);
    expect(count.headers.get("set-cookie")).toContain("HttpOnly");
    expect(count.headers.get("cache-control")).toBe("no-store");
  });

  it("keeps the counter across requests and sends no cookie when nothing changed", async () => {
    const app = counterApp();
    const cookie = cookieOf(await app.request("/count"))!;
    for (let i = 2; i <= 4; i++) {
      const res = await app.request("/count", { headers: { cookie } });
      expect(await res.text()).toBe(String(i));
      expect(res.headers.get("set-cookie")).toBeNull(); // browser-session cookie: already set, nothing to resend
    }
    expect(await (await app.request("/peek", { headers: { cookie } })).text()).toBe("4");
  });

  it("ignores a tampered cookie", async () => {
    const app = counterApp();
    const cookie = cookieOf(await app.request("/count"))!;
    await app.request("/count", { headers: { cookie } });
    const last = cookie.at(-1) === "A" ? "B" : "A";
    const tampered = cookie.slice(0, -1) + last;
    const res = await app.request("/count", { headers: { cookie: tampered } });
    expect(await res.text()).toBe("1");
    expect(idOf(cookieOf(res)!)).not.toBe(idOf(cookie));
  });

  it("marks the cookie Secure on https requests (secure: auto)", async () => {
    const res = await counterApp().request("https://shop.example/count");
    expect(res.headers.get("set-cookie")).toContain("Secure");
    const plain = await counterApp().request("http://shop.example/count");
    expect(plain.headers.get("set-cookie")).not.toContain("Secure");
  });

  it("works with an asynchronous unstorage store", async () => {
    const app = counterApp({ secret, storage: createStorage() });
    const cookie = cookieOf(await app.request("/count"))!;
    expect(await (await app.request("/count", { headers: { cookie } })).text()).toBe("2");
  });
});

describe("hono adapter: login, logout, flash", () => {
  const app = new Hono<SessionEnv<Data>>();
  app.use(session<Data>({ secret }));
  app.post("/login", async (c) => {
    const s = c.get("session");
    await s.regenerate();
    s.data.userId = "u1";
    s.flash("message", "welcome");
    return c.redirect("/", 303);
  });
  app.get("/me", (c) => c.json({ userId: c.get("session").data.userId ?? null, flash: c.get("session").getFlash("message") ?? null }));
  app.post("/note", (c) => {
    c.get("session").data.note = "hi";
    return c.text("ok");
  });
  app.post("/logout", async (c) => {
    await c.get("session").destroy();
    return c.redirect("/", 303);
  });

  it("regenerates the ID at login; the old ID no longer works", async () => {
    const anon = cookieOf(await app.request("/note", { method: "POST" }))!;
    const login = await app.request("/login", { method: "POST", headers: { cookie: anon } });
    expect(login.status).toBe(303);
    const user = cookieOf(login)!;
    expect(idOf(user)).not.toBe(idOf(anon));
    expect(await (await app.request("/me", { headers: { cookie: user } })).json()).toEqual({ userId: "u1", flash: "welcome" });
    const old = await app.request("/me", { headers: { cookie: anon } });
    expect(await old.json()).toEqual({ userId: null, flash: null });
  });

  it("shows a flash message once", async () => {
    const user = cookieOf(await app.request("/login", { method: "POST" }))!;
    const first = await (await app.request("/me", { headers: { cookie: user } })).json();
    const second = await (await app.request("/me", { headers: { cookie: user } })).json();
    expect(first).toEqual({ userId: "u1", flash: "welcome" });
    expect(second).toEqual({ userId: "u1", flash: null });
  });

  it("clears the cookie at logout and forgets the session", async () => {
    const user = cookieOf(await app.request("/login", { method: "POST" }))!;
    const out = await app.request("/logout", { method: "POST", headers: { cookie: user } });
    const setCookie = out.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^sid=;/);
    expect(setCookie).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/);
    expect(await (await app.request("/me", { headers: { cookie: user } })).json()).toEqual({ userId: null, flash: null });
  });
});

describe("hono adapter: options from c.env", () => {
  type Bindings = { SESSION_SECRET: string };
  const app = new Hono<{ Bindings: Bindings } & SessionEnv<Data>>();
  let calls = 0;
  app.use(
    session<Data, { Bindings: Bindings }>((c) => {
      calls++;
      return { secret: c.env.SESSION_SECRET }; // a new object on every request
    }),
  );
  app.get("/count", (c) => {
    const s = c.get("session");
    s.data.views = (s.data.views ?? 0) + 1;
    return c.text(String(s.data.views));
  });

  it("resolves the secret per request and keeps one manager (and memory store) per configuration", async () => {
    const env = { SESSION_SECRET: secret };
    const cookie = cookieOf(await app.request("/count", {}, env))!;
    expect(await (await app.request("/count", { headers: { cookie } }, env)).text()).toBe("2");
    expect(await (await app.request("/count", { headers: { cookie } }, env)).text()).toBe("3");
    expect(calls).toBe(3);
    // Another secret: the cookie does not verify.
    expect(await (await app.request("/count", { headers: { cookie } }, { SESSION_SECRET: otherSecret })).text()).toBe("1");
    // Back to the first: the session is still there.
    expect(await (await app.request("/count", { headers: { cookie } }, env)).text()).toBe("4");
  });

  it("fails the request when the resolved options are invalid (and Hono logs the reason)", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const res = await app.request("/count", {}, { SESSION_SECRET: "short" });
      expect(res.status).toBe(500);
      expect(String(logged.mock.calls[0]?.[0])).toContain("secret must be at least 32 characters");
    } finally {
      logged.mockRestore();
    }
  });
});

describe("hono adapter: types", () => {
  it("types c.get('session') through SessionEnv without casts", () => {
    const app = new Hono<SessionEnv<{ userId?: string; cart: string[] }>>();
    app.use(session<{ userId?: string; cart: string[] }>({ secret }));
    app.get("/", (c) => {
      const s = c.get("session");
      expectTypeOf(s).toEqualTypeOf<Session<{ userId?: string; cart: string[] }>>();
      expectTypeOf(s.data.userId).toEqualTypeOf<string | undefined>();
      expectTypeOf(c.var.session.data.cart).toEqualTypeOf<string[]>();
      // @ts-expect-error: not a field of the data
      void s.data.nope;
      return c.text("ok");
    });
    // A chain after app.use(session()) sees the variable too, with no Env generic on the app.
    new Hono().use(session<{ n?: number }>({ secret })).get("/", (c) => {
      expectTypeOf(c.get("session").data.n).toEqualTypeOf<number | undefined>();
      return c.text("ok");
    });
  });
});

describe("hono adapter: every kind of response gets Set-Cookie", () => {
  const app = new Hono<SessionEnv<Data>>();
  app.use(session<Data>({ secret, commitOnError: false }));
  app.use(async (c, next) => {
    c.get("session").data.note = "seen"; // set before any handler: even a 404 carries the cookie
    await next();
  });
  app.get("/json", (c) => c.json({ ok: true }));
  app.get("/redirect", (c) => c.redirect("/json"));
  app.get("/immutable", () => Response.redirect("http://localhost/json", 302)); // immutable headers
  app.get("/stream", (c) =>
    stream(c, async (s) => {
      await s.write("a");
      await s.write("b");
    }),
  );
  app.get("/html", (c) => c.html("<p>hi</p>"));
  app.get("/boom", () => {
    throw new Error("boom");
  });
  app.notFound((c) => c.text("nope", 404));
  app.onError((_err, c) => c.text("handled", 500));

  for (const [path, status] of [
    ["/json", 200],
    ["/redirect", 302],
    ["/immutable", 302],
    ["/stream", 200],
    ["/html", 200],
    ["/missing", 404],
  ] as const) {
    it(`${path} → ${status} with Set-Cookie`, async () => {
      const res = await app.request(path);
      expect(res.status).toBe(status);
      expect(cookieOf(res)).not.toBeNull();
      expect(res.headers.getSetCookie()).toHaveLength(1);
      if (path === "/stream") expect(await res.text()).toBe("ab");
      if (path === "/immutable") expect(res.headers.get("location")).toBe("http://localhost/json");
    });
  }

  it("an onError response gets no cookie by default (the failed request's changes are dropped)", async () => {
    const res = await app.request("/boom");
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("handled");
    expect(res.headers.get("set-cookie")).toBeNull();
  });
});

describe("hono adapter: when a handler throws", () => {
  const build = (commitOnError: boolean) => {
    const store = memoryStore();
    const app = new Hono<SessionEnv<Data>>();
    app.use(session<Data>({ secret, store, commitOnError }));
    app.post("/set", (c) => {
      c.get("session").data.note = "before";
      return c.text("ok");
    });
    app.post("/fail", (c) => {
      c.get("session").data.note = "half-made";
      throw new Error("handler failed");
    });
    app.post("/logout-fail", async (c) => {
      await c.get("session").destroy();
      throw new HTTPException(500, { message: "after destroy" });
    });
    app.get("/note", (c) => c.text(String(c.get("session").data.note)));
    app.onError((err, c) => c.text(err.message, 500));
    return { app, store };
  };

  it("does not commit the changes of a failed request (default)", async () => {
    const { app } = build(false);
    const cookie = cookieOf(await app.request("/set", { method: "POST" }))!;
    const failed = await app.request("/fail", { method: "POST", headers: { cookie } });
    expect(failed.status).toBe(500);
    expect(failed.headers.get("set-cookie")).toBeNull();
    expect(await (await app.request("/note", { headers: { cookie } })).text()).toBe("before");
    // A new visitor whose first request fails gets no session at all.
    const fresh = await app.request("/fail", { method: "POST" });
    expect(fresh.headers.get("set-cookie")).toBeNull();
  });

  it("commits them with commitOnError: true", async () => {
    const { app } = build(true);
    const fresh = await app.request("/fail", { method: "POST" });
    expect(fresh.status).toBe(500);
    const cookie = cookieOf(fresh)!;
    expect(cookie).not.toBeNull();
    expect(await (await app.request("/note", { headers: { cookie } })).text()).toBe("half-made");
  });

  it("still clears the cookie of a session destroyed before the throw", async () => {
    const { app, store } = build(false);
    const cookie = cookieOf(await app.request("/set", { method: "POST" }))!;
    expect(store.size).toBe(1);
    const res = await app.request("/logout-fail", { method: "POST", headers: { cookie } });
    expect(res.status).toBe(500);
    expect(res.headers.get("set-cookie")).toMatch(/^sid=;/);
    expect(store.size).toBe(0);
  });
});

describe("hono adapter: store failures", () => {
  const build = () => {
    const inner = memoryStore();
    const state = { failRead: false, failWrite: false };
    const store: SessionStore = {
      get: async (id) => {
        if (state.failRead) throw new Error("connection refused (driver detail)");
        return inner.get(id);
      },
      set: async (id, record, ttl) => {
        if (state.failWrite) throw new Error("connection refused (driver detail)");
        inner.set(id, record, ttl);
      },
      delete: async (id) => inner.delete(id),
    };
    let ran = 0;
    const seen: unknown[] = [];
    const app = new Hono<SessionEnv<Data>>();
    app.use(session<Data>({ secret, store }));
    app.get("/count", (c) => {
      ran++;
      const s = c.get("session");
      s.data.views = (s.data.views ?? 0) + 1;
      return c.text(String(s.data.views));
    });
    const withOnError = new Hono<SessionEnv<Data>>();
    withOnError.use(session<Data>({ secret, store }));
    withOnError.get("/count", (c) => {
      ran++;
      return c.text("ran");
    });
    withOnError.onError((err, c) => {
      seen.push(err);
      return c.text("custom", err instanceof HTTPException ? err.status : 500);
    });
    return { app, withOnError, state, ran: () => ran, seen };
  };

  it("answers 503 and never runs the handler when the store fails on load", async () => {
    const { app, state, ran } = build();
    const cookie = cookieOf(await app.request("/count"))!;
    expect(ran()).toBe(1);
    state.failRead = true;
    const res = await app.request("/count", { headers: { cookie } });
    expect(res.status).toBe(503);
    expect(await res.text()).toBe("Service Unavailable"); // no driver message leaks
    expect(ran()).toBe(1);
  });

  it("hands app.onError an HTTPException(503) whose cause is the UnsessionError", async () => {
    const { app, withOnError, state, seen } = build();
    const cookie = cookieOf(await app.request("/count"))!;
    state.failRead = true;
    const res = await withOnError.request("/count", { headers: { cookie } });
    expect(res.status).toBe(503);
    expect(await res.text()).toBe("custom");
    const err = seen[0] as HTTPException;
    expect(err).toBeInstanceOf(HTTPException);
    expect(isUnsessionError(err.cause) && err.cause.code).toBe("ERR_STORE_READ");
  });

  it("answers 503 when the commit cannot write", async () => {
    const { app, state } = build();
    state.failWrite = true;
    const res = await app.request("/count");
    expect(res.status).toBe(503);
    expect(res.headers.get("set-cookie")).toBeNull();
  });
});

describe("hono adapter: pairing with hono middleware", () => {
  const app = new Hono<SessionEnv<Data>>();
  app.use(secureHeaders());
  app.use(csrf());
  app.use(session<Data>({ secret }));
  app.post("/note", async (c) => {
    const body = await c.req.parseBody();
    c.get("session").data.note = String(body.note);
    return c.text("saved");
  });
  app.get("/note", (c) => c.text(String(c.get("session").data.note ?? "")));
  const form = (origin?: string) => ({
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...(origin ? { origin } : {}) },
    body: "note=hello",
  });

  it("csrf() rejects a cross-site form post before the session is touched", async () => {
    const res = await app.request("http://localhost/note", form("https://evil.example"));
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("a same-origin post goes through, with secureHeaders() and Set-Cookie on one response", async () => {
    const res = await app.request("http://localhost/note", form("http://localhost"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const cookie = cookieOf(res)!;
    expect(await (await app.request("http://localhost/note", { headers: { cookie } })).text()).toBe("hello");
  });
});

describe("hono adapter: cookie path", () => {
  it("does not read or write the session outside the cookie's Path", async () => {
    const app = new Hono<SessionEnv<Data>>();
    app.use(session<Data>({ secret, cookie: { path: "/app" } }));
    app.get("*", (c: Context<SessionEnv<Data>>) => {
      const s = c.get("session");
      s.data.views = (s.data.views ?? 0) + 1;
      return c.text(String(s.data.views));
    });
    const inside = await app.request("/app/page");
    expect(inside.headers.get("set-cookie")).toContain("Path=/app");
    const outside = await app.request("/other");
    expect(outside.headers.get("set-cookie")).toBeNull();
  });
});

describe("hono adapter: the README snippet", () => {
  it("works as pasted (no generic on session(), typed through the app's Env)", async () => {
    process.env.SESSION_SECRET ??= "readme-snippet-secret-0123456789abcdefgh";
    // --- README snippet (import from "unsession/hono" in an app) ---
    type Data = { userId?: string; views?: number };
    const app = new Hono<SessionEnv<Data>>();

    app.use(session({ secret: process.env.SESSION_SECRET! })); // 32+ characters; an array rotates secrets

    app.get("/", (c) => {
      const s = c.get("session");
      s.data.views = (s.data.views ?? 0) + 1;
      const flash = s.getFlash<string>("message") ?? "";
      return c.text(`${flash}Hello ${s.data.userId ?? "guest"}, views: ${s.data.views}`);
    });

    app.post("/login", async (c) => {
      const s = c.get("session");
      // … check the credentials first …
      await s.regenerate(); // a new session ID at login
      s.data.userId = "alice";
      s.flash("message", "Welcome! ");
      return c.redirect("/", 303);
    });

    app.post("/logout", async (c) => {
      await c.get("session").destroy(); // record removed, cookie cleared
      return c.redirect("/", 303);
    });
    // --- end of snippet ---

    const first = await app.request("/");
    expect(await first.text()).toBe("Hello guest, views: 1");
    const login = await app.request("/login", { method: "POST", headers: { cookie: cookieOf(first)! } });
    const cookie = cookieOf(login)!;
    expect(await (await app.request("/", { headers: { cookie } })).text()).toBe("Welcome! Hello alice, views: 1");
    expect(await (await app.request("/", { headers: { cookie } })).text()).toBe("Hello alice, views: 2");
    const out = await app.request("/logout", { method: "POST", headers: { cookie } });
    expect(out.headers.get("set-cookie")).toMatch(/^sid=;/);
    expect(await (await app.request("/", { headers: { cookie } })).text()).toBe("Hello guest, views: 1");
  });
});
