// Engine: which file serves a tenant id when several files claim it. Pure: the claims of one
// load of the config folder and the file that held each id before -> the serving file per id.

/** One file's claim on a tenant id (a file that compiled, or the failing file still serving it). */
export interface Claim {
  readonly tenant: string;
  readonly file: string;
}

/** A file that serves nothing because another file holds (or also claims) its tenant id. */
export interface RefusedClaim extends Claim {
  /** The file that serves the id; undefined when no claimant is its holder and none serves. */
  readonly holder: string | undefined;
  /** The other files that claim the id. */
  readonly others: readonly string[];
}

export interface ClaimDecision {
  /** tenant id -> the one file that serves it. */
  readonly serving: ReadonlyMap<string, string>;
  readonly refused: readonly RefusedClaim[];
}

/**
 * A tenant id is claimed once. One claimant serves it. Among several, the id's holder (the file
 * that served it before: in this process, or recorded by the last process) keeps it and the
 * others are refused; when none of them is the holder (a first start with two files of one id)
 * none serves, since neither file names nor load order may pick a winner. So a stray file can
 * neither take over a tenant nor lock its real file out; renaming a file (one claimant) is fine.
 */
export function decideClaims(claims: readonly Claim[], holders: ReadonlyMap<string, string>): ClaimDecision {
  const byTenant = new Map<string, string[]>();
  for (const { tenant, file } of claims) {
    const files = byTenant.get(tenant) ?? [];
    if (!files.includes(file)) files.push(file);
    byTenant.set(tenant, files);
  }
  const serving = new Map<string, string>();
  const refused: RefusedClaim[] = [];
  for (const [tenant, files] of byTenant) {
    const holder = files.length === 1 ? files[0] : files.find((f) => f === holders.get(tenant));
    if (holder !== undefined) serving.set(tenant, holder);
    for (const file of files) {
      if (file !== holder) refused.push({ tenant, file, holder, others: files.filter((f) => f !== file) });
    }
  }
  return { serving, refused };
}
