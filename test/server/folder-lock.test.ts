// Storage: one process per PGlite data folder. A second process (here: a real child process)
// gets an error that names the holder; a lock left by a process that died is taken over.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database.ts';
import { FolderInUse, lockFolder } from '../../server/db/folder-lock.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimplan-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('lockFolder', () => {
  it('refuses a second lock in the same process and frees the folder on release', () => {
    const folder = join(dir, 'same');
    const lock = lockFolder(folder, 'test');
    expect(() => lockFolder(folder, 'again')).toThrow(FolderInUse);
    lock.release();
    lockFolder(folder, 'after release').release();
  });

  it('takes over a lock whose process is gone', async () => {
    const folder = join(dir, 'stale');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(dead.stdout);
    expect(pid).toBeGreaterThan(0);
    lockFolder(folder, 'setup').release();
    await writeFile(join(folder, 'scimplan.lock'), JSON.stringify({ pid, command: 'scimplan serve' }));
    const lock = lockFolder(folder, 'new holder');
    expect(JSON.parse(await readFile(join(folder, 'scimplan.lock'), 'utf8'))).toMatchObject({ pid: process.pid, command: 'new holder' });
    lock.release();
  });
});

describe('openDatabase on a PGlite folder held by another process', () => {
  it('names the holding process, and opens once it has closed', async () => {
    const folder = join(dir, 'shared');
    const script = `
      const { openDatabase } = await import('./server/db/database.ts');
      const db = await openDatabase({ dataDir: ${JSON.stringify(folder)} });
      process.stdout.write('open\\n');
      process.stdin.once('data', async () => { await db.close(); process.stdout.write('closed\\n'); process.exit(0); });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    const said = (word: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => (out.includes(word) ? resolve() : undefined);
        child.stdout.on('data', (chunk: Buffer) => ((out += chunk.toString()), check()));
        child.once('exit', (code) => (out.includes(word) ? resolve() : reject(new Error(`child exited ${code} before '${word}'`))));
        check();
      });
    try {
      await said('open');
      const error = await openDatabase({ dataDir: folder }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FolderInUse);
      expect((error as FolderInUse).pid).toBe(child.pid);
      expect((error as Error).message).toContain(`in use by process ${child.pid}`);
      expect((error as Error).message).toContain('admin API');
      child.stdin.write('close\n');
      await said('closed');
      const db = await openDatabase({ dataDir: folder });
      await db.close();
    } finally {
      child.kill();
    }
  });
});
