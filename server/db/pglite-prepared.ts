// Storage: PGlite's named prepared statements. `pglite.query` parses and plans its text on every
// call (the unnamed statement); a hot-path statement (`/* prepared:NAME */`, see database.ts) is
// parsed once per PGlite instance by that name, then only bound and executed: planning the
// user-write CTEs was 1.5 to 14 ms per request, their execution 0.2 to 0.4 ms.
// The protocol steps are those of `pglite.query` (parse, describe, bind, describe, execute,
// sync), under PGlite's query lock so that no other statement interleaves.

import { parse, protocol, type PGlite, type Results } from '@electric-sql/pglite';

/**
 * The statements one PGlite instance has prepared: the session's, shared by every Kysely (or
 * dialect) over that instance, so a name is never prepared twice in the one session.
 */
export function preparedStatementsOf(pglite: PGlite): PreparedStatements {
  let prepared = OF_INSTANCE.get(pglite);
  if (!prepared) OF_INSTANCE.set(pglite, (prepared = new PreparedStatements(pglite)));
  return prepared;
}

const OF_INSTANCE = new WeakMap<PGlite, PreparedStatements>();

/** The parameter types of the statements one PGlite instance has prepared, by name and text. */
class PreparedStatements {
  readonly #types = new Map<string, { readonly text: string; readonly types: readonly number[] }>();

  constructor(private readonly pglite: PGlite) {}

  /** Runs `text` as the prepared statement `name` (prepared on first use). */
  run<R>(name: string, text: string, params: readonly unknown[]): Promise<Results<R>> {
    const pglite = this.pglite;
    const step = (message: Uint8Array) => pglite.execProtocolStream(message, { syncToFs: false });
    return pglite.runExclusive(async () => {
      const messages: Awaited<ReturnType<typeof step>> = [];
      try {
        let known = this.#types.get(name);
        if (known && known.text !== text) throw new Error(`prepared statement name ${name} is used for two texts`);
        if (!known) {
          await step(protocol.serialize.parse({ name, text }));
          known = { text, types: parse.parseDescribeStatementResults(await step(protocol.serialize.describe({ type: 'S', name }))) };
          this.#types.set(name, known);
        }
        const values = params.map((value, i) => {
          if (value === null || value === undefined) return null;
          const serialize = pglite.serializers[known.types[i]!];
          return serialize ? serialize(value) : String(value);
        });
        messages.push(
          ...(await step(protocol.serialize.bind({ statement: name, values }))),
          ...(await step(protocol.serialize.describe({ type: 'P' }))),
          ...(await step(protocol.serialize.execute({}))),
        );
      } finally {
        messages.push(...(await step(protocol.serialize.sync())));
      }
      await pglite.syncToFs();
      return parse.parseResults(messages, pglite.parsers)[0] as Results<R>;
    });
  }
}
