// `scimplan apply`'s progress on stderr, for a local run and a run through a server's admin API
// alike: a bar redrawn in place on a terminal, otherwise at most one log line a second.

import type { ReevaluateProgress } from '../server/reevaluate.ts';
import type { Io } from './output.ts';

export interface ApplyProgress {
  /** One batch committed: the counts so far. */
  readonly report: (progress: ReevaluateProgress) => void;
  /** Ends the bar's line (when one was drawn), before the summary or an error line. */
  readonly end: () => void;
}

export function applyProgress(tenant: string, bar: boolean, io: Pick<Io, 'err'>, clock: () => number = Date.now): ApplyProgress {
  let lastLine = 0;
  let drawn = false;
  return {
    report(p) {
      if (bar) {
        io.err(`\r${progressBar(p.total === 0 ? 1 : p.done / p.total)} ${p.done}/${p.total} users, ${p.changed} changed`);
        drawn = true;
        return;
      }
      // One line per second at most: logs stay readable for 100,000 users.
      if (clock() - lastLine < 1000 && p.done < p.total) return;
      lastLine = clock();
      io.err(`apply ${tenant}: ${p.done}/${p.total} users evaluated, ${p.changed} changed\n`);
    },
    end() {
      if (drawn) io.err('\n');
      drawn = false;
    },
  };
}

/** `[#####-----] 50%`: the bar of a terminal progress line (`scimplan apply` and `import`). */
export function progressBar(ratio: number, width = 30): string {
  const r = Math.max(0, Math.min(1, ratio));
  const filled = Math.round(r * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(r * 100)}%`;
}
