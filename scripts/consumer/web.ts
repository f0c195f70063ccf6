/**
 * A consumer of the packed `unsession` that needs no Node types: the core, Hono, Workers and the testing
 * export, with session data declared as an `interface`. Type-checked strictly by `scripts/consumer.mjs`
 * with and without `@types/node`, and run once by `node.ts`.
 * @module
 */
import { Hono } from "hono";
import { createSessions, memoryStore, UnsessionError, type Session, type SessionStore } from "unsession";
import { kvStore, withSession, type KVNamespaceLike } from "unsession/cloudflare";
import { session, type SessionEnv } from "unsession/hono";
import { runStoreConformance, type ConformanceApi } from "unsession/testing";

/** Session data as most apps write it: an interface, not an index signature. */
export interface Data {
  userId?: string;
  cart: string[];
}

const secret = "consumer-secret-0123456789abcdef-0123456789";

/** Core: `wrap` on a memory store. (Importing unstorage itself would load its driver typings: see docs/stores.md.) */
export const core = createSessions<Data>({ secret, store: memoryStore({ max: 100 }) });
export const coreFetch = core.wrap(async (request, s: Session<Data>) => {
  if (new URL(request.url).pathname === "/login") {
    await s.regenerate();
    s.data.userId = "ada";
    s.data.cart = ["tea"];
  }
  // @ts-expect-error typo checks survive: `userID` is not in `Data`.
  s.data.userID = "x";
  return new Response(`user=${s.data.userId ?? "-"} cart=${(s.data.cart ?? []).length}`);
});

/** Hono: `SessionEnv<Data>` types `c.get("session")`. */
export const app = new Hono<SessionEnv<Data>>();
app.use(session<Data>({ secret }));
app.get("/", (c) => {
  const data = c.get("session").data;
  data.userId ??= "hono";
  return c.text(`hono user=${data.userId}`);
});

/** Workers: `withSession<Data, Env>` with a KV binding in `env`. */
export interface Env {
  SESSIONS: KVNamespaceLike;
  SESSION_SECRET: string;
}
export const worker = {
  fetch: withSession<Data, Env>(
    async (_request, s) => {
      s.data.userId = "worker";
      return new Response(`worker user=${s.data.userId}`);
    },
    (env) => ({ secret: env.SESSION_SECRET, store: kvStore(env.SESSIONS) }),
  ),
};

/** A KV namespace in memory, enough for one request. */
export const memoryKv = (): KVNamespaceLike => {
  const map = new Map<string, string>();
  return {
    get: async (key) => map.get(key) ?? null,
    put: async (key, value) => void map.set(key, value),
    delete: async (key) => void map.delete(key),
  };
};

/** The testing export, with a runner small enough to live here. */
export async function conformance(): Promise<number> {
  const tests: Array<() => Promise<void>> = [];
  const fail = (message: string): never => {
    throw new Error(message);
  };
  // Deep equality as a test runner's toEqual: object key order does not matter (a merged record keeps the store's order).
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v !== null && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : v;
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
  const expect: ConformanceApi["expect"] = (actual) => ({
    toBe: (expected) => void (Object.is(actual, expected) || fail(`${String(actual)} !== ${String(expected)}`)),
    toEqual: (expected) => void (same(actual, expected) || fail(`${JSON.stringify(actual)} != ${JSON.stringify(expected)}`)),
    toBeNull: () => void (actual === null || fail(`${String(actual)} is not null`)),
    toBeTruthy: () => void (actual || fail(`${String(actual)} is not truthy`)),
    toContain: (expected) => void ((actual as string | unknown[]).includes(expected as never) || fail(`missing ${String(expected)}`)),
    not: {
      toBe: (expected) => void (!Object.is(actual, expected) || fail(`${String(actual)} === ${String(expected)}`)),
      toBeNull: () => void (actual !== null || fail("is null")),
      toContain: (expected) => void (!(actual as string | unknown[]).includes(expected as never) || fail(`contains ${String(expected)}`)),
    },
  });
  const store: SessionStore = memoryStore(); // each `open` must reach the same data: one store, shared
  runStoreConformance("consumer memory", { open: () => ({ store }), skipSlow: true }, {
    describe: (_name, fn) => fn(),
    it: (_name, fn) => void tests.push(fn),
    expect,
  });
  for (const test of tests) await test();
  return tests.length;
}

/** Fails loudly: the consumer's checks are plain code, no test runner. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new UnsessionError("ERR_STATE", `consumer check failed: ${message}`);
}
