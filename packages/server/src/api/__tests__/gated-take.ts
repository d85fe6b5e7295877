/**
 * For the tests of jobs answered to a connection that closed first: holds the engine's `holdCall`-th take until
 * `release()`, so the test can close the connection before the answer is written, and reports the ids the
 * engine then puts back.
 */
import type { Engine } from "../../engine/engine.js";

export interface GatedTake {
  /** Resolves when the held take is entered, with the signal the route passed to it. */
  inTake: Promise<AbortSignal | undefined>;
  /** Lets the held take run. */
  release(): void;
  /** Resolves with the ids of the first put-back. */
  putBackDone: Promise<string[]>;
  /** Wraps the engine's take and putBack (pass as `startApi({ platform })`). */
  install(engine: Engine): Engine;
}

export function gatedTake(options: { holdCall?: number; passSignal?: boolean } = {}): GatedTake {
  const holdCall = options.holdCall ?? 1;
  // A take whose client already left returns nothing when given that signal; a test of an answer written to a
  // closed socket needs the take to hand jobs out anyway.
  const passSignal = options.passSignal ?? true;
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let entered!: (signal: AbortSignal | undefined) => void;
  const inTake = new Promise<AbortSignal | undefined>((r) => {
    entered = r;
  });
  let putBack!: (ids: string[]) => void;
  const putBackDone = new Promise<string[]>((r) => {
    putBack = r;
  });
  const install = (engine: Engine): Engine => {
    const take = engine.take.bind(engine);
    let calls = 0;
    engine.take = async (ep, w, max, ms, signal) => {
      if (++calls === holdCall) {
        entered(signal);
        await gate;
      }
      return passSignal ? take(ep, w, max, ms, signal) : take(ep, w, max, ms);
    };
    const origPutBack = engine.putBack.bind(engine);
    engine.putBack = async (ep, w, ids) => {
      await origPutBack(ep, w, ids);
      putBack(ids);
    };
    return engine;
  };
  return { inTake, release, putBackDone, install };
}
