/**
 * The MemoryStore's text touch (adapters/express/record-text.ts) gives exactly what parsing, moving the cookie and
 * serialising again gives, and declines what it cannot edit safely.
 */
import { describe, expect, it } from "vitest";
import { movedCookieText } from "../../../adapters/express/record-text.ts";

const record = (cookie: object, data: object, meta?: object): string =>
  JSON.stringify({ cookie, ...data, ...(meta === undefined ? {} : { __unsession: meta }) });

/** What MemoryStore's parsing touch stores: the stored record, the new cookie, the new idle deadline. */
const byParsing = (stored: string, next: string): string => {
  const current = JSON.parse(stored);
  const update = JSON.parse(next);
  return JSON.stringify({ ...current, cookie: update.cookie, __unsession: { ...current.__unsession, i: update.__unsession.i } });
};

const oldCookie = { originalMaxAge: 3_600_000, expires: "2026-11-30T10:00:00.000Z", httpOnly: true, path: "/" };
const newCookie = { originalMaxAge: 3_600_000, expires: "2026-11-30T11:00:00.000Z", httpOnly: true, path: "/{weird}\"path" };
const datas: object[] = [
  {},
  { views: 1 },
  { passport: { user: "ann" }, cart: [{ sku: "a}b", n: 2 }, { sku: "\"i\":3", n: 1 }] },
  { text: "{\"cookie\":{},\"__unsession\":{\"i\":1}}", nested: { deep: { deeper: [1, [2, [3]]] } } },
  { unicode: "ünïcødé \u2028 \\ \"quoted\"", empty: { a: {} } },
];

describe("MemoryStore touch on the record's text", () => {
  for (const [n, data] of datas.entries()) {
    it(`moves the cookie and the idle deadline and keeps the data, as parsing does (data shape ${n})`, () => {
      const stored = record(oldCookie, data, { c: 1, i: 2, u: "ann", l: "Firefox \"i\":9", r: 3 });
      const next = record(newCookie, { other: "a request's copy, never stored by a touch" }, { c: 1, i: 99_999 });
      const moved = movedCookieText(stored, next);
      expect(moved).toBe(byParsing(stored, next));
    });
  }

  it("leaves the text as it is when the cookie did not move (a browser-session cookie): the store's entry expiry is the touch", () => {
    const cookie = { originalMaxAge: null, expires: null, httpOnly: true, path: "/" };
    const stored = record(cookie, { views: 1 }, { c: 1, i: 2 });
    expect(movedCookieText(stored, record(cookie, { views: 1 }, { c: 1, i: 99 }))).toBe(stored);
  });

  it("keeps flash values and other metadata as they are", () => {
    const stored = record(oldCookie, { a: 1 }, { c: 1, i: 2, f: { notice: { i: 5 } } });
    const next = record(newCookie, { a: 1 }, { c: 1, i: 7 });
    expect(movedCookieText(stored, next)).toBe(byParsing(stored, next));
  });

  it("declines what it cannot edit safely: another layout, no metadata, a second metadata key nested in the data", () => {
    const next = record(newCookie, {}, { c: 1, i: 7 });
    expect(movedCookieText(JSON.stringify({ views: 1, cookie: oldCookie }), next)).toBeUndefined();
    expect(movedCookieText(record(oldCookie, { views: 1 }), next)).toBeUndefined();
    expect(movedCookieText(record(oldCookie, { x: { y: 1, __unsession: { i: 1 } } }, { c: 1, i: 2 }), next)).toBeUndefined();
    expect(movedCookieText(record(oldCookie, {}, { c: 1, i: 2 }), "{broken")).toBeUndefined();
  });
});
