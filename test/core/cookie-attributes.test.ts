import { describe, expect, it } from "vitest";
import { createSessions, type SessionOptions } from "../../src/index.ts";
import { client } from "../helpers/client.ts";
import { SECRET, attribute, cookiePair, request, spyStorage } from "../helpers/spy-storage.ts";

type Data = { n?: number };

function setup(options: Partial<SessionOptions> = {}) {
  const spy = spyStorage();
  const sessions = createSessions<Data>({ secret: SECRET, storage: spy.storage, ...options });
  return { spy, sessions, browser: client(sessions) };
}

/** The Set-Cookie of a request that sets data. */
async function issue(options: Partial<SessionOptions> = {}, init: { url?: string; headers?: Record<string, string> } = {}) {
  const ctx = setup(options);
  const exchange = await ctx.browser.run((s) => void (s.data.n = 1), init);
  return { ...ctx, ...exchange };
}

describe("cookie attributes: defaults", () => {
  it("is HttpOnly, SameSite=Lax, Path=/, without Domain, Max-Age or Expires", async () => {
    const { setCookie } = await issue();
    expect(attribute(setCookie!, "HttpOnly")).toBe(true);
    expect(attribute(setCookie!, "SameSite")).toBe("Lax");
    expect(attribute(setCookie!, "Path")).toBe("/");
    expect(attribute(setCookie!, "Domain")).toBeUndefined();
    expect(attribute(setCookie!, "Max-Age")).toBeUndefined();
    expect(attribute(setCookie!, "Expires")).toBeUndefined();
    expect(attribute(setCookie!, "Partitioned")).toBeUndefined();
  });

  it("can turn HttpOnly off and use SameSite=Strict", async () => {
    const { setCookie } = await issue({ cookie: { httpOnly: false, sameSite: "strict" } });
    expect(attribute(setCookie!, "HttpOnly")).toBeUndefined();
    expect(attribute(setCookie!, "SameSite")).toBe("Strict");
  });

  it("sets Partitioned, Priority, Domain and Path when asked", async () => {
    const { setCookie } = await issue(
      { cookie: { partitioned: true, priority: "high", domain: "example.test", path: "/app", sameSite: "none" } },
      { url: "https://example.test/app/x" },
    );
    expect(attribute(setCookie!, "Partitioned")).toBe(true);
    expect(attribute(setCookie!, "Priority")).toBe("High");
    expect(attribute(setCookie!, "Domain")).toBe("example.test");
    expect(attribute(setCookie!, "Path")).toBe("/app");
    expect(attribute(setCookie!, "SameSite")).toBe("None");
    expect(attribute(setCookie!, "Secure")).toBe(true);
  });
});

describe("cookie attributes: Secure", () => {
  it("auto (default): Secure on an https request", async () => {
    const { setCookie } = await issue({}, { url: "https://127.0.0.1/" });
    expect(attribute(setCookie!, "Secure")).toBe(true);
  });

  it("auto: not Secure on an http request", async () => {
    const { setCookie } = await issue({}, { url: "http://127.0.0.1/" });
    expect(attribute(setCookie!, "Secure")).toBeUndefined();
  });

  it("auto: X-Forwarded-Proto is ignored without proxy", async () => {
    const { setCookie } = await issue({}, { url: "http://127.0.0.1/", headers: { "x-forwarded-proto": "https" } });
    expect(attribute(setCookie!, "Secure")).toBeUndefined();
  });

  it("auto: X-Forwarded-Proto https is trusted with proxy: true (first value of a list)", async () => {
    const a = await issue({ proxy: true }, { url: "http://127.0.0.1/", headers: { "x-forwarded-proto": "https" } });
    expect(attribute(a.setCookie!, "Secure")).toBe(true);
    const b = await issue({ proxy: true }, { url: "http://127.0.0.1/", headers: { "x-forwarded-proto": "HTTPS, http" } });
    expect(attribute(b.setCookie!, "Secure")).toBe(true);
    const c = await issue({ proxy: true }, { url: "http://127.0.0.1/", headers: { "x-forwarded-proto": "http, https" } });
    expect(attribute(c.setCookie!, "Secure")).toBeUndefined();
  });

  it("auto with a RequestLike: secure and forwardedProto decide", async () => {
    const plain = createSessions<Data>({ secret: SECRET });
    const behind = createSessions<Data>({ secret: SECRET, proxy: true });
    for (const [sessions, input, secure] of [
      [plain, { cookie: null, secure: true }, true],
      [plain, { cookie: null, secure: false, forwardedProto: "https" }, false],
      [behind, { cookie: null, secure: false, forwardedProto: "https" }, true],
    ] as const) {
      const s = await sessions.load(input);
      s.data.n = 1;
      expect(attribute((await sessions.commit(s))!, "Secure") === true, JSON.stringify(input)).toBe(secure);
    }
  });

  it("true: Secure on https, and no cookie at all over http (nor an orphan record)", async () => {
    const https = await issue({ cookie: { secure: true } }, { url: "https://127.0.0.1/" });
    expect(attribute(https.setCookie!, "Secure")).toBe(true);
    const http = await issue({ cookie: { secure: true } }, { url: "http://127.0.0.1/" });
    expect(http.setCookie).toBeNull();
    expect(await http.spy.keys()).toEqual([]);
  });

  it("false: never Secure, even on https", async () => {
    const { setCookie } = await issue({ cookie: { secure: false } }, { url: "https://127.0.0.1/" });
    expect(attribute(setCookie!, "Secure")).toBeUndefined();
  });
});

describe("cookie attributes: Path scope", () => {
  it("a request outside the cookie path gets no cookie and causes no store access", async () => {
    const ctx = setup({ cookie: { path: "/app" } });
    await ctx.browser.run((s) => void (s.data.n = 1), { url: "http://127.0.0.1/app/login" });
    const cookie = ctx.browser.cookie;
    expect(cookie).toBeTruthy();
    for (const url of ["http://127.0.0.1/", "http://127.0.0.1/other", "http://127.0.0.1/application", "http://127.0.0.1/ap"]) {
      ctx.spy.reset();
      const { setCookie, result } = await ctx.browser.run((s) => {
        const seen = s.data.n;
        s.data.n = 5;
        return seen;
      }, { url });
      expect(result, url).toBeUndefined();
      expect(setCookie, url).toBeNull();
      expect(ctx.spy.counts().total, url).toBe(0);
    }
    // Inside the path, the session is intact.
    for (const url of ["http://127.0.0.1/app", "http://127.0.0.1/app/", "http://127.0.0.1/app/deep/page?q=1"]) {
      const { result } = await ctx.browser.run((s) => s.data.n, { url });
      expect(result, url).toBe(1);
    }
  });

  it("a RequestLike with a path outside the cookie path is detached too", async () => {
    const ctx = setup({ cookie: { path: "/app" } });
    const s = await ctx.sessions.load({ cookie: null, path: "/elsewhere" });
    s.data.n = 1;
    expect(await ctx.sessions.commit(s)).toBeNull();
    expect(ctx.spy.counts().total).toBe(0);
  });
});

describe("cookie attributes: name prefixes", () => {
  const invalid: Record<string, Partial<SessionOptions>> = {
    "__Secure- without secure: true": { name: "__Secure-sid" },
    "__Secure- with secure: 'auto'": { name: "__Secure-sid", cookie: { secure: "auto" } },
    "__Host- without secure": { name: "__Host-sid" },
    "__Host- with a Domain": { name: "__Host-sid", cookie: { secure: true, domain: "example.test" } },
    "__Host- with a Path other than /": { name: "__Host-sid", cookie: { secure: true, path: "/app" } },
  };
  for (const [what, options] of Object.entries(invalid)) {
    it(`rejects ${what} with ERR_OPTIONS`, () => {
      expect(() => createSessions({ secret: SECRET, ...options })).toThrow(expect.objectContaining({ code: "ERR_OPTIONS" }));
    });
  }

  it("accepts valid __Host- and __Secure- cookies and uses their names", async () => {
    const host = await issue({ name: "__Host-sid", cookie: { secure: true } }, { url: "https://127.0.0.1/" });
    expect(cookiePair(host.setCookie)!.startsWith("__Host-sid=s%3A")).toBe(true);
    expect(attribute(host.setCookie!, "Domain")).toBeUndefined();
    const sec = await issue({ name: "__Secure-sid", cookie: { secure: true, domain: "example.test" } }, { url: "https://example.test/" });
    expect(cookiePair(sec.setCookie)!.startsWith("__Secure-sid=")).toBe(true);
  });
});

describe("cookie attributes: caching", () => {
  it("adds Cache-Control: no-store to a response that sets the cookie", async () => {
    const { response } = await issue();
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("adds Cache-Control: no-store to a response that clears the cookie", async () => {
    const ctx = setup();
    await ctx.browser.run((s) => void (s.data.n = 1));
    const { response, setCookie } = await ctx.browser.run((s) => s.destroy());
    expect(setCookie).toBeTruthy();
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("leaves Cache-Control alone when no cookie is sent", async () => {
    const ctx = setup();
    const handler = ctx.sessions.wrap(() => new Response("x", { headers: { "cache-control": "public, max-age=60" } }));
    const res = await handler(request());
    expect(res.headers.get("cache-control")).toBe("public, max-age=60");
  });

  it("adds the cookie to a response with immutable headers (Response.redirect)", async () => {
    const ctx = setup();
    const handler = ctx.sessions.wrap((_req, s) => {
      s.data.n = 1;
      return Response.redirect("http://127.0.0.1/home", 302);
    });
    const res = await handler(request());
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("http://127.0.0.1/home");
    expect(res.headers.get("set-cookie")).toBeTruthy();
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});
