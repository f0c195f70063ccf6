/**
 * The second process of bench/lost-updates.ts's "two processes" measurement: its own Redis connection and session
 * manager, half of the requests. Protocol over IPC: `load` (→ `loaded` once every request has read the session),
 * `go` (→ `done` with the statuses once they have committed).
 * @module
 */
import { Redis } from "ioredis";
import { createSessions, redisStore } from "../src/index.ts";

const client = new Redis(process.env.REDIS_URL!);
const store = redisStore({ client });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
let go: (() => void) | undefined;
let running: Promise<number[]> | undefined;

process.on("message", (message: { type: string; prefix: string; commitMode: "overwrite" | "merge"; timing: string; spreadMs: number; cookie: string; keys: string[] }) => {
  try {
    if (message.type === "load") {
      const sessions = createSessions({ secret: "lost-updates-secret-0123456789abcdefghij", store, prefix: message.prefix, commitMode: message.commitMode });
      const release = new Promise<void>((resolve) => (go = resolve));
      let loaded = 0;
      const handler = sessions.wrap(async (request, session) => {
        if (++loaded === message.keys.length) process.send!({ type: "loaded" });
        await release;
        if (message.timing === "spread") await sleep(Math.random() * message.spreadMs);
        session.data[new URL(request.url).searchParams.get("key")!] = true;
        return new Response("ok");
      });
      if (message.keys.length === 0) process.send!({ type: "loaded" });
      running = Promise.all(message.keys.map((key) => handler(new Request(`http://127.0.0.1/?key=${key}`, { headers: { cookie: message.cookie } })).then((r) => r.status)));
    } else if (message.type === "go") {
      go!();
      void running!.then((statuses) => process.send!({ type: "done", statuses }));
    }
  } catch (error) {
    process.send!({ type: "error", error: String(error) });
  }
});
process.on("disconnect", () => void client.disconnect());
