// The `scimplan` command line: lint, test, explain, token, serve. Returns the exit code.

import { Command, CommanderError, Option } from 'commander';
import { InputError } from '../engine/lint.ts';
import { runExplain } from './explain.ts';
import { runLint } from './lint.ts';
import { formats, type Io, parseFormat, parseNow, UsageError } from './output.ts';
import { runTestCommand } from './test.ts';
import { runToken } from './token.ts';

export function defaultIo(): Io {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
  };
}

export async function main(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  let code = 0;
  const formatOption = () => new Option('--format <format>', `output format: ${formats.join(', ')}`).default('text');
  const program = new Command('scimplan')
    .description('tenant provisioning plans for SCIM 2.0: lint, test, explain and serve tenant files')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();

  program
    .command('lint')
    .description('check tenant files or folders (*.yaml, *.yml, recursive)')
    .argument('<paths...>')
    .addOption(formatOption())
    .action(async (paths: string[], opts: { format: string }) => {
      code = await runLint(paths, parseFormat(opts.format), io);
    });

  program
    .command('test')
    .description("run each tenant file's `tests:` cases against its compiled plan")
    .argument('<paths...>')
    .addOption(formatOption())
    .option('--now <iso>', 'clock for cases without their own `now`')
    .action(async (paths: string[], opts: { format: string; now?: string }) => {
      code = await runTestCommand(paths, parseFormat(opts.format), parseNow(opts.now), io);
    });

  program
    .command('explain')
    .description('evaluate one SCIM user (a JSON file, or - for stdin) clause by clause')
    .argument('<config>')
    .argument('<user>')
    .addOption(formatOption())
    .option('--now <iso>', 'fix the clock')
    .action(async (config: string, user: string, opts: { format: string; now?: string }) => {
      code = await runExplain(config, user, parseFormat(opts.format), parseNow(opts.now), io);
    });

  program
    .command('token')
    .description('print a new random bearer token and its `sha256:` line')
    .action(() => {
      code = runToken(io.out);
    });

  program
    .command('serve')
    .description('run the SCIM server for the tenant files in a folder')
    .option('--config <dir>', 'folder of tenant files', 'examples/valid')
    .option('--port <port>', 'port to listen on', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'embedded PGlite data folder (when DATABASE_URL is not set)', './.scimplan')
    .action(async (opts: { config: string; port: string; host: string; dataDir: string }) => {
      const { serve } = await import('../server/main.ts');
      await serve({
        configDir: opts.config,
        port: Number(opts.port),
        host: opts.host,
        dataDir: opts.dataDir,
        databaseUrl: process.env.DATABASE_URL,
      });
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError || e instanceof InputError) {
      io.err(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
