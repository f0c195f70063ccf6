/**
 * The hostile-input table shared by the adapter suites (hostile.test.ts over raw sockets, hostile-workers.test.ts).
 * @module
 */
import { sign as csSign } from "cookie-signature";
import { SECRET } from "./harness.ts";

/** A `sid` cookie whose MAC is valid for `id` under the suites' secret (what an insider or a bug could produce). */
export const signed = (id: string): string => `sid=${encodeURIComponent("s:" + csSign(id, SECRET))}`;

/** What a hostile request must end in: the victim's session, anonymous, or a 4xx from Node's HTTP parser. */
export type Outcome = "own" | "anonymous" | "rejected";

/** One hostile input. */
export interface Case {
  name: string;
  /** The Cookie header (latin1: one char per byte), given the victim's valid `sid=…` pair and another client's. */
  cookie: (victim: string, other: string) => string;
  path?: string;
  outcome: Outcome;
  /** No store read may happen (the ID is refused before the store). */
  noRead?: boolean;
  /** A validly signed ID that was never issued: at most one store read (its own key, found empty), never adopted. */
  oneRead?: boolean;
}

const forgedMac = "A".repeat(43);

/** The table. */
export const cases: Case[] = [
  { name: "duplicate cookies: a forged one before the valid one", cookie: (v) => `sid=s%3AforgedForgedForged1234.${forgedMac}; ${v}`, outcome: "own" },
  { name: "duplicate cookies: two valid ones (the first that verifies wins)", cookie: (v, o) => `${v}; ${o}`, outcome: "own" },
  { name: "an 8 KB session cookie", cookie: () => `sid=${"A".repeat(8192)}`, outcome: "anonymous", noRead: true },
  { name: "8 KB of other cookies around the valid one", cookie: (v) => `pad=${"B".repeat(4096)}; ${v}; pad2=${"C".repeat(4096)}`, outcome: "own" },
  { name: "invalid percent-encoding", cookie: () => "sid=%E0%A4%A", outcome: "anonymous", noRead: true },
  { name: "invalid percent-encoding with a signed-looking value", cookie: () => `sid=s%3A%ZZ%ZZ.${forgedMac}%`, outcome: "anonymous", noRead: true },
  { name: "invalid percent-encoding next to the valid cookie", cookie: (v) => `sid=%ZZ; ${v}`, outcome: "own" },
  { name: "non-UTF-8 bytes as the value", cookie: () => "sid=\xff\xfe\xfd\xc3\x28", outcome: "anonymous", noRead: true },
  { name: "non-UTF-8 bytes appended to a valid cookie", cookie: (v) => `${v}\xff\xfe`, outcome: "anonymous", noRead: true },
  { name: "__proto__ and constructor cookies beside the valid one", cookie: (v) => `__proto__=polluted; constructor=x; prototype=y; ${v}`, outcome: "own" },
  { name: "__proto__ as the session cookie's value", cookie: () => "sid=__proto__", outcome: "anonymous", noRead: true },
  { name: "__proto__ in the query string", cookie: (v) => v, path: "/set?v=own&__proto__[polluted]=1&constructor[prototype][polluted]=1", outcome: "own" },
  { name: "a very long forged ID", cookie: () => `sid=s%3A${"a".repeat(5000)}.${forgedMac}`, outcome: "anonymous", noRead: true },
  // Any ID up to 512 characters is an ID (express-session's genid may return anything): one read finds nothing.
  { name: "a long ID with a valid MAC (300 characters)", cookie: () => signed("a".repeat(300)), outcome: "anonymous", oneRead: true },
  { name: "a too long ID with a valid MAC (513 characters)", cookie: () => signed("a".repeat(513)), outcome: "anonymous", noRead: true },
  { name: "an ID with / and a valid MAC", cookie: () => signed("aaaaaaaa/bbbbbbbb/cccc"), outcome: "anonymous", oneRead: true },
  { name: "an ID with .. and a valid MAC", cookie: () => signed("../../../../etc/passwd"), outcome: "anonymous", oneRead: true },
  { name: "an ID with : and a valid MAC (unstorage's separator)", cookie: () => signed("sess:aaaaaaaaaaaaaaaaaaaa"), outcome: "anonymous", oneRead: true },
  { name: "a NUL byte (Node's parser answers 400 before any session code)", cookie: (v) => `${v}\x00`, outcome: "rejected" },
  { name: "a 20 KB Cookie header (Node's parser answers 431)", cookie: () => `sid=${"A".repeat(20_000)}`, outcome: "rejected" },
];

