// A time limit on one reading of a mail, for readings done on the event loop: the reader's loops
// are linear, but some shapes of hostile HTML cost fifty times more per character than a
// template does, so the event loop gives a reading a fixed time, not a fixed size, and a reading
// that runs out of it is abandoned (and done again in the worker pool, whose own budget bounds it).

/** Thrown out of a reading whose time ran out; nothing it had read is kept. */
export class OutOfTime extends Error {
  constructor() {
    super('the reading ran out of time');
  }
}

export interface Deadline {
  /** Called once per step of a loop (a tag, a line, a link): cheap, looks at the clock now and then. */
  step(): void;
  /** Called between the stages of a reading: looks at the clock. */
  check(): void;
}

/** No limit: the readings done in the pool (bounded there) and in tests. */
export const noDeadline: Deadline = {
  step() {},
  check() {},
};

/** The clock is read once per this many steps: a step is at most a tag or a line. */
const stepsPerClockRead = 64;

/** A deadline `ms` milliseconds from now. */
export function deadlineIn(ms: number): Deadline {
  const at = performance.now() + ms;
  let steps = 0;
  const check = () => {
    if (performance.now() >= at) throw new OutOfTime();
  };
  return {
    step() {
      if (++steps % stepsPerClockRead === 0) check();
    },
    check,
  };
}
