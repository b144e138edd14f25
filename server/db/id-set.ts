// Storage: a set of ids bound to a prepared statement as one JSON array, not a `uuid[]`.
// PostgreSQL plans a prepared statement with its values (a custom plan) for the first five
// calls, then keeps the generic plan unless the custom ones cost less. Against `id = any($n)`
// a custom plan knows the array's length and a generic one guesses ten, so for the few ids a
// shared read carries the custom plan always looks cheaper, and the statement is planned again
// on every call: PATCH's shared read took 0.28 ms to plan and 0.21 ms to run. The rows of a
// JSON array have one estimate whether or not the value is known, so the generic plan stays.
// test/server/generic-plans.test.ts checks the hot statements keep theirs.

/**
 * A FROM item: the rows of `table` (named `table` in the statement) whose ids are in the JSON
 * array bound at `placeholder` (`jsonIds`), each found by the primary key. The `limit 1` keeps
 * the lookup per id (a subquery the planner cannot merge), whatever the statistics say: as a join
 * or an `= any(...)` it became a scan of the whole table on a small one, kept by the generic plan.
 */
export const rowsByIds = (table: string, placeholder: string): string =>
  `jsonb_array_elements_text(${placeholder}::jsonb) as wanted(id) cross join lateral (select * from ${table} where id = wanted.id::uuid limit 1) as ${table}`;

/** `ids` as the value of a `rowsByIds` placeholder. */
export const jsonIds = (ids: Iterable<string>): string => JSON.stringify([...ids]);
