// Server: watches a config folder and calls back once per settled change of its tenant files.
// File-system events are only hints; a change is a different stat signature of the files.

import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface ConfigWatcherOptions {
  /** Quiet time after the last hint before the folder is compared (editors write in bursts). */
  readonly debounceMs?: number;
  /** Period of the backstop comparison that catches what events missed. */
  readonly pollMs?: number;
  /** Called when watching fails or a comparison cannot read the folder; never with file contents. */
  readonly onError?: (error: unknown) => void;
}

export interface ConfigWatcher {
  close(): void;
}

const tenantFile = /\.ya?ml$/i;

/**
 * The tenant files below `dir` with what identifies their version: inode, size, change and
 * modification times. A file replaced by rename (`mv`, `sed -i`, editors that write a temporary
 * file), truncated and rewritten, or touched gets another signature; an unchanged folder the same.
 */
export async function folderSignature(dir: string): Promise<string> {
  const names = (await readdir(dir, { recursive: true })).filter((n) => tenantFile.test(n)).sort();
  const parts: string[] = [];
  for (const name of names) {
    const info = await stat(join(dir, name), { bigint: true }).catch(() => undefined);
    if (info?.isFile()) parts.push(`${name}\0${info.ino}\0${info.size}\0${info.mtimeNs}\0${info.ctimeNs}`);
  }
  return parts.join('\n');
}

/**
 * Calls `onChange` after the tenant files below `dir` change: on a file-system event (debounced)
 * or, when events are lost, at the next poll. The folder is watched without `recursive`, which
 * Node 20 on Linux implements per file and loses when a file is replaced; sub-folders are found
 * by the poll. `onChange` runs after the signature it answers was taken, so a change that lands
 * during a reload is seen by the next comparison.
 */
export function watchConfigFolder(dir: string, onChange: () => void, options: ConfigWatcherOptions = {}): ConfigWatcher {
  const debounceMs = options.debounceMs ?? 250;
  const pollMs = options.pollMs ?? 2_000;
  let closed = false;
  let last: string | undefined;
  let comparing: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const compare = () => {
    comparing = comparing.then(async () => {
      if (closed) return;
      try {
        const now = await folderSignature(dir);
        if (last !== undefined && now !== last && !closed) onChange();
        last = now;
      } catch (error) {
        options.onError?.(error);
      }
    });
  };
  const hint = () => {
    clearTimeout(timer);
    timer = setTimeout(compare, debounceMs);
    timer.unref();
  };

  compare();
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, hint);
    watcher.on('error', (error) => options.onError?.(error));
    watcher.unref();
  } catch (error) {
    options.onError?.(error);
  }
  const poll = setInterval(compare, pollMs);
  poll.unref();

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(poll);
      watcher?.close();
    },
  };
}
