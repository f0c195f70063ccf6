/**
 * Several instances: two server processes of the example shop on different ports share one store.
 * Log in on A, see the cart on B, log out on B: A is logged out too.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createDatabase } from "db0";
import postgresqlConnector from "db0/connectors/postgresql";
import { afterAll, describe, expect, it } from "vitest";
import { runId, serviceUrl } from "./env.ts";

const root = join(import.meta.dirname, "..", "..");
const secret = "multi-instance-secret-0123456789abcdefghij";
const redisUrl = serviceUrl("REDIS_URL");
const databaseUrl = serviceUrl("DATABASE_URL");
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
});

/** Starts a server script on a free port (PORT=0) and resolves to its base URL once it prints it. */
function startServer(script: string, env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: root,
    env: { ...process.env, ...env, PORT: "0", HOST: "127.0.0.1", SESSION_SECRET: secret },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}: ${output}`)));
  });
}

/** A browser-like client: one cookie jar for every origin it talks to (both instances share the host). */
function browser() {
  let cookie = "";
  return {
    get cookie() {
      return cookie;
    },
    async request(base: string, path: string, form?: Record<string, string>) {
      const response = await fetch(base + path, {
        method: form ? "POST" : "GET",
        redirect: "manual",
        headers: { ...(cookie ? { cookie } : {}), ...(form ? { "content-type": "application/x-www-form-urlencoded", origin: base } : {}) },
        body: form ? new URLSearchParams(form).toString() : undefined,
      });
      const setCookie = response.headers.get("set-cookie");
      if (setCookie) cookie = /max-age=0/i.test(setCookie) ? "" : setCookie.split(";")[0]!;
      return { status: response.status, text: await response.text() };
    },
  };
}

async function scenario(a: string, b: string) {
  expect(a).not.toBe(b);
  const user = browser();
  expect((await user.request(a, "/")).status).toBe(200);
  expect((await user.request(a, "/cart", { item: "mug" })).status).toBe(303);
  expect((await user.request(a, "/login", { username: "demo", password: "demo" })).status).toBe(303);
  const session = user.cookie;
  expect(session).toContain("=");

  const cartOnB = await user.request(b, "/cart");
  expect(cartOnB.status).toBe(200);
  expect(cartOnB.text).toContain("Signed in as <strong>demo</strong>");
  expect(cartOnB.text).toContain('<tr data-item="mug"><td>Coffee mug</td><td class="qty">1</td>');

  expect((await user.request(b, "/logout", {})).status).toBe(200);
  expect(user.cookie).toBe("");

  // A, asked with the old cookie (a second tab that still has it): the session is gone there too.
  const replay = await fetch(`${a}/cart`, { headers: { cookie: session } });
  const page = await replay.text();
  expect(replay.status).toBe(200);
  expect(page).not.toContain("Signed in as");
  expect(page).toContain('id="empty"');
}

describe("several instances", () => {
  it.skipIf(!redisUrl)("two processes of examples/hono-node/server.ts share Redis: login on A, cart on B, logout on B logs out A", async () => {
    const script = join("examples", "hono-node", "server.ts");
    const [a, b] = await Promise.all([startServer(script, { REDIS_URL: redisUrl! }), startServer(script, { REDIS_URL: redisUrl! })]);
    await scenario(a, b);
  }, 90_000);

  it.skipIf(!databaseUrl)("two processes of the shop on PostgreSQL (sqlStore) do the same", async () => {
    const table = `unsession_mi_${runId}`;
    const script = join("test", "stores", "fixtures", "shop-server.ts");
    try {
      const [a, b] = await Promise.all([startServer(script, { DATABASE_URL: databaseUrl!, SQL_TABLE: table }), startServer(script, { DATABASE_URL: databaseUrl!, SQL_TABLE: table })]);
      await scenario(a, b);
    } finally {
      const db = createDatabase(postgresqlConnector({ url: databaseUrl! }));
      await db.exec(`DROP TABLE IF EXISTS ${table}`);
      await (db as unknown as { dispose?: () => Promise<void> }).dispose?.();
    }
  }, 90_000);
});
