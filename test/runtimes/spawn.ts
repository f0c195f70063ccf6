/**
 * Child processes for the runtime tests: run a command to completion, or start a server that prints
 * `listening on http://HOST:PORT/` and stop it by PID.
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));
/** A binary from node_modules/.bin (deno and bun come from npm packages). */
export const bin = (name: string): string => `${ROOT}node_modules/.bin/${name}`;

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ ...process.env, NO_COLOR: "1", ...extra });

/** Runs a command in the repository root; resolves with its exit code and combined output. */
export function run(command: string, args: string[], timeoutMs = 300_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: env(), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A started server: its base URL and how to stop it. */
export interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a server on 127.0.0.1 port 0 and waits (bounded) for its "listening on" line. */
export function startServer(command: string, args: string[], timeoutMs = 120_000): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: env({ HOST: "127.0.0.1", PORT: "0" }), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const stop = (): Promise<void> =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", () => done());
        process.kill(child.pid!, "SIGTERM");
      });
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`server did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, child, stop });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
}

/** Drives one of the example servers (examples/deno, examples/bun): both serve the same routes. */
export async function driveExample(url: string, expect: { equal(a: unknown, b: unknown, m?: string): void; ok(v: unknown, m?: string): void }): Promise<void> {
  const first = await fetch(`${url}/`);
  expect.equal(await first.text(), "views: 1");
  const setCookie = first.headers.get("set-cookie");
  expect.ok(setCookie && /HttpOnly/i.test(setCookie), `a session cookie is set (got ${setCookie})`);
  let cookie = setCookie!.split(";")[0]!;
  expect.equal(await (await fetch(`${url}/`, { headers: { cookie } })).text(), "views: 2");
  const login = await fetch(`${url}/login?user=ada`, { method: "POST", headers: { cookie } });
  expect.equal(await login.text(), "hello, ada");
  const renewed = login.headers.get("set-cookie")!.split(";")[0]!;
  expect.ok(renewed !== cookie, "login issues a new session ID");
  expect.equal(await (await fetch(`${url}/`, { headers: { cookie } })).text(), "views: 1", "the old ID is dead");
  cookie = renewed;
  expect.equal(await (await fetch(`${url}/`, { headers: { cookie } })).text(), "views: 1 as ada");
  const logout = await fetch(`${url}/logout`, { method: "POST", headers: { cookie } });
  expect.equal(await logout.text(), "bye");
  expect.ok(/max-age=0|expires=thu, 01 jan 1970/i.test(logout.headers.get("set-cookie") ?? ""), "logout clears the cookie");
  expect.equal(await (await fetch(`${url}/`, { headers: { cookie } })).text(), "views: 1", "the destroyed session is gone");
}
