/** Caching headers of session responses (checklist 29): `Vary: Cookie`, `no-store`, `private, no-store`. */
import { describe, expect, it } from "vitest";
import { createSessions, type Session, type SessionOptions } from "../../src/index.ts";
import { SECRET } from "../helpers/spy-storage.ts";

type Data = { user?: string; n?: number };

/** A wrapped app whose handler is `fn`, and a one-cookie browser for it. */
function setup(options: Partial<SessionOptions> = {}) {
  const sessions = createSessions<Data>({ secret: SECRET, ...options });
  let cookie: string | null = null;
  let fn: (s: Session<Data>) => Response | Promise<Response> = () => new Response("ok");
  const app = sessions.wrap((_request, s) => fn(s));
  const send = async (handler: typeof fn, headers: Record<string, string> = {}): Promise<Response> => {
    fn = handler;
    const response = await app(new Request("http://shop.test/", { headers: cookie ? { ...headers, cookie } : headers }));
    const set = response.headers.get("set-cookie");
    if (set) cookie = /max-age=0/i.test(set) ? null : set.split(";")[0]!;
    return response;
  };
  /** Signs in: a stored session bound to `ada`. */
  const login = () =>
    send(async (s) => {
      await s.regenerate();
      s.setUser("ada");
      s.data.user = "ada";
      return new Response("in");
    });
  return { sessions, send, login };
}

const vary = (response: Response): string | null => response.headers.get("vary");
const cacheControl = (response: Response): string | null => response.headers.get("cache-control");

describe("caching: Vary: Cookie on responses that read the session", () => {
  it("adds nothing when the handler never touched the session", async () => {
    const { send, login } = setup();
    await login();
    const response = await send(() => new Response("static"));
    expect(vary(response)).toBeNull();
    expect(cacheControl(response)).toBeNull();
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("adds Vary: Cookie to a read-only response of an anonymous visitor, without a cookie or Cache-Control", async () => {
    const { send } = setup();
    const response = await send((s) => new Response(String(s.data.n ?? 0)));
    expect(vary(response)).toBe("Cookie");
    expect(cacheControl(response)).toBeNull();
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it.each<[string, (s: Session<Data>) => unknown]>([
    ["data", (s) => s.data],
    ["id", (s) => s.id],
    ["isNew", (s) => s.isNew],
    ["userId", (s) => s.userId],
    ["cookie", (s) => s.cookie.maxAge],
    ["getFlash", (s) => s.getFlash("x")],
  ])("counts reading %s as a read", async (_name, touch) => {
    const { send, login } = setup();
    await login();
    const response = await send((s) => {
      touch(s);
      return new Response("x");
    });
    expect(vary(response)).toBe("Cookie");
    expect(cacheControl(response)).toBeNull();
  });

  it("does not count `destroyed` or `accessed`, and reports a read through `accessed`", async () => {
    const { send } = setup();
    let before: boolean | undefined;
    let after: boolean | undefined;
    const untouched = await send((s) => {
      void s.destroyed;
      before = s.accessed;
      return new Response("x");
    });
    expect(before).toBe(false);
    expect(vary(untouched)).toBeNull();
    await send((s) => {
      void s.data;
      after = s.accessed;
      return new Response("x");
    });
    expect(after).toBe(true);
  });

  it("appends Cookie to an existing Vary, and never twice", async () => {
    const { send } = setup();
    const appended = await send((s) => new Response(String(s.data.n), { headers: { vary: "Accept-Encoding" } }));
    expect(vary(appended)).toBe("Accept-Encoding, Cookie");
    for (const existing of ["Cookie", "accept, cookie", "*"]) {
      const kept = await send((s) => new Response(String(s.data.n), { headers: { vary: existing } }));
      expect(vary(kept)).toBe(existing);
    }
  });

  it("adds the headers to a response with immutable headers (Response.redirect)", async () => {
    const { send } = setup();
    const response = await send((s) => {
      void s.data;
      return Response.redirect("http://shop.test/next", 303);
    });
    expect(response.status).toBe(303);
    expect(vary(response)).toBe("Cookie");
  });
});

describe("caching: Cache-Control", () => {
  it("sets no-store on a response that sets the cookie, over the app's own Cache-Control", async () => {
    const { send } = setup();
    const response = await send((s) => {
      s.data.n = 1;
      return new Response("x", { headers: { "cache-control": "public, max-age=600" } });
    });
    expect(response.headers.get("set-cookie")).toMatch(/^sid=/);
    expect(cacheControl(response)).toBe("no-store");
    expect(vary(response)).toBe("Cookie");
  });

  it("sets no-store on the logout response that clears the cookie", async () => {
    const { send, login } = setup();
    await login();
    const response = await send(async (s) => {
      await s.destroy();
      return new Response("bye");
    });
    expect(response.headers.get("set-cookie")).toMatch(/max-age=0/i);
    expect(cacheControl(response)).toBe("no-store");
  });

  it("keeps the app's Cache-Control on a read-only response", async () => {
    const { send, login } = setup();
    await login();
    const response = await send((s) => new Response(s.data.user, { headers: { "cache-control": "private, max-age=60" } }));
    expect(cacheControl(response)).toBe("private, max-age=60");
  });

  it("session.noStore() marks the page private, no-store, over the app's own Cache-Control", async () => {
    const { send, login } = setup();
    await login();
    const response = await send((s) => {
      s.noStore();
      return new Response("account", { headers: { "cache-control": "max-age=60" } });
    });
    expect(cacheControl(response)).toBe("private, no-store");
    expect(vary(response)).toBe("Cookie");
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("without privateWhenSignedIn, a signed-in page gets Vary only", async () => {
    const { send, login } = setup();
    await login();
    const response = await send((s) => new Response(s.data.user));
    expect(vary(response)).toBe("Cookie");
    expect(cacheControl(response)).toBeNull();
  });

  it("privateWhenSignedIn marks every page that reads a signed-in session private, no-store", async () => {
    const { send, login } = setup({ privateWhenSignedIn: true });
    const anonymous = await send((s) => new Response(String(s.data.n ?? 0)));
    expect(cacheControl(anonymous)).toBeNull();
    await login();
    const signedIn = await send((s) => new Response(s.data.user));
    expect(cacheControl(signedIn)).toBe("private, no-store");
    expect(vary(signedIn)).toBe("Cookie");
    const untouched = await send(() => new Response("static"));
    expect(cacheControl(untouched)).toBeNull();
    const own = await send((s) => new Response(s.data.user, { headers: { "cache-control": "private, max-age=5" } }));
    expect(cacheControl(own)).toBe("private, max-age=5");
  });

  it("refuses a privateWhenSignedIn that is not a boolean", () => {
    expect(() => createSessions({ secret: SECRET, privateWhenSignedIn: "yes" as never })).toThrow(/privateWhenSignedIn must be true or false/);
  });
});

describe("caching: commit(session, response) and cacheHeaders for adapters that write headers themselves", () => {
  it("commit(session, response) adds Vary to a read-only response", async () => {
    const { sessions } = setup();
    const s = await sessions.load(new Request("http://shop.test/"));
    void s.data.n;
    const response = await sessions.commit(s, new Response("x"));
    expect(vary(response)).toBe("Cookie");
  });

  it("cacheHeaders answers what to set, given Node-style current values", async () => {
    const { sessions } = setup({ privateWhenSignedIn: true });
    const untouched = await sessions.load(new Request("http://shop.test/"));
    expect(sessions.cacheHeaders(untouched, null)).toEqual({});
    expect(sessions.cacheHeaders(untouched, "sid=x; Path=/")).toEqual({ cacheControl: "no-store" });
    const read = await sessions.load(new Request("http://shop.test/"));
    void read.data;
    expect(sessions.cacheHeaders(read, null, { vary: ["Accept", "Origin"] })).toEqual({ vary: "Accept, Origin, Cookie" });
    expect(sessions.cacheHeaders(read, null, { vary: "Cookie" })).toEqual({});
    read.setUser("ada");
    expect(sessions.cacheHeaders(read, null, { vary: 7 })).toEqual({ vary: "7, Cookie", cacheControl: "private, no-store" });
    expect(sessions.cacheHeaders(read, null, { cacheControl: "max-age=1" })).toEqual({ vary: "Cookie" });
  });
});
