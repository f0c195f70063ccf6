import { describe, expect, it } from "vitest";
import { createSessions, memoryStore } from "../../src/index.ts";
import { SECRET, cookiePair, idOf, request, spyStorage } from "../helpers/spy-storage.ts";

describe("ids: generation", () => {
  it("issues 10,000 unique IDs of 43 base64url characters (32 random bytes), each one a stored key", async () => {
    const store = memoryStore({ max: 20_000 });
    const sessions = createSessions<{ x?: number }>({ secret: SECRET, store });
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const session = await sessions.load({ cookie: null });
      session.data.x = 1;
      // save() issues the ID and writes the record without signing (the cookie format is tested in signing.test.ts).
      await session.save();
      ids.add(session.id);
    }
    expect(ids.size).toBe(10_000);
    expect(store.size).toBe(10_000);
    const bad = [...ids].filter((id) => !/^[A-Za-z0-9_-]{43}$/.test(id));
    expect(bad).toEqual([]);
  });

  it("carries no meaning: two IDs issued in a row share no common prefix beyond chance", async () => {
    const sessions = createSessions<{ x?: number }>({ secret: SECRET });
    let shared = 0;
    let previous = "";
    for (let i = 0; i < 200; i++) {
      const session = await sessions.load({ cookie: null });
      session.data.x = 1;
      await sessions.commit(session);
      if (previous && previous.slice(0, 3) === session.id.slice(0, 3)) shared++;
      previous = session.id;
    }
    // 1/64^3 per pair: a counter or timestamp prefix would match nearly always.
    expect(shared).toBeLessThan(3);
  });
});

describe("ids: custom genid", () => {
  it("uses the IDs of a custom generator", async () => {
    let n = 0;
    const spy = spyStorage();
    const sessions = createSessions<{ x?: number }>({
      secret: SECRET,
      storage: spy.storage,
      genid: () => `custom_${String(++n).padStart(20, "0")}`,
    });
    const handler = sessions.wrap((_req, session) => {
      session.data.x = 1;
      return new Response(session.id === "" ? "none" : "ok");
    });
    const res = await handler(request());
    expect(idOf(res.headers.get("set-cookie"))).toBe("custom_00000000000000000001");
    expect(await spy.keys()).toEqual(["sess:custom_00000000000000000001"]);
    // And it reads back.
    const again = await sessions.load(request(cookiePair(res.headers.get("set-cookie"))));
    expect(again.isNew).toBe(false);
    expect(again.data.x).toBe(1);
  });

  // Any non-empty string of at most 512 characters (express-session's genid may return anything). Through
  // unstorage, a key it would alter is stored encoded (src/stores/unstorage.ts); the cookie URL-encodes the ID.
  const unusual: Record<string, string> = {
    "a colon": "user:0000000000000000001",
    "a slash": "user/0000000000000000001",
    "a dot-dot": "..0000000000000000000001",
    "a backslash": "user\\000000000000000001",
    "a question mark": "user?0000000000000000001",
    "a space": "user 0000000000000000001",
    "a percent sign": "user%2F000000000000000001",
    "a tilde": "~user",
    "non-ASCII characters": "sessión-ü-€",
    "three characters": "abc",
    "512 characters": "a".repeat(512),
  };
  for (const [what, id] of Object.entries(unusual)) {
    it(`takes a generated ID with ${what}: one record, the cookie carries it, and it reads back`, async () => {
      const spy = spyStorage();
      const sessions = createSessions<{ x?: number }>({ secret: SECRET, storage: spy.storage, genid: () => id });
      const res = await sessions.wrap((_req, session) => {
        session.data.x = 1;
        return new Response("ok");
      })(request());
      expect(res.status).toBe(200);
      const setCookie = res.headers.get("set-cookie");
      expect(idOf(setCookie)).toBe(id);
      const keys = await spy.keys();
      expect(keys).toHaveLength(1);
      // Kept as it is when unstorage keeps it, else the prefix and "~" + base64url of the ID.
      // A colon is encoded too: on file drivers it would make a folder ("a" and "a:b" cannot both be stored).
      expect(keys[0]).toBe(/^[A-Za-z0-9_.%-]+$/.test(id) && !id.includes("..") ? `sess:${id}` : `sess:~${Buffer.from(id).toString("base64url")}`);
      const again = await sessions.load(request(cookiePair(setCookie)));
      expect(again.isNew).toBe(false);
      expect(again.id).toBe(id);
      expect(again.data.x).toBe(1);
    });
  }

  const invalid: Record<string, unknown> = {
    "an empty string": "",
    "more than 512 characters": "a".repeat(513),
    "a number": 12345678901234567890,
    "undefined": undefined,
  };
  for (const [what, id] of Object.entries(invalid)) {
    it(`rejects a generated ID that is ${what} (ERR_OPTIONS) and writes nothing`, async () => {
      const spy = spyStorage();
      const sessions = createSessions<{ x?: number }>({ secret: SECRET, storage: spy.storage, genid: () => id as string });
      const session = await sessions.load({ cookie: null });
      session.data.x = 1;
      await expect(sessions.commit(session)).rejects.toMatchObject({ name: "UnsessionError", code: "ERR_OPTIONS" });
      expect(spy.counts().total).toBe(0);
    });
  }

  it("answers 500 through wrap when genid returns no usable ID, without a cookie or the ID in the body", async () => {
    const sessions = createSessions<{ x?: number }>({ secret: SECRET, genid: () => "passwd".repeat(100) });
    const res = await sessions.wrap((_req, session) => {
      session.data.x = 1;
      return new Response("ok");
    })(request());
    expect(res.status).toBe(500);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await res.text()).not.toContain("passwd");
  });
});
