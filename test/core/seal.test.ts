import { describe, expect, it } from "vitest";
import { createSealer } from "../../src/seal.ts";
import { isUnsessionError } from "../../src/index.ts";

const P1 = "seal-test-password-one-0123456789-abcdef";
const P2 = "seal-test-password-two-0123456789-abcdef";
const P3 = "seal-test-password-three-0123456789-abcd";

/** Replaces the character at `i` by another of the base64url alphabet. */
const flipAt = (text: string, i: number): string => {
  const c = text[i]!;
  return text.slice(0, i) + (c === "A" ? "B" : "A") + text.slice(i + 1);
};

describe("seal: format", () => {
  it("is u1.<kid>.<exp>.<iv>.<ciphertext> in base64url, with a fresh IV each time", async () => {
    const sealer = createSealer(P1);
    const a = await sealer.seal("hello", "sid");
    const b = await sealer.seal("hello", "sid");
    expect(a).toMatch(/^u1\.[A-Za-z0-9_-]{8}\.0\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a.split(".")[3]).not.toBe(b.split(".")[3]);
    expect(a).not.toContain("hello");
    expect(await sealer.unseal(a, "sid")).toBe("hello");
    expect(await sealer.unseal(b, "sid")).toBe("hello");
  });

  it("predicts the seal's length before sealing", async () => {
    const sealer = createSealer(P1);
    for (const text of ["", "x", "ab", "abc", "é".repeat(100), JSON.stringify({ a: 1, b: [1, 2, 3] })]) {
      const bytes = new TextEncoder().encode(text).length;
      expect((await sealer.seal(text, "p")).length).toBe(sealer.sealedLength(bytes));
      const exp = Date.now() + 86_400_000;
      expect((await sealer.seal(text, "p", exp)).length).toBe(sealer.sealedLength(bytes, exp));
    }
  });

  it("round-trips any Unicode text", async () => {
    const sealer = createSealer(P1);
    const text = "\uFEFF日本語 🎉 \u0000 \"quotes\" " + "x".repeat(5000);
    expect(await sealer.unseal(await sealer.seal(text, "p"), "p")).toBe(text);
  });
});

describe("seal: tampering and misuse give null, never an exception", () => {
  it("refuses every single flipped character", async () => {
    const sealer = createSealer(P1);
    const sealed = await sealer.seal(JSON.stringify({ user: "ada" }), "sid");
    for (let i = 0; i < sealed.length; i++) {
      if (sealed[i] === ".") continue;
      expect(await sealer.unseal(flipAt(sealed, i), "sid")).toBeNull();
    }
  });

  it("refuses truncated and extended seals", async () => {
    const sealer = createSealer(P1);
    const sealed = await sealer.seal("payload", "sid");
    for (let n = 0; n < sealed.length; n++) expect(await sealer.unseal(sealed.slice(0, n), "sid")).toBeNull();
    expect(await sealer.unseal(sealed + "A", "sid")).toBeNull();
    expect(await sealer.unseal(sealed + ".x", "sid")).toBeNull();
  });

  it("refuses a seal made for another purpose (AAD binds the cookie name)", async () => {
    const sealer = createSealer(P1);
    const sealed = await sealer.seal("payload", "sid");
    expect(await sealer.unseal(sealed, "other")).toBeNull();
  });

  it("refuses garbage of every shape", async () => {
    const sealer = createSealer(P1);
    for (const junk of ["", ".", "....", "u1....", "u2.a.0.b.c", "s:abc.def", "u1.zzzzzzzz.0.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA", "x".repeat(2_000_000), null, 42, {}]) {
      expect(await sealer.unseal(junk as never, "sid")).toBeNull();
    }
  });

  it("refuses an edited expiry (the header is authenticated)", async () => {
    const sealer = createSealer(P1);
    const sealed = await sealer.seal("payload", "sid", Date.now() + 60_000);
    const parts = sealed.split(".");
    parts[2] = Math.ceil(Date.now() / 1000 + 86_400 * 365).toString(36);
    expect(await sealer.unseal(parts.join("."), "sid")).toBeNull();
    parts[2] = "0";
    expect(await sealer.unseal(parts.join("."), "sid")).toBeNull();
  });

  it("refuses a seal past its expiry, and opens it before", async () => {
    const sealer = createSealer(P1);
    const now = Date.now();
    const sealed = await sealer.seal("payload", "sid", now + 10_000);
    expect(await sealer.unseal(sealed, "sid", now)).toBe("payload");
    expect(await sealer.unseal(sealed, "sid", now + 11_000)).toBeNull();
  });

  it("refuses a seal whose key ID is unknown, or swapped for another known one", async () => {
    const one = createSealer({ 1: P1 });
    const both = createSealer({ 1: P1, 2: P2 });
    const sealed = await both.seal("payload", "sid");
    expect(sealed.startsWith("u1.2.")).toBe(true);
    expect(await one.unseal(sealed, "sid")).toBeNull();
    expect(await both.unseal(sealed.replace("u1.2.", "u1.1."), "sid")).toBeNull();
    expect(await both.unseal(sealed.replace("u1.2.", "u1.9."), "sid")).toBeNull();
  });

  it("keys of a cookie and of a record differ even from one password", async () => {
    const cookie = createSealer(P1, "cookie");
    const record = createSealer(P1, "record");
    expect(await record.unseal(await cookie.seal("x", "p"), "p")).toBeNull();
  });
});

describe("seal: the cache of opened seals", () => {
  it("opens a seal seen before synchronously, and still refuses it past its expiry or for another purpose", async () => {
    const sealer = createSealer(P1);
    const now = Date.now();
    const sealed = await sealer.seal("cached", "sid", now + 10_000);
    expect(await sealer.unseal(sealed, "sid", now)).toBe("cached");
    expect(sealer.unseal(sealed, "sid", now)).toBe("cached");
    expect(sealer.unseal(sealed, "other", now)).toBeNull();
    expect(sealer.unseal(sealed, "sid", now + 11_000)).toBeNull();
    // A tampered copy of a cached seal is a different string: it goes through GCM and fails.
    expect(await sealer.unseal(flipAt(sealed, sealed.length - 5), "sid", now)).toBeNull();
  });
});

describe("seal: rotation", () => {
  it("array: the first seals, all open; removing the old one kills its seals", async () => {
    const before = createSealer(P1);
    const old = await before.seal("old", "sid");
    const rotated = createSealer([P2, P1]);
    expect(await rotated.unseal(old, "sid")).toBe("old");
    expect(rotated.isPrimary(old)).toBe(false);
    const fresh = await rotated.seal("new", "sid");
    expect(rotated.isPrimary(fresh)).toBe(true);
    expect(await before.unseal(fresh, "sid")).toBeNull();
    // Derived key IDs do not depend on the order: [P1, P2] opens both too.
    expect(await createSealer([P1, P2]).unseal(fresh, "sid")).toBe("new");
    const removed = createSealer([P2]);
    expect(await removed.unseal(old, "sid")).toBeNull();
    expect(await removed.unseal(fresh, "sid")).toBe("new");
  });

  it("object: the highest numeric ID seals, whatever the key order", async () => {
    const sealer = createSealer({ 2: P2, 10: P3, 1: P1 });
    const sealed = await sealer.seal("x", "p");
    expect(sealed.startsWith("u1.10.")).toBe(true);
    expect(await createSealer({ 10: P3 }).unseal(sealed, "p")).toBe("x");
    expect(await createSealer({ 1: P1, 2: P2 }).unseal(sealed, "p")).toBeNull();
  });
});

describe("seal: options", () => {
  it("refuses passwords shorter than 32 characters, empty lists and bad key IDs", () => {
    const bad = ["short", [], [P1, "short"], {}, { "a.b": P1 }, { 1: "short" }, 42, null];
    for (const passwords of bad) {
      try {
        createSealer(passwords as never);
        expect.unreachable(`accepted ${JSON.stringify(passwords)}`);
      } catch (error) {
        expect(isUnsessionError(error) && error.code).toBe("ERR_OPTIONS");
      }
    }
  });
});
