// Storage: statements of one kind shared by concurrent requests (group commit for writes,
// batched reads). A request's item waits for the end of the event loop's current turn
// (`setImmediate`): the requests whose bytes arrived together reach it by then, and go as one
// statement (`many`): one round trip, and for writes one transaction. While `inFlight`
// statements of the kind are running, further items wait for one to finish, then go together.
// On PGlite, whose statements run without yielding, this is the only way two requests meet; a
// quiet server adds one turn of the loop. A batch of one goes alone (`one`), and each caller
// gets its own item's outcome.
// When `many` fails with an error of the data (SQLSTATE class 22 or 23: a unique violation, a
// value the database refuses), the batch wrote nothing, and each item runs alone, so that each
// caller gets the answer its write alone would get. Any other error (the connection lost, the
// database stopping) reaches every caller of the batch as it is: a retry could write twice a
// batch that committed before its answer was lost.

interface Waiting<I, O> {
  readonly item: I;
  readonly resolve: (outcome: O) => void;
  readonly reject: (error: unknown) => void;
}

export interface BatcherLimits {
  /** Statements of the kind running at once (each on its own connection). */
  readonly inFlight: number;
  /** Most items in one statement. */
  readonly batch: number;
}

/**
 * The limits of every kind: up to 8 statements of a kind run at once per tenant, so that a
 * tenant's requests never wait for a connection the pool (10) has free, and at most 50 items share one.
 */
export const BATCH_LIMITS: BatcherLimits = { inFlight: 8, batch: 50 };

export class Batcher<I, O> {
  #running = 0;
  #gathering = false;
  readonly #waiting: Waiting<I, O>[] = [];

  constructor(
    private readonly one: (item: I) => Promise<O>,
    /** The outcomes of `items`, in their order. */
    private readonly many: (items: readonly I[]) => Promise<readonly O[]>,
    private readonly limits: BatcherLimits = BATCH_LIMITS,
  ) {}

  run(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (this.#gathering || this.#running >= this.limits.inFlight) return;
      this.#gathering = true;
      setImmediate(() => {
        this.#gathering = false;
        this.#next();
      });
    });
  }

  #next(): void {
    while (this.#running < this.limits.inFlight && this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.limits.batch);
      this.#running++;
      void this.#send(batch).finally(() => {
        this.#running--;
        this.#next();
      });
    }
  }

  async #send(batch: readonly Waiting<I, O>[]): Promise<void> {
    if (batch.length > 1) {
      let outcomes: readonly O[] | undefined;
      try {
        outcomes = await this.many(batch.map((w) => w.item));
      } catch (error) {
        if (!isDataError(error)) {
          for (const w of batch) w.reject(error);
          return;
        }
      }
      if (outcomes) {
        batch.forEach((w, i) => w.resolve(outcomes[i]!));
        return;
      }
    }
    await Promise.all(batch.map((w) => this.one(w.item).then(w.resolve, w.reject)));
  }
}

/** An error of the data the statement wrote (SQLSTATE class 22 or 23), on PostgreSQL and PGlite. */
function isDataError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

/** A kind of statement that requests may share: how it runs alone, and for several. */
export interface SharedKind<D, I, O> {
  readonly one: (db: D, tenant: string, item: I) => Promise<O>;
  /** The outcomes of `items`, in their order. */
  readonly many: (db: D, tenant: string, items: readonly I[]) => Promise<readonly O[]>;
  /** Whether requests on `db` share the kind's statements; by default unless `db` is a transaction (whose statements are one request's). */
  readonly shares?: (db: D) => boolean;
}

/** A kind's Batcher per database handle and tenant, made on first use. */
export class Batchers<D extends { readonly isTransaction: boolean }, I, O> {
  readonly #of = new WeakMap<D, Map<string, Batcher<I, O>>>();
  readonly #shares: (db: D) => boolean;

  constructor(private readonly kind: SharedKind<D, I, O>) {
    this.#shares = kind.shares ?? ((db) => !db.isTransaction);
  }

  /** `item` of a request on `db` for `tenant`: shared with others, or alone where the kind does not share. */
  run(db: D, tenant: string, item: I): Promise<O> {
    const { one, many } = this.kind;
    if (!this.#shares(db)) return one(db, tenant, item);
    let tenants = this.#of.get(db);
    if (!tenants) this.#of.set(db, (tenants = new Map()));
    let batcher = tenants.get(tenant);
    if (!batcher) tenants.set(tenant, (batcher = new Batcher((i) => one(db, tenant, i), (items) => many(db, tenant, items))));
    return batcher.run(item);
  }
}
