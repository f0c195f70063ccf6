/**
 * The differential harness: one tutorial app built on every stack (express-session and unsession/express, on
 * Express 4 and 5), the same script run against each at once, and the transcripts compared per Express major.
 * @module
 */
import { expect } from "vitest";
import { listen } from "../helpers.ts";
import { Browser, withoutDocumentedDifferences, type Seen, type Step } from "./traffic.ts";
import { labelOf, stacks, type BuiltApp, type Impl, type Major, type Stack } from "./stack.ts";

/** Transcripts by Express major and implementation. */
export type Transcripts = Record<Major, Record<Impl, Seen[]>>;

/** Runs `script` against `build(stack)` on every stack; `build` gets a label unique to the stack (for tables, prefixes). */
export async function runEverywhere(build: (stack: Stack, label: string) => Promise<BuiltApp>, script: readonly Step[]): Promise<Transcripts> {
  const out = { 4: {}, 5: {} } as Transcripts;
  await Promise.all(
    stacks.map(async (stack) => {
      const label = labelOf(stack);
      const built = await build(stack, label);
      const server = await listen(built.app);
      try {
        out[stack.major][stack.impl] = await new Browser(server.url, built.store).run(script as Step[]);
      } finally {
        await server.close();
        await built.close();
      }
    }),
  );
  return out;
}

/** Which part of a transcript a test compares. */
export type Part = "responses" | "records";

const project = (seen: Seen[], part: Part): unknown[] =>
  part === "responses"
    ? seen.map(({ record: _r, clearedByUs: _c, ...response }) => response)
    : seen.filter((s) => "record" in s).map((s) => ({ request: s.request, record: s.record }));

/**
 * Asserts, per Express major, that our transcript equals express-session's, the documented differences aside:
 * `responses` are statuses, Location, bodies and Set-Cookie attributes; `records` are the stored records read
 * through the store after the steps that ask for it. Returns express-session's Express 5 transcript.
 */
export function expectSame(transcripts: Transcripts, part: Part): Seen[] {
  for (const major of [4, 5] as const) {
    const theirs = transcripts[major]["express-session"];
    const ours = withoutDocumentedDifferences(transcripts[major]["unsession/express"], theirs);
    expect({ major, [part]: project(ours, part) }).toEqual({ major, [part]: project(theirs, part) });
  }
  return transcripts[5]["express-session"];
}

/** The requests where only our adapter expired the cookie (documented difference 6), per major. */
export const clearedByUs = (transcripts: Transcripts, major: Major): string[] =>
  withoutDocumentedDifferences(transcripts[major]["unsession/express"], transcripts[major]["express-session"])
    .filter((s) => s.clearedByUs)
    .map((s) => s.request);

/** The bodies of a transcript, in order (for the sanity checks that the script did what it says). */
export const bodies = (seen: Seen[]): string[] => seen.map((s) => s.body);
