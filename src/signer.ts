/**
 * HMAC-SHA256 signing of session IDs in express-session's cookie format
 * (`s:` + id + `.` + base64 MAC without padding), with WebCrypto via uncrypto.
 * @module
 */
import { getRandomValues, subtle } from "uncrypto";
import { BoundedMap } from "./bounded.ts";
import type { Secret } from "./options.ts";

const encoder = new TextEncoder();
const VERIFIED_CACHE_MAX = 10_000;
/** Characters of a value that key the verified-value cache (96 bits of its MAC). */
const TAIL = 16;

/** Signs and verifies session IDs with a list of secrets: the first signs, all verify. */
export interface Signer {
  /** `s:<id>.<mac>` (not URL-encoded); synchronous with a synchronous `hmac`. */
  sign(id: string): string | Promise<string>;
  /** The ID when `value` carries a valid MAC under any secret, else `null`. Synchronous for values verified before. */
  unsign(value: string): string | null | Promise<string | null>;
  /** True when `value` verified (earlier) under the first secret: no re-signing is needed. */
  isPrimary(value: string): boolean;
}

/** Creates a signer; keys are imported once, lazily, and cached. */
export function createSigner(secrets: readonly Secret[], hmac?: (key: Secret, data: string) => string): Signer {
  let keys: Promise<CryptoKey[]> | undefined;
  const getKeys = (): Promise<CryptoKey[]> =>
    (keys ??= Promise.all(
      secrets.map((secret) =>
        subtle.importKey("raw", typeof secret === "string" ? encoder.encode(secret) : Uint8Array.from(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]),
      ),
    ));
  // Values that verified before map to their ID (and whether the first secret verified them), so a returning
  // cookie costs no HMAC. Only successes are cached: a forged value can never enter this map.
  // Keyed by the value's last characters (part of its MAC): a Map hashes every character of a new key string, and the
  // value is a new string on every request; the whole value is then compared.
  const verified = new BoundedMap<string, { value: string; id: string; primary: boolean }>(VERIFIED_CACHE_MAX);
  const tailOf = (value: string): string => (value.length > TAIL ? value.slice(-TAIL) : value);
  const lookup = (value: string) => {
    const hit = verified.get(tailOf(value));
    return hit !== undefined && hit.value === value ? hit : undefined;
  };
  const signCache = new BoundedMap<string, string>(VERIFIED_CACHE_MAX);

  const remember = (value: string, id: string, first: boolean): void => verified.set(tailOf(value), { value, id, primary: first });

  function sign(id: string): string | Promise<string> {
    const cached = signCache.get(id);
    if (cached !== undefined) return cached;
    if (hmac === undefined) return signAsync(id);
    const value = `s:${id}.${hmac(secrets[0]!, id)}`;
    signCache.set(id, value);
    remember(value, id, true);
    return value;
  }

  async function signAsync(id: string): Promise<string> {
    const [key] = await getKeys();
    const mac = new Uint8Array(await subtle.sign("HMAC", key!, encoder.encode(id)));
    const value = `s:${id}.${toBase64(mac)}`;
    signCache.set(id, value);
    remember(value, id, true);
    return value;
  }

  async function verify(value: string): Promise<string | null> {
    const dot = value.lastIndexOf(".");
    if (!value.startsWith("s:") || dot < 3) return null;
    const id = value.slice(2, dot);
    const mac = fromBase64(value.slice(dot + 1));
    if (!mac || mac.length !== 32) return null;
    const data = encoder.encode(id);
    const keys = await getKeys();
    for (let i = 0; i < keys.length; i++) {
      // crypto.subtle.verify compares in constant time (OWASP ASVS 11.2.4).
      if (await subtle.verify("HMAC", keys[i]!, mac, data)) {
        remember(value, id, i === 0);
        return id;
      }
    }
    return null;
  }

  return {
    sign,
    unsign(value) {
      const hit = lookup(value);
      return hit === undefined ? verify(value) : hit.id;
    },
    isPrimary: (value) => lookup(value)?.primary === true,
  };
}

/** 32 random bytes, base64url without padding: 43 characters, 256 bits of entropy. */
export function randomId(): string {
  return toBase64(getRandomValues(new Uint8Array(32)), true);
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) LOOKUP[B64.charCodeAt(i)] = i;

/** Base64 (standard or url alphabet) without padding. */
export function toBase64(bytes: Uint8Array, url = false): string {
  const table = url ? B64URL : B64;
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += table[n >> 18]! + table[(n >> 12) & 63]! + table[(n >> 6) & 63]! + table[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += table[n >> 18]! + table[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += table[n >> 18]! + table[(n >> 12) & 63]! + table[(n >> 6) & 63]!;
  }
  return out;
}

/** Decodes standard base64 without padding (the MAC part of a signed cookie); `null` if malformed. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? LOOKUP[c]! : -1;
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  // Non-canonical trailing bits would let two strings carry one MAC.
  if ((acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}
