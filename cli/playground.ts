// `scimplan playground [CONFIG]`: the playground page offline, on 127.0.0.1 only, with no
// database and no admin API: the tenant file (if given) opens in the editor, everything else
// runs in the browser. Prints the address; runs until interrupted.

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import Fastify from 'fastify';
import { playgroundRoutes } from '../server/routes/playground.ts';
import type { Io } from './output.ts';

export interface PlaygroundServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the offline page; `assets` overrides the built page's folder (tests). */
export async function startPlayground(options: { config?: string; text?: string; port: number; assets?: string }): Promise<PlaygroundServer> {
  const app = Fastify({ logger: false });
  const initial = options.config !== undefined && options.text !== undefined ? { file: basename(options.config), text: options.text } : undefined;
  await app.register(playgroundRoutes, { server: false, ...(initial ? { initial } : {}), ...(options.assets ? { assets: options.assets } : {}) });
  const address = await app.listen({ host: '127.0.0.1', port: options.port });
  return { url: `${address}/playground/`, close: () => app.close() };
}

export async function runPlayground(config: string | undefined, port: number, io: Io, stop: Promise<unknown> = interrupted()): Promise<number> {
  const text = config === undefined ? undefined : await readFile(config, 'utf8').catch(() => undefined);
  if (config !== undefined && text === undefined) {
    io.err(`error: cannot read \`${config}\`\n`);
    return 1;
  }
  const server = await startPlayground({ ...(config !== undefined ? { config, text: text! } : {}), port });
  io.out(`playground: ${server.url}\n(the page runs the engine in your browser; nothing leaves this machine; Ctrl-C stops it)\n`);
  await stop;
  await server.close();
  return 0;
}

function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
