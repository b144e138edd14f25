// Storage: the marker of a hot-path statement. A text opening with `/* prepared:NAME */` is
// prepared once per session by that name and then only bound and executed, on PostgreSQL
// (database.ts) and on PGlite (pglite-prepared.ts).

/** The `NAME` of a statement text opening with `/* prepared:NAME *\/`, or undefined. */
export const preparedName = (text: string): string | undefined => PREPARED.exec(text)?.[1];
const PREPARED = /^\/\* prepared:([a-z0-9-]+) \*\//;
