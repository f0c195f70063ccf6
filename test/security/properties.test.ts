/**
 * Property-based tests (fast-check) of the core's attack surface: signing, cookie parsing, record parsing.
 * Checklist items 4, 19, 21, 28 and 30 for every input, not only the ones we thought of.
 */
import fc from "fast-check";
import { sign as csSign } from "cookie-signature";
import { createStorage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import { describe, expect, it } from "vitest";
import { readCookieValues } from "../../src/cookie.ts";
import { createSessions, isUnsessionError, storageStore } from "../../src/index.ts";
import { parseRecord } from "../../src/record.ts";
import { createSigner } from "../../src/signer.ts";
import { SECRET, faultyStore } from "./harness.ts";

const safeId = fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/);
const secret = fc.string({ minLength: 32, maxLength: 64, unit: "binary" });
const secrets = fc.array(secret, { minLength: 1, maxLength: 4 });

/** One edit of a string: replace, insert or delete a character, truncate, or append. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), ch: fc.string({ minLength: 1, maxLength: 1, unit: "binary" }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), ch: fc.string({ minLength: 1, maxLength: 3, unit: "binary" }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), ch: fc.constant("") }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(), ch: fc.constant("") }),
  fc.record({ kind: fc.constant("append" as const), at: fc.constant(0), ch: fc.string({ minLength: 1, maxLength: 8 }) }),
);

const mutate = (value: string, m: { kind: string; at: number; ch: string }): string => {
  const at = m.at % (value.length + 1);
  switch (m.kind) {
    case "replace":
      return value.slice(0, Math.min(at, value.length - 1)) + m.ch + value.slice(Math.min(at, value.length - 1) + 1);
    case "insert":
      return value.slice(0, at) + m.ch + value.slice(at);
    case "delete":
      return value.slice(0, Math.min(at, value.length - 1)) + value.slice(Math.min(at, value.length - 1) + 1);
    case "truncate":
      return value.slice(0, Math.min(at, value.length - 1));
    default:
      return value + m.ch;
  }
};

describe("property: signatures", () => {
  it("sign → verify round-trips for any ID and any secret list, and matches cookie-signature", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 80 }), secrets, async (id, list) => {
        const value = await createSigner(list).sign(id);
        expect(value).toBe("s:" + csSign(id, list[0]!));
        expect(await createSigner(list).unsign(value)).toBe(id); // a fresh signer: no cache involved
        expect(await createSigner([...list].reverse()).unsign(value)).toBe(id); // any position in the list verifies
      }),
      { numRuns: 300 },
    );
  });

  it("a cookie signed with a secret outside the list never verifies (rotation out)", async () => {
    await fc.assert(
      fc.asyncProperty(safeId, secrets, secret, async (id, list, other) => {
        fc.pre(!list.includes(other));
        const value = await createSigner([other]).sign(id);
        expect(await createSigner(list).unsign(value)).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it("any mutation of a signed cookie never verifies", async () => {
    const signer = createSigner([SECRET]);
    await fc.assert(
      fc.asyncProperty(safeId, mutation, async (id, m) => {
        const value = await signer.sign(id);
        const mutated = mutate(value, m);
        fc.pre(mutated !== value);
        expect(await createSigner([SECRET]).unsign(mutated)).toBeNull();
        expect(await signer.unsign(mutated)).toBeNull(); // nor through the verified-values cache
      }),
      { numRuns: 2000 },
    );
  });

  it("a mutated cookie loads as anonymous with zero store reads, through the manager", async () => {
    const store = faultyStore();
    const sessions = createSessions({ secret: SECRET, store });
    const first = await sessions.load(new Request("http://127.0.0.1/"));
    first.data.user = "alice";
    const setCookie = (await sessions.commit(first))!;
    const value = decodeURIComponent(setCookie.split(";")[0]!.slice(4));
    store.reset();
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const mutated = mutate(value, m);
        fc.pre(mutated !== value);
        const session = await sessions.load({ cookie: `sid=${encodeURIComponent(mutated)}` });
        expect(session.isNew).toBe(true);
        expect(session.data).toEqual({});
      }),
      { numRuns: 500 },
    );
    expect(store.reads).toBe(0);
  });
});

describe("property: the cookie parser never throws", () => {
  const names = fc.constantFrom("sid", "connect.sid", "__Host-sid", "a");
  it("on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: "binary" }), names, (header, name) => {
        const values = readCookieValues(header, name);
        expect(Array.isArray(values)).toBe(true);
        for (const v of values) expect(typeof v).toBe("string");
      }),
      { numRuns: 3000 },
    );
  });

  it("on arbitrary bytes, read as latin1 (Node) or as UTF-8 with replacement (fetch)", () => {
    const latin1 = new TextDecoder("latin1");
    const utf8 = new TextDecoder("utf-8");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), names, (bytes, name) => {
        readCookieValues(latin1.decode(bytes), name);
        readCookieValues(`${name}=${latin1.decode(bytes)}`, name);
        readCookieValues(utf8.decode(bytes), name);
      }),
      { numRuns: 3000 },
    );
  });

  it("on cookie-shaped headers: load() resolves, anonymous, for any value of the session cookie", async () => {
    const store = faultyStore();
    const sessions = createSessions({ secret: SECRET, store });
    const piece = fc.oneof(fc.string({ maxLength: 30, unit: "binary" }), fc.constantFrom("%", "%E0%A4%A", "%FF", "s:", ".", ";", "=", '"', "\u0000", "sid="));
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 12 }), async (parts) => {
        const session = await sessions.load({ cookie: `sid=${parts.join("")}; sid=${parts.reverse().join("")}` });
        expect(session.isNew).toBe(true);
      }),
      { numRuns: 1000 },
    );
    expect(store.reads).toBe(0);
  });
});

describe("property: arbitrary JSON records never pollute prototypes", () => {
  const hostileKey = fc.constantFrom("__proto__", "constructor", "prototype", "isAdmin", "polluted", "toString", "hasOwnProperty", "valueOf", "a");
  /** JSON text of nested objects whose keys are hostile; built as text so that "__proto__" is a real own key. */
  const { node } = fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v) ?? "null"),
      fc.array(fc.tuple(hostileKey, tie("node")), { maxLength: 4 }).map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`),
      fc.array(tie("node"), { maxLength: 3 }).map((items) => `[${items.join(",")}]`),
    ),
  }));
  const recordText = fc
    .tuple(fc.array(fc.tuple(hostileKey, node), { maxLength: 6 }), fc.boolean())
    .map(([entries, withMeta]) => {
      const body = entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`);
      body.unshift(`"cookie":{"originalMaxAge":null,"expires":null}`);
      if (withMeta) body.push(`"__unsession":{"c":${Date.now()},"i":${Date.now() + 3_600_000}}`);
      return `{${body.join(",")}}`;
    });

  const clean = (): void => {
    const probe = {} as Record<string, unknown>;
    expect(probe.polluted).toBeUndefined();
    expect(probe.isAdmin).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_KEYS);
    expect(typeof probe.toString).toBe("function");
    expect(typeof probe.hasOwnProperty).toBe("function");
  };
  const PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

  it("parseRecord: accepts or throws ERR_STORE_DATA, and never changes a prototype", () => {
    fc.assert(
      fc.property(fc.oneof(recordText, node), (text) => {
        try {
          const record = parseRecord(text);
          const proto = Object.getPrototypeOf(record);
          expect(proto === Object.prototype || proto === null).toBe(true);
          expect(Object.getPrototypeOf(record.cookie)).toBe(Object.prototype);
        } catch (error) {
          expect(isUnsessionError(error) && error.code === "ERR_STORE_DATA").toBe(true);
        }
        clean();
      }),
      { numRuns: 2000 },
    );
  });

  it("through a storage: load, change, commit and load again pollute nothing", async () => {
    const storage = createStorage({ driver: memoryDriver() });
    const sessions = createSessions({ secret: SECRET, store: storageStore(storage) });
    const first = await sessions.load(new Request("http://127.0.0.1/"));
    first.data.seed = 1;
    const cookie = (await sessions.commit(first))!.split(";")[0]!;
    const key = `sess:${first.id}`;
    await fc.assert(
      fc.asyncProperty(recordText, async (text) => {
        await storage.setItemRaw(key, text);
        let session;
        try {
          session = await sessions.load({ cookie });
        } catch (error) {
          expect(isUnsessionError(error)).toBe(true);
          clean();
          return;
        }
        const data = session.data as Record<string, unknown>;
        expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
        expect(Object.prototype.hasOwnProperty.call(data, "__proto__")).toBe(false);
        data.touched = true;
        try {
          await sessions.commit(session);
        } catch (error) {
          expect(isUnsessionError(error)).toBe(true);
        }
        clean();
        const again = await sessions.load({ cookie }).catch(() => undefined);
        if (again) expect(Object.getPrototypeOf(again.data)).toBe(Object.prototype);
        clean();
      }),
      { numRuns: 500 },
    );
  });
});
