// The `scimplan` command line: lint, test, explain, lsp, token, playground, serve, plan, apply, approve, import. Returns the exit code.
// Each command's module is imported inside its action, so `--help` and `lint` never load the server.

import { Command, CommanderError, Option } from 'commander';
import type { Kysely } from 'kysely';
import type { Database } from '../server/db/tables.ts';
import { explainFormats, formats, type Format, type Io, parseFormat, parseNow, UsageError } from './output.ts';

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

/**
 * Runs one command line. `database`: an open database that `plan`, `apply` and `approve` use
 * instead of the one `--database`/`--data-dir` name (tests); it stays open.
 */
export async function main(argv: readonly string[], io: Io = defaultIo(), database?: Kysely<Database>): Promise<number> {
  let code = 0;
  const handed = database ? { db: database } : {};
  const formatOption = (allowed: readonly Format[] = formats) => new Option('--format <format>', `output format: ${allowed.join(', ')}`).default('text');
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
      const { runLint } = await import('./lint.ts');
      code = await runLint(paths, parseFormat(opts.format), io);
    });

  program
    .command('test')
    .description("run each tenant file's `tests:` cases against its compiled plan")
    .argument('<paths...>')
    .addOption(formatOption())
    .option('--now <iso>', 'clock for cases without their own `now`')
    .action(async (paths: string[], opts: { format: string; now?: string }) => {
      const { runTestCommand } = await import('./test.ts');
      code = await runTestCommand(paths, parseFormat(opts.format), parseNow(opts.now), io);
    });

  program
    .command('explain')
    .description('evaluate one SCIM user (a JSON file, or - for stdin) clause by clause')
    .argument('<config>')
    .argument('<user>')
    .addOption(formatOption(explainFormats))
    .option('--now <iso>', 'fix the clock')
    .option('--claims', 'the JSON holds the claims of a login (ID token claims or SAML attributes), for a tenant with `sso:`')
    .action(async (config: string, user: string, opts: { format: string; now?: string; claims?: boolean }) => {
      const { runExplain } = await import('./explain.ts');
      code = await runExplain(config, user, parseFormat(opts.format, explainFormats), parseNow(opts.now), io, { claims: opts.claims === true });
    });

  program
    .command('lsp')
    .description('run the language server for tenant files on stdin/stdout (diagnostics, completion, hover, definition)')
    .option('--stdio', 'talk over stdin/stdout (the default and only transport; accepted for editor clients that pass it)')
    .action(async () => {
      const { runLsp } = await import('./lsp.ts');
      code = await runLsp();
    });

  program
    .command('token')
    .description('print a new random bearer token and its `sha256:` line')
    .action(async () => {
      const { runToken } = await import('./token.ts');
      code = runToken(io.out);
    });

  program
    .command('playground')
    .description('open the playground page offline on 127.0.0.1 (no database): edit, lint, explain and test in the browser')
    .argument('[config]', 'tenant file to open')
    .option('--port <port>', 'port to listen on (0: any free port)', '0')
    .action(async (config: string | undefined, opts: { port: string }) => {
      if (!/^\d{1,5}$/.test(opts.port)) throw new UsageError(`--port \`${opts.port}\` is not a port number`);
      const { runPlayground } = await import('./playground.ts');
      code = await runPlayground(config, Number(opts.port), io);
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

  const databaseOptions = (command: Command): Command =>
    command
      .option('--database <url>', 'PostgreSQL connection string (default: DATABASE_URL)')
      .option('--data-dir <dir>', 'embedded PGlite data folder (when no PostgreSQL URL is given)', './.scimplan')
      .option('--server <url>', "act through a running server's admin API instead (default: SCIMPLAN_SERVER; token: SCIMPLAN_ADMIN_TOKEN)");
  // The admin token is read here, from the environment only: a flag would show it in `ps`.
  const through = async (flag: string | undefined) => {
    const { serverTarget } = await import('./server-client.ts');
    const server = serverTarget(flag);
    return server ? { server } : {};
  };
  const count = (flag: string) => (value: string): number => {
    if (!/^\d+$/.test(value)) throw new UsageError(`${flag} \`${value}\` is not a whole number`);
    return Number(value);
  };

  databaseOptions(
    program
      .command('plan')
      .description('show what a tenant file would change for the stored users, without changing anything (exit 0 none, 2 changes, 1 error)')
      .argument('<config>')
      .addOption(new Option('--format <format>', 'output format: text, json').default('text'))
      .option('--now <iso>', 'fix the clock')
      .option('--max-deactivations <n>', 'more deactivations than this is an error (exit 1)', count('--max-deactivations'))
      .option('--show-values', 'print field values (before -> after), not only field names'),
  ).action(async (config: string, opts: { format: string; now?: string; maxDeactivations?: number; showValues?: boolean; database?: string; dataDir?: string; server?: string }) => {
    if (opts.format !== 'text' && opts.format !== 'json') throw new UsageError(`unknown format \`${opts.format}\`; use text or json`);
    const server = await through(opts.server);
    const { runPlan } = await import('./plan.ts');
    code = await runPlan(
      config,
      {
        format: opts.format,
        now: parseNow(opts.now),
        ...(opts.maxDeactivations !== undefined ? { maxDeactivations: opts.maxDeactivations } : {}),
        ...(opts.showValues ? { showValues: true } : {}),
        ...(opts.database ? { database: opts.database } : {}),
        ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
        ...handed,
        ...server,
      },
      io,
    );
  });

  databaseOptions(
    program
      .command('apply')
      .description('re-evaluate every stored user with a tenant file and write the changes (resumable, idempotent)')
      .argument('<config>')
      .option('--now <iso>', 'fix the clock')
      .option('--batch-size <n>', 'users per transaction', count('--batch-size')),
  ).action(async (config: string, opts: { now?: string; batchSize?: number; database?: string; dataDir?: string; server?: string }) => {
    const server = await through(opts.server);
    const { runApply } = await import('./apply.ts');
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    try {
      code = await runApply(
        config,
        {
          ...(opts.now ? { now: parseNow(opts.now) } : {}),
          ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
          ...(opts.database ? { database: opts.database } : {}),
          ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
          ...handed,
          ...server,
          signal: controller.signal,
        },
        io,
      );
    } finally {
      process.off('SIGINT', stop);
    }
  });

  databaseOptions(
    program
      .command('approve')
      .description('release the deactivations the safety limit held for a tenant')
      .argument('<tenant>')
      .option('--now <iso>', 'fix the clock'),
  ).action(async (tenant: string, opts: { now?: string; database?: string; dataDir?: string; server?: string }) => {
    const server = await through(opts.server);
    if (server.server && opts.now) throw new UsageError('--now cannot be given with --server: the server approves at its own clock');
    const { runApprove } = await import('./approve.ts');
    code = await runApprove(
      tenant,
      {
        ...(opts.now ? { now: parseNow(opts.now) } : {}),
        ...(opts.database ? { database: opts.database } : {}),
        ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
        ...handed,
        ...server,
      },
      io,
    );
  });

  databaseOptions(
    program
      .command('import')
      .description('import a feed file (csv, jsonl, SCIM BulkRequest) through the tenant plan (exit 0 done, 2 held by a threshold, 1 error)')
      .argument('<config>')
      .argument('<feed>')
      .argument('<file>')
      .option('--dry-run', 'decide every record, write nothing')
      .option('--approve', "import past the feed's thresholds (records a feed.import_approved event)")
      .addOption(new Option('--format <format>', 'output format: text, json').default('text'))
      .option('--now <iso>', 'fix the clock'),
  ).action(async (config: string, feed: string, file: string, opts: { dryRun?: boolean; approve?: boolean; format: string; now?: string; database?: string; dataDir?: string; server?: string }) => {
    if (opts.server) throw new UsageError('import works on the database; through a server, POST the file to /api/v1/tenants/{tenant}/feeds/{feed}');
    if (opts.format !== 'text' && opts.format !== 'json') throw new UsageError(`unknown format \`${opts.format}\`; use text or json`);
    const { runImport } = await import('./import.ts');
    code = await runImport(
      config,
      feed,
      file,
      {
        format: opts.format,
        ...(opts.dryRun ? { dryRun: true } : {}),
        ...(opts.approve ? { approve: true } : {}),
        ...(opts.now ? { now: parseNow(opts.now) } : {}),
        ...(opts.database ? { database: opts.database } : {}),
        ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
        ...handed,
      },
      io,
    );
  });

  // `plan` exits 2 for "changes": its usage errors must not look like that.
  const usageExit = argv[0] === 'plan' ? 1 : 2;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : usageExit;
    // Loaded only once something has failed; a lint run has loaded it already.
    const { InputError } = await import('../engine/lint.ts');
    if (e instanceof UsageError || e instanceof InputError) {
      io.err(`error: ${e.message}\n`);
      return usageExit;
    }
    throw e;
  }
}
