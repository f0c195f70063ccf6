/**
 * Sealing: authenticated encryption of a string (AES-256-GCM through WebCrypto via uncrypto) under a key
 * derived from a password, with a key identifier for rotation, an optional expiry, and a purpose bound as
 * additional authenticated data. Used by the cookie store (the session travels sealed in the cookie) and by
 * `encrypt` (records sealed at rest). The format is documented in docs/sealed.md:
 *
 * ```
 * u1 . <kid> . <exp> . <iv> . <ciphertext+tag>
 * ```
 * `u1` the version; `kid` the key identifier; `exp` the expiry in seconds since the epoch, base 36 (`0`: none);
 * `iv` 12 random bytes and the ciphertext with its 16-byte GCM tag, both base64url without padding.
 * The additional data is `u1.<kid>.<exp>.<purpose>`: the header and the purpose cannot be changed or swapped.
 *
 * Key derivation is HKDF-SHA256, not PBKDF2: a password must be at least 32 characters of high-entropy
 * material, like the signing secret (and the same secret may serve as password), so a deliberately slow KDF
 * would add no strength against guessing, and it would cost every cold start. Keys are derived once per
 * password and kept for the sealer's life.
 * @module
 */
import { getRandomValues, subtle } from "uncrypto";
import { BoundedMap } from "./bounded.ts";
import { UnsessionError } from "./errors.ts";
import type { MaybePromise } from "./types.ts";
import { fromBase64, toBase64 } from "./signer.ts";

const encoder = new TextEncoder();
// ignoreBOM: a text that starts with U+FEFF comes back as it was sealed.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const VERSION = "u1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KID = /^[A-Za-z0-9_-]{1,16}$/;
/** Seals longer than this are refused unopened (a cookie holds at most 4,096 bytes; a record 1 MiB here). */
const MAX_SEAL_LENGTH = 1 << 20;
/**
 * Seals opened before, kept with their text so that a returning cookie costs no AES (WebCrypto's per-call cost on
 * Node is tens of µs). Only seals that opened enter it; each hit checks the purpose and the expiry again.
 */
const OPENED_MAX = 1000;
/** Minimum password length: the same rule as the signing secret (≥ 128 bits of key material, OWASP ASVS 11.2.3). */
export const MIN_PASSWORD_LENGTH = 32;

/**
 * One password, several passwords (an array: the first seals, all open), or passwords by key ID
 * (`{ 1: "…", 2: "…" }`: the highest numeric ID seals, all open).
 */
export type SealPasswords = string | readonly string[] | Readonly<Record<string | number, string>>;

/** Seals and opens strings. */
export interface Sealer {
  /**
   * Seals `text` for `purpose` (e.g. the cookie's name, or a record's key). `expires`: ms since the epoch after
   * which `unseal` refuses it, or `undefined` for none.
   */
  seal(text: string, purpose: string, expires?: number): Promise<string>;
  /**
   * The text, or `null` for anything that is not a live seal for `purpose` under a known key: never throws (a
   * rejected promise never either). Synchronous for a seal this sealer opened recently.
   */
  unseal(sealed: string, purpose: string, now?: number): MaybePromise<string | null>;
  /** True when `sealed` names the key that seals now (no re-sealing is needed for rotation). */
  isPrimary(sealed: string): boolean;
  /** Length of the seal of a text of `bytes` UTF-8 bytes, kid and expiry included (for size checks before sealing). */
  sealedLength(bytes: number, expires?: number): number;
}

/** What `createSealer` is for: keys of different contexts are independent even from one password. */
export type SealContext = "cookie" | "record";

const fail = (message: string): never => {
  throw new UnsessionError("ERR_OPTIONS", message);
};

const checkPassword = (password: unknown, where: string): string => {
  if (typeof password !== "string" || password.length < MIN_PASSWORD_LENGTH) {
    fail(`${where} must be at least ${MIN_PASSWORD_LENGTH} characters (got ${typeof password === "string" ? password.length : typeof password})`);
  }
  return password as string;
};

/** A key ID derived from the password (HKDF, its own info): stable under reordering, reveals nothing of the password. */
const fingerprint = async (password: string, context: SealContext): Promise<string> => {
  const base = await subtle.importKey("raw", encoder.encode(password), "HKDF", false, ["deriveBits"]);
  const bits = await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(`unsession ${VERSION} ${context} key-id`) }, base, 48);
  return toBase64(new Uint8Array(bits), true);
};

const deriveKey = async (password: string, context: SealContext): Promise<CryptoKey> => {
  const base = await subtle.importKey("raw", encoder.encode(password), "HKDF", false, ["deriveKey"]);
  return subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(`unsession ${VERSION} ${context} aes-256-gcm`) },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
};

/** The passwords as `[kid | undefined, password]`, the sealing one first; `undefined` kids are derived. */
const normalise = (passwords: SealPasswords): [string | undefined, string][] => {
  if (typeof passwords === "string") return [[undefined, checkPassword(passwords, "password")]];
  if (Array.isArray(passwords)) {
    if (passwords.length === 0) fail("password must not be an empty array");
    return passwords.map((p, i) => [undefined, checkPassword(p, `password[${i}]`)]);
  }
  if (passwords === null || typeof passwords !== "object") return fail("password must be a string, an array of strings, or an object of strings by key ID");
  const entries = Object.entries(passwords as Record<string, string>);
  if (entries.length === 0) fail("password must name at least one key");
  for (const [kid, p] of entries) {
    if (!KID.test(kid)) fail(`password key IDs must be 1–16 characters of [A-Za-z0-9_-] (got ${JSON.stringify(kid)})`);
    checkPassword(p, `password[${JSON.stringify(kid)}]`);
  }
  // The highest numeric ID seals (iron-session's convention); non-numeric IDs sort after, by name.
  const rank = (kid: string): number => (/^\d+$/.test(kid) ? Number(kid) : -1);
  entries.sort((a, b) => rank(b[0]) - rank(a[0]) || (a[0] < b[0] ? 1 : -1));
  return entries.map(([kid, p]) => [kid, p]);
};

const b64Length = (bytes: number): number => Math.ceil((bytes * 4) / 3);

/**
 * Creates a sealer. Throws `ERR_OPTIONS` for a password shorter than 32 characters or a malformed key ID.
 * Keys (and derived key IDs) are computed lazily, once.
 */
export function createSealer(passwords: SealPasswords, context: SealContext = "cookie"): Sealer {
  const list = normalise(passwords);
  let keys: Promise<Map<string, CryptoKey>> | undefined;
  let primaryKid: string | undefined;
  const getKeys = (): Promise<Map<string, CryptoKey>> =>
    (keys ??= Promise.all(
      list.map(async ([kid, password]) => [kid ?? (await fingerprint(password, context)), await deriveKey(password, context)] as const),
    ).then((pairs) => {
      primaryKid = pairs[0]![0];
      return new Map(pairs);
    }));
  // Fixed-length kids of derived IDs (8 chars) let sealedLength answer before the keys exist.
  const kidLength = list[0]![0]?.length ?? 8;

  const opened = new BoundedMap<string, [purpose: string, text: string]>(OPENED_MAX);

  const open = async (sealed: string, kid: string, exp: string, ivText: string, cipherText: string, purpose: string): Promise<string | null> => {
    try {
      const key = (await getKeys()).get(kid);
      if (key === undefined) return null;
      const iv = fromBase64Url(ivText);
      const cipher = fromBase64Url(cipherText);
      if (!iv || iv.length !== IV_BYTES || !cipher || cipher.length < TAG_BYTES) return null;
      // GCM checks the tag over ciphertext and additional data before releasing anything (constant-time tag compare).
      const plain = await subtle.decrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(`${VERSION}.${kid}.${exp}.${purpose}`) }, key, cipher);
      const text = decoder.decode(plain);
      opened.set(sealed, [purpose, text]);
      return text;
    } catch {
      return null;
    }
  };

  const expField = (expires: number | undefined): string => (expires === undefined ? "0" : Math.ceil(expires / 1000).toString(36));

  return {
    async seal(text, purpose, expires) {
      const map = await getKeys();
      const kid = primaryKid!;
      const header = `${VERSION}.${kid}.${expField(expires)}`;
      const iv = getRandomValues(new Uint8Array(IV_BYTES));
      const cipher = await subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(`${header}.${purpose}`) }, map.get(kid)!, encoder.encode(text));
      return `${header}.${toBase64(iv, true)}.${toBase64(new Uint8Array(cipher), true)}`;
    },
    unseal(sealed, purpose, now = Date.now()) {
      if (typeof sealed !== "string" || sealed.length > MAX_SEAL_LENGTH) return null;
      const parts = sealed.split(".");
      if (parts.length !== 5 || parts[0] !== VERSION) return null;
      const [, kid, exp, ivText, cipherText] = parts as [string, string, string, string, string];
      if (!/^[0-9a-z]{1,10}$/.test(exp)) return null;
      const expSeconds = parseInt(exp, 36);
      if (expSeconds !== 0 && expSeconds * 1000 <= now) return null;
      const hit = opened.get(sealed);
      if (hit !== undefined) return hit[0] === purpose ? hit[1] : null;
      return open(sealed, kid, exp, ivText, cipherText, purpose);
    },
    isPrimary(sealed) {
      return primaryKid !== undefined && sealed.startsWith(`${VERSION}.${primaryKid}.`);
    },
    sealedLength(bytes, expires) {
      return VERSION.length + 1 + kidLength + 1 + expField(expires).length + 1 + b64Length(IV_BYTES) + 1 + b64Length(bytes + TAG_BYTES);
    },
  };
}

/** Decodes base64url without padding; `null` when malformed or non-canonical. */
function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (/[+/=]/.test(text)) return null;
  return fromBase64(text.replace(/-/g, "+").replace(/_/g, "/"));
}
