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
        const width = 30;
        const ratio = p.total === 0 ? 1 : Math.min(1, p.done / p.total);
        const filled = Math.round(ratio * width);
        io.err(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(ratio * 100)}% ${p.done}/${p.total} users, ${p.changed} changed`);
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
