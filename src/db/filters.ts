/**
 * A statement's optional filter ("this child, if one is given"), written into the statement only
 * when it is given. `($2::uuid IS NULL OR e.child_person_id = $2)` in one statement for both cases
 * needs PostgreSQL to plan it for the values of each run: planned once for any values (a generic
 * plan, JIGSAW_DB_GENERIC_PLANS) it cannot use the child's index and reads the whole agency's list.
 * As two statement texts, each is its own prepared statement with a plan that suits it. A filter not
 * given still names its parameters (`$2::uuid IS NULL`), so their types are known and the values
 * passed stay the same; PostgreSQL settles such a condition once, before reading anything.
 */
export function ifGiven(value: unknown, condition: string, ...params: readonly string[]): string {
  // The filter's value (or whether it applies): null, undefined and false mean not given.
  return value !== null && value !== undefined && value !== false ? condition : params.map((p) => `${p} IS NULL`).join(' AND ');
}
