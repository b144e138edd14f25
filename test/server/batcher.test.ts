// Storage: the batcher's scheduling (db/batcher.ts), with plain functions for its two
// ways of writing: what goes together, what goes alone, and who hears of an error.

import { expect, it } from 'vitest';
import { Batcher } from '../../server/db/batcher.ts';

/** A way of writing whose calls are recorded and finish when the test says. */
function writer() {
  const calls: (number | number[])[] = [];
  const open: (() => void)[] = [];
  let failMany: unknown;
  const wait = () => new Promise<void>((resolve) => open.push(resolve));
  const queue = new Batcher<number, string>(
    async (item) => {
      calls.push(item);
      await wait();
      if (item < 0) throw Object.assign(new Error('refused'), { code: '23505' });
      return `one ${item}`;
    },
    async (items) => {
      calls.push([...items]);
      await wait();
      if (failMany) throw failMany;
      return items.map((i) => `many ${i}`);
    },
    { inFlight: 2, batch: 3 },
  );
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const finishAll = async () => {
    await turn();
    while (open.length > 0) {
      open.shift()!();
      await turn();
    }
  };
  return { queue, calls, open, turn, finishAll, failWith: (error: unknown) => (failMany = error) };
}

it('writes asked for in one turn of the loop go together; later ones wait for a free statement', async () => {
  const w = writer();
  const first = [1, 2].map((i) => w.queue.run(i));
  await w.turn();
  expect(w.calls).toEqual([[1, 2]]);
  const second = w.queue.run(3);
  await w.turn();
  expect(w.calls).toEqual([[1, 2], 3]);
  // Both statements run: these wait, then go by at most 3.
  const waiting = [4, 5, 6, 7].map((i) => w.queue.run(i));
  await w.turn();
  expect(w.calls).toHaveLength(2);
  await w.finishAll();
  expect(await Promise.all([...first, second, ...waiting])).toEqual(['many 1', 'many 2', 'one 3', 'many 4', 'many 5', 'many 6', 'one 7']);
  expect(w.calls).toEqual([[1, 2], 3, [4, 5, 6], 7]);
});

it('a batch refused for its data runs each write alone, and each caller gets its own answer', async () => {
  const w = writer();
  w.failWith(Object.assign(new Error('duplicate key'), { code: '23505' }));
  const results = [1, -2, 3].map((i) => w.queue.run(i).then(String, (e: Error) => `error ${e.message}`));
  await w.finishAll();
  expect(await Promise.all(results)).toEqual(['one 1', 'error refused', 'one 3']);
  expect(w.calls).toEqual([[1, -2, 3], 1, -2, 3]);
});

it('a batch that fails otherwise (the connection lost) fails for every caller, and nothing is written again', async () => {
  const w = writer();
  w.failWith(Object.assign(new Error('Connection terminated'), { code: undefined }));
  const results = [1, 2].map((i) => w.queue.run(i).then(String, (e: Error) => `error ${e.message}`));
  await w.finishAll();
  expect(await Promise.all(results)).toEqual(['error Connection terminated', 'error Connection terminated']);
  expect(w.calls).toEqual([[1, 2]]);
});
