// Server: the config watcher sees every way a tenant file changes on a real file system:
// in-place writes, replacement by rename (`mv`, `sed -i`, editors), `cp` over, truncate then
// write, touch, a file moved in, and files in sub-folders (found by the poll).

import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rename, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { folderSignature, watchConfigFolder, type ConfigWatcher } from '../../server/config-watcher.ts';

let dir: string;
let outside: string;
let watcher: ConfigWatcher | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimplan-watch-'));
  outside = await mkdtemp(join(tmpdir(), 'scimplan-watch-src-'));
  await writeFile(join(dir, 'acme.yaml'), 'tenant: acme\n');
});
afterEach(async () => {
  watcher?.close();
  watcher = undefined;
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

/** Starts a watcher once its first comparison is taken; `next()` waits for the next change seen. */
async function start(pollMs: number): Promise<{ next: () => Promise<void> }> {
  let calls = 0;
  let waited = 0;
  const waiters: (() => void)[] = [];
  watcher = watchConfigFolder(dir, () => {
    calls++;
    for (const w of waiters.splice(0)) w();
  }, { debounceMs: 20, pollMs });
  // The first signature is taken at once; give it a moment so a change is compared against it.
  await new Promise((resolve) => setTimeout(resolve, 50));
  waited = calls;
  return {
    next: () => {
      const target = ++waited;
      return calls >= target
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timeout = setTimeout(() => reject(new Error('change not seen within 5 s')), 5_000);
            const check = () => (calls >= target ? (clearTimeout(timeout), resolve()) : waiters.push(check));
            waiters.push(check);
          });
    },
  };
}

const file = () => join(dir, 'acme.yaml');

describe('watchConfigFolder, by file-system events (poll disabled in practice)', () => {
  const cases: [string, () => Promise<void>][] = [
    ['an in-place write', () => appendFile(file(), 'key: externalId\n')],
    ['a replacement by rename (mv, editors)', async () => {
      await writeFile(join(dir, '.acme.yaml.swp'), 'tenant: acme\nkey: userName\n');
      await rename(join(dir, '.acme.yaml.swp'), file());
    }],
    ['sed -i', async () => void execFileSync('sed', ['-i', 's/acme/acme2/', file()])],
    ['cp over the file', async () => {
      await writeFile(join(outside, 'new.yaml'), 'tenant: acme\nkey: emails\n');
      execFileSync('cp', [join(outside, 'new.yaml'), file()]);
    }],
    ['truncate, then write', async () => {
      await truncate(file(), 0);
      await writeFile(file(), 'tenant: acme\nkey: title\n');
    }],
    ['touch', () => utimes(file(), new Date(), new Date(Date.now() + 5_000))],
    ['a file moved into the folder', async () => {
      await writeFile(join(outside, 'globex.yaml'), 'tenant: globex\n');
      await rename(join(outside, 'globex.yaml'), join(dir, 'globex.yaml'));
    }],
    ['a removed file', () => rm(file())],
  ];
  for (const [name, change] of cases) {
    it(`sees ${name}, and the next change after it`, async () => {
      const w = await start(60_000);
      await change();
      await w.next();
      // The same watcher still sees later in-place edits of that file (Node 20's recursive
      // watch on Linux loses a file once it is replaced).
      for (let i = 0; i < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await appendFile(file(), `# edit ${i}\n`);
        await w.next();
      }
    });
  }
});

describe('watchConfigFolder, by the poll', () => {
  it('sees a file in a sub-folder, which no event of the folder reports', async () => {
    await mkdir(join(dir, 'sub'));
    const w = await start(100);
    await writeFile(join(dir, 'sub', 'nested.yaml'), 'tenant: nested\n');
    await w.next();
  });
});

describe('folderSignature', () => {
  it('ignores files that are not tenant files, and changes with a tenant file', async () => {
    const before = await folderSignature(dir);
    await writeFile(join(dir, 'notes.txt'), 'x');
    expect(await folderSignature(dir)).toBe(before);
    await appendFile(file(), '#\n');
    expect(await folderSignature(dir)).not.toBe(before);
  });
});
