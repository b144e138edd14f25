// The playground page built for a test run (or the bench) into a folder of its own, from the
// sources, exactly as `npm run build` builds dist/playground.

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlayground, tenantValidatorSource } from '../../scripts/build-playground.js';

export async function buildPageForTests(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'scimplan-playground-'));
  await buildPlayground(dir, await tenantValidatorSource(new URL('../../engine/tenant-schema.ts', import.meta.url).href));
  return dir;
}
