/**
 * Faults: a private redis-server (never the shared one), stopped and restarted by PID mid-run.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createStorage, type Storage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../examples/hono-node/app.ts";
import { createSessions, isStoreUnavailable, UnsessionError } from "../../src/index.ts";

const run = promisify(execFile);
const hasRedisServer = (() => {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    console.warn("[unsession tests] redis-server is not installed: skipping the Redis fault tests (apt-get install redis-server)");
    return false;
  }
})();

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const secret = "redis-faults-secret-0123456789abcdefghij";

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

describe.skipIf(!hasRedisServer)("store: redis faults (private redis-server, stopped and restarted by PID)", () => {
  let port = 0;
  let dir = "";
  let server: ChildProcess | undefined;
  const storages: Storage[] = [];

  const start = async () => {
    // --save "" : no automatic snapshots; the test saves explicitly, then kills, then restarts on the same dump.
    server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--dbfilename", "dump.rdb"], {
      stdio: "ignore",
    });
    for (let i = 0; i < 100; i++) {
      if (await accepts(port)) return;
      await sleep(50);
    }
    throw new Error(`private redis-server did not start on port ${port}`);
  };
  const stop = async () => {
    const child = server!;
    server = undefined;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL"); // by PID: a crash, nothing saved at exit
    await exited;
  };
  /** A storage on the private server, connected (a client without offline queue cannot send before that). */
  const storage = async (options: Record<string, unknown>) => {
    const driver = redisDriver({ url: `redis://127.0.0.1:${port}`, retryStrategy: () => 100, ...options });
    const client = driver.getInstance!() as { on(event: string, fn: () => void): void; status: string };
    client.on("error", () => {}); // connection errors are expected here; the core reports them as store errors
    for (let i = 0; i < 100 && client.status !== "ready"; i++) await sleep(20);
    const s = createStorage({ driver });
    storages.push(s);
    return s;
  };

  beforeAll(async () => {
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), "unsession-redis-faults-"));
    await start();
  });
  afterAll(async () => {
    for (const s of storages) await s.dispose().catch(() => {});
    if (server) await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("fails requests during an outage with a clear error, replaces no session, and recovers every session after a restart", async () => {
    // No offline queue: a command while disconnected fails at once instead of waiting.
    const sessions = createSessions<{ user?: string; cart?: string[] }>({
      secret,
      storage: await storage({ enableOfflineQueue: false, maxRetriesPerRequest: 0 }),
      storeTimeout: 1000,
    });
    const handler = sessions.wrap((_request, session) => {
      session.data.cart = [...(session.data.cart ?? []), "mug"];
      return Response.json({ id: session.id, data: session.data });
    });
    const login = await sessions.wrap(async (_request, session) => {
      session.data.user = "ada";
      return new Response("ok");
    })(new Request("http://127.0.0.1/"));
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const withCookie = () => new Request("http://127.0.0.1/", { headers: { cookie } });
    const first = (await (await handler(withCookie())).json()) as { id: string; data: unknown };
    expect(first.data).toEqual({ user: "ada", cart: ["mug"] });

    await run("redis-cli", ["-p", String(port), "save"]);
    await stop();

    // A known session: 503, no Set-Cookie (no new session handed out in its place), no detail in the body.
    const during = await handler(withCookie());
    expect(during.status).toBe(503);
    expect(during.headers.get("set-cookie")).toBeNull();
    expect(await during.text()).toBe("Service Unavailable");
    // The core's typed error, for code that calls load() itself.
    const error = await sessions.load(withCookie()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsessionError);
    expect((error as UnsessionError).code).toBe("ERR_STORE_READ");
    expect(isStoreUnavailable(error)).toBe(true);
    // A new visitor whose first write fails gets no cookie for an unsaved ID.
    const newcomer = await handler(new Request("http://127.0.0.1/"));
    expect(newcomer.status).toBe(503);
    expect(newcomer.headers.get("set-cookie")).toBeNull();

    await start();
    let after: Response | undefined;
    for (let i = 0; i < 50; i++) {
      after = await handler(withCookie());
      if (after.status === 200) break;
      await sleep(100); // the client reconnects every 100 ms
    }
    expect(after!.status).toBe(200);
    expect(after!.headers.get("set-cookie")).toBeNull(); // the same session, not a new one
    const body = (await after!.json()) as { id: string; data: unknown };
    expect(body.id).toBe(first.id);
    expect(body.data).toEqual({ user: "ada", cart: ["mug", "mug"] }); // nothing lost
  }, 30_000);

  it("bounds a storage that hangs by storeTimeout (client with an offline queue)", async () => {
    // Default ioredis behaviour: commands wait in the offline queue while the server is away; storeTimeout bounds them.
    const sessions = createSessions({ secret, storage: await storage({ maxRetriesPerRequest: null }), storeTimeout: 300 });
    const login = await sessions.wrap((_request, session) => ((session.data.user = "ada"), new Response("ok")))(new Request("http://127.0.0.1/"));
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    await stop();
    try {
      const error = await sessions.load(new Request("http://127.0.0.1/", { headers: { cookie } })).catch((e: unknown) => e);
      expect((error as UnsessionError).code).toBe("ERR_STORE_TIMEOUT");
      const response = await sessions.wrap((_request, session) => Response.json(session.data))(new Request("http://127.0.0.1/", { headers: { cookie } }));
      expect(response.status).toBe(503);
    } finally {
      await start();
    }
  }, 30_000);

  it("answers 503 through the Hono adapter (example app) while the store is down", async () => {
    const app = createApp({ secret, storage: await storage({ enableOfflineQueue: false, maxRetriesPerRequest: 0 }), iterations: 1000, session: { storeTimeout: 1000 } });
    const home = await app.request("http://127.0.0.1/");
    expect(home.status).toBe(200);
    const cookie = home.headers.get("set-cookie")!.split(";")[0]!;
    await run("redis-cli", ["-p", String(port), "save"]);
    await stop();
    try {
      const down = await app.request("http://127.0.0.1/cart", { headers: { cookie } });
      expect(down.status).toBe(503);
      expect(down.headers.get("set-cookie")).toBeNull();
    } finally {
      await start();
    }
    let up: Response | undefined;
    for (let i = 0; i < 50; i++) {
      up = await app.request("http://127.0.0.1/cart", { headers: { cookie } });
      if (up.status === 200) break;
      await sleep(100);
    }
    expect(up!.status).toBe(200);
    expect(await up!.text()).toContain("Pages viewed in this session: 2");
  }, 30_000);
});
