import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createStorage } from "unstorage";
import fsDriver from "unstorage/drivers/fs";
import fsLiteDriver from "unstorage/drivers/fs-lite";
import { afterAll, describe, expect, it } from "vitest";
import { createSessions, storageStore } from "../../src/index.ts";
import { runStoreConformance } from "../../src/testing.ts";
import { api } from "./env.ts";

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const tempDir = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `unsession-${name}-`));
  dirs.push(dir);
  return dir;
};

const drivers = { fs: fsDriver, "fs-lite": fsLiteDriver } as const;

for (const [name, driver] of Object.entries(drivers)) {
  const dir = tempDir(name);
  // Each open() is a fresh createStorage on the same directory: a restarted app instance.
  runStoreConformance(
    `unstorage ${name} driver`,
    {
      open: () => {
        const storage = createStorage({ driver: driver({ base: dir }) });
        return { storage, close: () => storage.dispose() };
      },
      expiry: "core",
    },
    api,
  );

  describe(`store: ${name} under concurrent writes of one record`, () => {
    it("never leaves or serves a half-written record (writes of one key are queued in the process)", async () => {
      const store = storageStore(createStorage({ driver: driver({ base: tempDir(`${name}-concurrent`) }) }));
      let corrupt = 0;
      for (let round = 0; round < 20; round++) {
        // Different lengths: interleaved in-place writes would leave a mix of two of them.
        const values = Array.from({ length: 20 }, (_, i) => JSON.stringify({ i, pad: "x".repeat((i * 7919) % 3000) }));
        const reads: unknown[] = [];
        await Promise.all(
          values.map(async (value, i) => {
            await store.set("one-key", value, 60);
            if (i % 3 === 0) reads.push(await store.get("one-key"));
          }),
        );
        reads.push(await store.get("one-key"));
        for (const read of reads) if (!values.includes(read as string)) corrupt++;
      }
      expect(corrupt).toBe(0);
    });
  });

  describe(`store: ${name} survives a process restart`, () => {
    it("reads in a child process a session written here, and sees the child's change afterwards", async () => {
      const base = tempDir(`${name}-restart`);
      const secret = "fs-restart-secret-0123456789abcdefghij";
      const first = createStorage({ driver: driver({ base }) });
      const sessions = createSessions({ secret, storage: first });
      const login = sessions.wrap((_request, session) => {
        session.data.user = "ada";
        session.data.cart = { mug: 2 };
        return new Response("ok");
      });
      const cookie = (await login(new Request("http://127.0.0.1/"))).headers.get("set-cookie")!.split(";")[0]!;
      await first.dispose(); // this "process" is gone

      const child = join(import.meta.dirname, "fixtures", "fs-child.ts");
      const { stdout } = await run(join(process.cwd(), "node_modules", ".bin", "tsx"), [child, name, base, cookie], { timeout: 20_000 });
      const out = JSON.parse(stdout.trim().split("\n").pop()!) as { status: number; data: Record<string, unknown>; setCookie: string | null };
      expect(out.status).toBe(200);
      expect(out.data).toEqual({ user: "ada", cart: { mug: 2 } });
      expect(out.setCookie).toBeNull(); // same session: no new cookie

      const again = createSessions({ secret, storage: createStorage({ driver: driver({ base }) }) });
      const read = again.wrap((_request, session) => Response.json(session.data));
      const data = (await (await read(new Request("http://127.0.0.1/", { headers: { cookie } }))).json()) as Record<string, unknown>;
      expect(data.user).toBe("ada");
      expect(typeof data.child).toBe("number");
    });
  });
}
