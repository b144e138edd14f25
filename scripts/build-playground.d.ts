export const PAGE_FILES: readonly string[];
export function buildPlayground(outDir: string, validatorSource: string): Promise<number>;
export function tenantValidatorSource(schemaModule: string): Promise<string>;
