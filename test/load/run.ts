/**
 * Load test: `npm run test:load`.
 *
 * Starts the Hono example (examples/hono-node, through test/load/server.ts) on 127.0.0.1, once with the
 * memory store and once with Redis (REDIS_URL, keys under a prefix unique to this run), and runs
 * LOAD_CLIENTS (default 100) concurrent clients for LOAD_SECONDS (default 30) against each. Every client has
 * its own cookie jar; it loads the shop, logs in (a regenerate), then loops: add an item to its cart, read
 * its cart page. On every page it checks that it sees exactly its own state (page views, cart, user).
 *
 * Reported per store: requests, throughput, latency, errors (must be 0), and lost or crossed sessions
 * (must be 0). Exits non-zero otherwise. Only 127.0.0.1 is contacted.
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createStorage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";

const SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 100);
const PRODUCTS = ["mug", "tee", "socks", "sticker"] as const;
// LOAD_SELF_TEST=1: odd clients take their neighbour's cookie once, to show that the checks catch a crossed session.
const SELF_TEST = process.env.LOAD_SELF_TEST === "1";
const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`;

interface Stats {
  requests: number;
  errors: number;
  lost: number;
  crossed: number;
  mismatched: number;
  latencies: number[];
  samples: string[];
}

/** What a client expects to see: its own page views, cart and user. */
interface Expected {
  views: number;
  cart: Record<string, number>;
  user: string | null;
}

interface Page {
  views: number | null;
  user: string | null;
  cart: Record<string, number> | null;
}

const parsePage = (html: string, withCart: boolean): Page => {
  const views = /id="views">Pages viewed in this session: (\d+)</.exec(html);
  const user = /Signed in as <strong>([^<]+)<\/strong>/.exec(html);
  let cart: Record<string, number> | null = null;
  if (withCart) {
    cart = {};
    for (const m of html.matchAll(/<tr data-item="(\w+)"><td>[^<]*<\/td><td class="qty">(\d+)</g)) cart[m[1]!] = Number(m[2]);
  }
  return { views: views ? Number(views[1]) : null, user: user ? user[1]! : null, cart };
};

const sameCart = (a: Record<string, number>, b: Record<string, number>): boolean => {
  const ka = Object.keys(a).filter((k) => a[k]! > 0);
  const kb = Object.keys(b).filter((k) => b[k]! > 0);
  return ka.length === kb.length && ka.every((k) => a[k] === b[k]);
};

async function startServer(store: "memory" | "redis", base: string): Promise<{ child: ChildProcess; port: number }> {
  const script = fileURLToPath(new URL("./server.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, LOAD_STORE: store, LOAD_REDIS_BASE: base, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the example server did not start within 30 s")), 30_000);
    child.once("exit", (code) => reject(new Error(`the example server exited (${code})`)));
    lines.on("line", (line) => {
      const m = /^listening (\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  return { child, port };
}

async function runClients(port: number, stats: Stats): Promise<void> {
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + SECONDS * 1000;
  const expected: Expected[] = [];
  const jars: (string | null)[] = [];

  const sample = (text: string): void => {
    if (stats.samples.length < 10) stats.samples.push(text);
  };

  /** Classifies a page that does not show what client `i` expects. */
  const misread = (i: number, page: Page, withCart: boolean): void => {
    const mine = expected[i]!;
    const other = expected.findIndex(
      (e, j) => j !== i && e.views === page.views && e.user === page.user && (!withCart || sameCart(e.cart, page.cart ?? {})),
    );
    if (other >= 0 && page.views !== 1) {
      stats.crossed++;
      sample(`client ${i} saw client ${other}'s session: ${JSON.stringify(page)}`);
    } else if (page.views === 1 || (mine.user !== null && page.user === null)) {
      stats.lost++;
      sample(`client ${i} lost its session: expected ${JSON.stringify(mine)}, saw ${JSON.stringify(page)}`);
    } else {
      stats.mismatched++;
      sample(`client ${i} saw an unexpected state: expected ${JSON.stringify(mine)}, saw ${JSON.stringify(page)}`);
    }
  };

  const client = async (i: number): Promise<void> => {
    let jar: string | null = null;
    const exp: Expected = (expected[i] = { views: 0, cart: {}, user: null });

    const request = async (method: "GET" | "POST", path: string, form?: Record<string, string>): Promise<Response | null> => {
      const headers: Record<string, string> = {};
      if (jar) headers.cookie = jar;
      if (form) {
        headers["content-type"] = "application/x-www-form-urlencoded";
        headers.origin = origin; // the example's CSRF check (same origin)
      }
      const started = performance.now();
      let response: Response;
      try {
        response = await fetch(origin + path, { method, headers, body: form ? new URLSearchParams(form) : undefined, redirect: "manual" });
      } catch (error) {
        stats.errors++;
        sample(`client ${i}: ${method} ${path}: ${(error as Error).message}`);
        return null;
      } finally {
        stats.requests++;
      }
      stats.latencies.push(performance.now() - started);
      for (const setCookie of response.headers.getSetCookie()) {
        const pair = setCookie.split(";")[0]!;
        jar = /^[^=]+=$/.test(pair) || /max-age=0/i.test(setCookie) ? null : pair;
      }
      return response;
    };

    /** A GET of a page: one more page view, then the page must show exactly this client's state. */
    const view = async (path: "/" | "/cart"): Promise<boolean> => {
      const response = await request("GET", path);
      if (!response) return false;
      const html = await response.text();
      if (response.status !== 200) {
        stats.errors++;
        sample(`client ${i}: GET ${path}: ${response.status}`);
        return false;
      }
      exp.views++;
      const withCart = path === "/cart";
      const page = parsePage(html, withCart);
      const ok = page.views === exp.views && page.user === exp.user && (!withCart || sameCart(page.cart!, exp.cart));
      if (!ok) {
        misread(i, page, withCart);
        // Carry on from what the server says, so that one fault is counted once.
        exp.views = page.views ?? exp.views;
        if (withCart && page.cart) exp.cart = page.cart;
        exp.user = page.user;
      }
      return true;
    };

    const post = async (path: string, form: Record<string, string>, status: number): Promise<boolean> => {
      const response = await request("POST", path, form);
      if (!response) return false;
      await response.arrayBuffer();
      if (response.status !== status) {
        stats.errors++;
        sample(`client ${i}: POST ${path}: ${response.status}, expected ${status}`);
        return false;
      }
      return true;
    };

    if (!(await view("/"))) return;
    const before = jar;
    if (!(await post("/login", { username: "demo", password: "demo" }, 303))) return;
    if (jar === before) {
      stats.mismatched++;
      sample(`client ${i}: login did not issue a new session ID`);
    }
    exp.user = "demo";
    if (!(await view("/"))) return;
    for (let k = 0; Date.now() < deadline && k < 1_000_000; k++) {
      jars[i] = jar;
      if (SELF_TEST && k === 1 && i % 2 === 1) jar = jars[i - 1] ?? jar;
      const item = PRODUCTS[(i * 7 + k) % PRODUCTS.length]!;
      if (!(await post("/cart", { item }, 303))) return;
      exp.cart[item] = (exp.cart[item] ?? 0) + 1;
      if (!(await view("/cart"))) return;
    }
    if (!(await post("/logout", {}, 200))) return;
    if (jar !== null) {
      stats.mismatched++;
      sample(`client ${i}: logout did not clear the cookie`);
    }
    // After logout: a brand-new anonymous session, nothing of the old one.
    expected[i] = { views: 0, cart: {}, user: null };
    Object.assign(exp, expected[i]);
    await view("/cart");
  };

  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

async function run(store: "memory" | "redis"): Promise<boolean> {
  const base = `unsession-load-${runId}`;
  const { child, port } = await startServer(store, base);
  const stats: Stats = { requests: 0, errors: 0, lost: 0, crossed: 0, mismatched: 0, latencies: [], samples: [] };
  const started = performance.now();
  try {
    await runClients(port, stats);
  } finally {
    child.kill("SIGTERM");
    await once(child, "exit").catch(() => undefined);
    if (store === "redis") {
      const storage = createStorage({ driver: redisDriver({ url: process.env.REDIS_URL!, base }) });
      await storage.clear(); // this run's keys only
      await storage.dispose();
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  const sorted = stats.latencies.sort((a, b) => a - b);
  const ok = stats.errors === 0 && stats.lost === 0 && stats.crossed === 0 && stats.mismatched === 0 && stats.requests > 0;
  console.log(
    [
      `store: ${store}  clients: ${CLIENTS}  duration: ${elapsed.toFixed(1)} s`,
      `  requests: ${stats.requests} (${(stats.requests / elapsed).toFixed(0)}/s)  latency ms p50 ${percentile(sorted, 50).toFixed(1)}  p99 ${percentile(sorted, 99).toFixed(1)}  max ${(sorted.at(-1) ?? 0).toFixed(1)}`,
      `  errors: ${stats.errors}  lost sessions: ${stats.lost}  crossed sessions: ${stats.crossed}  unexpected states: ${stats.mismatched}  => ${ok ? "PASS" : "FAIL"}`,
      ...stats.samples.map((s) => `    ${s}`),
    ].join("\n"),
  );
  return ok;
}

const stores: ("memory" | "redis")[] = ["memory"];
if (process.env.REDIS_URL) stores.push("redis");
else console.warn("REDIS_URL is not set: the Redis run is skipped (e.g. REDIS_URL=redis://127.0.0.1:6379 npm run test:load)");

let passed = true;
for (const store of stores) passed = (await run(store)) && passed;
process.exit(passed ? 0 : 1);
