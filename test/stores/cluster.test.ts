/**
 * Sessions on a real Redis Cluster (three masters, three replicas on 127.0.0.1:30001–30006, started here and
 * stopped by PID): the conformance suite through unstorage's redis driver in cluster mode and through
 * `redisStore` on an ioredis `Cluster` (atomic merge); the per-user index across hash slots; and a failover —
 * a master killed by PID — that costs 503s during the switch, never a new empty session answered 200, and loses
 * no session written (and replicated) before it.
 */
import { Cluster } from "ioredis";
import { createCluster } from "redis";
import { createStorage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSessions, redisStore, type Sessions } from "../../src/index.ts";
import { runStoreConformance } from "../../src/testing.ts";
import { hasRedisServer, startCluster, type LocalCluster } from "./cluster.ts";
import { api, runId } from "./env.ts";

const available = await hasRedisServer();
if (!available) console.warn("[unsession tests] redis-server / redis-cli not found: skipping the Redis Cluster tests");

let cluster: LocalCluster | undefined;
const clients: Cluster[] = [];
const newClient = (): Cluster => {
  const client = new Cluster(cluster!.nodes, {
    // During a failover: ask the cluster for its new layout soon, and keep trying; storeTimeout bounds each request.
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    slotsRefreshTimeout: 1000,
    redisOptions: { connectTimeout: 500, maxRetriesPerRequest: 2 },
  });
  clients.push(client);
  return client;
};
const secret = "redis-cluster-test-secret-0123456789abcdef";

describe.skipIf(!available)("store: Redis Cluster (3 masters, 3 replicas)", () => {
  beforeAll(async () => {
    cluster = await startCluster();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.disconnect()));
    await cluster?.stop();
  });

  runStoreConformance(
    "redis cluster (unstorage redis driver, cluster mode)",
    {
      open: () => {
        const storage = createStorage({ driver: redisDriver({ cluster: cluster!.nodes, base: `unsession-test-${runId}` }) });
        return { storage, close: () => storage.dispose() };
      },
      expiry: "store",
    },
    api,
  );

  runStoreConformance(
    "redis cluster (redisStore on an ioredis Cluster, atomic merge)",
    { open: () => ({ store: redisStore({ client: newClient() }) }), expiry: "store", prefix: `unsession-test-${runId}:`, atomicMerge: true, rounds: 10 },
    api,
  );

  runStoreConformance(
    "redis cluster (redisStore on a node-redis cluster, atomic merge)",
    {
      open: async () => {
        const client = createCluster({ rootNodes: cluster!.nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })) });
        await client.connect();
        return { store: redisStore({ client }), close: async () => void (await client.close()) };
      },
      expiry: "store",
      prefix: `unsession-test-${runId}:nr:`,
      atomicMerge: true,
      skipSlow: true, // the expiry tests ran above on this cluster
    },
    api,
  );

  const cookieOf = (response: Response) => response.headers.get("set-cookie")!.split(";")[0]!;
  const idOf = (cookie: string) => {
    const value = decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1));
    return value.slice(2, value.lastIndexOf("."));
  };
  /** The port of the master that serves `key`, as the cluster reports it now. */
  const masterOf = async (key: string): Promise<number> => {
    const client = clients[0] ?? newClient();
    const slot = Number(await client.call("CLUSTER", "KEYSLOT", key));
    const ranges = (await client.call("CLUSTER", "SLOTS")) as [number, number, [string, number]][];
    const range = ranges.find(([start, end]) => slot >= start && slot <= end);
    return range ? Number(range[2][1]) : -1;
  };

  it("per-user index across hash slots: 16 concurrent log-ins on two instances, listed and revoked from either", async () => {
    const one = createSessions({ secret, store: redisStore({ client: newClient() }), commitMode: "merge", prefix: `idx-${runId}:` });
    const two = createSessions({ secret, store: redisStore({ client: newClient() }), commitMode: "merge", prefix: `idx-${runId}:` });
    const login = (sessions: Sessions) =>
      sessions.wrap((_request, session) => {
        session.data.name = "ada";
        session.setUser("ada@example.com");
        return new Response("ok");
      })(new Request("http://127.0.0.1/"));
    const responses = await Promise.all(Array.from({ length: 16 }, (_, i) => login(i % 2 ? two : one)));
    const keys = responses.map((response) => `idx-${runId}:${idOf(cookieOf(response))}`);
    const owners = new Set(await Promise.all(keys.map(masterOf)));
    expect(owners.size).toBeGreaterThan(1); // the sessions live on several masters, the index on one of them
    expect((await two.listUserSessions("ada@example.com")).length).toBe(16);
    expect(await one.revokeUser("ada@example.com")).toBe(16);
    for (const key of keys) expect(await one.store.get(key)).toBeNull();
    expect((await two.listUserSessions("ada@example.com")).length).toBe(0);
  });

  it("failover: a master killed by PID costs 503s during the switch, never an empty session answered 200, and loses no session", async () => {
    const make = () => createSessions({ secret, store: redisStore({ client: newClient() }), commitMode: "merge", prefix: `fo-${runId}:`, storeTimeout: 1000 });
    const instances = [make(), make()];
    const write = instances[0]!.wrap((request, session) => {
      session.data.n = Number(new URL(request.url).searchParams.get("n"));
      return new Response("ok");
    });
    const cookies: string[] = [];
    for (let n = 0; n < 30; n++) cookies.push(cookieOf(await write(new Request(`http://127.0.0.1/?n=${n}`))));
    // Replication is asynchronous: the test kills the master only once its replica has every write (see docs/stores.md).
    await cluster!.waitForReplication();
    const victim = (await masterOf(`fo-${runId}:${idOf(cookies[0]!)}`));
    expect(victim).toBeGreaterThan(0);
    const replica = await cluster!.replicaOf(victim);
    const owners = await Promise.all(cookies.map((c) => masterOf(`fo-${runId}:${idOf(c)}`)));
    const onVictim = owners.filter((m) => m === victim).length;
    cluster!.kill(victim);
    const killedAt = Date.now();

    const read = instances.map((sessions) => sessions.wrap((_request, session) => Response.json({ isNew: session.isNew, n: session.data.n ?? null })));
    const statuses = new Map<number, number>();
    const byGroup: Record<string, Record<number, number>> = { killed: {}, others: {} };
    let healthyPass = false;
    for (let pass = 0; !healthyPass; pass++) {
      expect(Date.now() - killedAt, "the cluster recovers within 30 s").toBeLessThan(30_000);
      const results = await Promise.all(
        cookies.map(async (cookie, n) => {
          const response = await read[(n + pass) % 2]!(new Request("http://127.0.0.1/", { headers: { cookie } }));
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const group = byGroup[owners[n] === victim ? "killed" : "others"]!;
          group[response.status] = (group[response.status] ?? 0) + 1;
          if (response.status === 200) {
            // Never a new, empty session in place of the real one: that would log the user out silently.
            expect(await response.json()).toEqual({ isNew: false, n });
            return true;
          }
          expect(response.status).toBe(503);
          expect(response.headers.get("set-cookie")).toBeNull();
          await response.body?.cancel();
          return false;
        }),
      );
      healthyPass = results.every(Boolean);
      if (!healthyPass) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const switchMs = Date.now() - killedAt;
    console.log(`[redis cluster] failover of ${victim} to ${replica}: ${switchMs} ms, statuses ${JSON.stringify(byGroup)} (sessions on the killed master / on the others), ${onVictim} of 30 sessions on the killed master`);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    await cluster!.waitForMaster(replica);
    // After the switch: every session, from either instance, still as written; and writes work again.
    for (const [n, cookie] of cookies.entries()) {
      const response = await read[n % 2]!(new Request("http://127.0.0.1/", { headers: { cookie } }));
      expect(await response.json()).toEqual({ isNew: false, n });
    }
    const update = instances[1]!.wrap((_request, session) => ((session.data.after = true), new Response("ok")));
    expect((await update(new Request("http://127.0.0.1/", { headers: { cookie: cookies[0]! } }))).status).toBe(200);
    const check = await instances[0]!.load(new Request("http://127.0.0.1/", { headers: { cookie: cookies[0]! } }));
    expect(check.data).toEqual({ n: 0, after: true });
  }, 60_000);
});
