// Storage: one process at a time per PGlite data folder. A lock file in the folder names the
// holder (pid and command); a second process gets FolderInUse, a lock left by a dead one is taken over.

import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = 'scimplan.lock';

/** The folder is held by another live process; the message says which and what to do. */
export class FolderInUse extends Error {
  constructor(
    readonly folder: string,
    readonly pid: number,
    readonly command: string,
  ) {
    super(
      `the data folder \`${folder}\` is in use by process ${pid} (${command}): PGlite allows one process per folder; ` +
        'stop that process first, or act through the running server (`plan`, `apply` and `approve` take `--server URL` with SCIMPLAN_ADMIN_TOKEN; its admin API), ' +
        'or use PostgreSQL (DATABASE_URL) for several processes',
    );
    this.name = 'FolderInUse';
  }
}

export interface FolderLock {
  release(): void;
}

interface Holder {
  readonly pid: number;
  readonly command: string;
}

function readHolder(path: string): Holder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, command: String(parsed.command ?? 'unknown') } : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the folder's lock for this process (creating the folder if needed), or throws
 * FolderInUse. The lock file is created with O_EXCL, so two processes starting together cannot
 * both win; one left by a process that no longer runs (a crash, kill -9) is replaced.
 */
export function lockFolder(folder: string, command: string = process.argv.slice(1, 3).join(' ')): FolderLock {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(path);
      if (holder && holder.pid !== process.pid && alive(holder.pid)) throw new FolderInUse(folder, holder.pid, holder.command);
      if (holder?.pid === process.pid) throw new FolderInUse(folder, holder.pid, `${holder.command}, this process`);
      // A stale lock (its process is gone) or one being written this instant: replace or retry.
      if (holder) rmSync(path, { force: true });
      continue;
    }
    writeSync(fd, JSON.stringify({ pid: process.pid, command }));
    closeSync(fd);
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
      },
    };
  }
  throw new Error(`cannot take the lock of the data folder \`${folder}\``);
}
