import { describe, expect, it } from "vitest";
import { createSessions } from "../../src/index.ts";

const secret = "a-very-long-secret-of-at-least-32-chars";

describe("core smoke", () => {
  it("issues a cookie only when data is set, then reads it back", async () => {
    const sessions = createSessions<{ views?: number }>({ secret });
    const handler = sessions.wrap((_req, session) => {
      session.data.views = (session.data.views ?? 0) + 1;
      return new Response(String(session.data.views));
    });
    const r1 = await handler(new Request("http://127.0.0.1/"));
    expect(await r1.text()).toBe("1");
    const setCookie = r1.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^sid=s%3A[A-Za-z0-9_-]{43}\./);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Lax");
    const cookie = setCookie.split(";")[0]!;
    const r2 = await handler(new Request("http://127.0.0.1/", { headers: { cookie } }));
    expect(await r2.text()).toBe("2");
    const quiet = sessions.wrap((_req, session) => new Response(String(session.isNew)));
    const r3 = await quiet(new Request("http://127.0.0.1/"));
    expect(r3.headers.get("set-cookie")).toBeNull();
  });
});
