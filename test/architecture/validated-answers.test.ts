// Every SCIM answer the suite receives goes through the strict response validator
// (test/server/validate-responses.ts): apps are built by `validatedApp` (an onSend hook),
// `serve()` gets the same hook through `onApp`, and answers of a server in another process are
// read through `scimFetch` (test/server/validated-fetch.ts). Read from the text of test/.

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, sources } from './source-files.ts';

const tests = () => sources('test').map((file) => ({ file: relative(root, file), text: readFileSync(file, 'utf8') }));

/** Files that may build an app without the validator, and why. */
const UNVALIDATED: Readonly<Record<string, string>> = {
  'test/server/helpers.ts': 'validatedApp itself',
  'test/server/scim-validator.test.ts': 'installs the hook after a corrupting one, to show that the hook reports it',
};

describe('every SCIM answer of the suite is validated', () => {
  it('no test builds an app with buildApp but validatedApp', () => {
    const offenders = tests().filter(({ file, text }) => !(file in UNVALIDATED) && /(?<![\w.])buildApp\s*\(/.test(text));
    expect(offenders.map((t) => t.file)).toEqual([]);
  });

  it('every serve() of a test installs the validator (onApp)', () => {
    const offenders = tests().filter(({ text }) => {
      const calls = text.match(/(?<![\w.])serve\(\{/g)?.length ?? 0;
      return calls > (text.match(/onApp: installResponseValidator/g)?.length ?? 0);
    });
    expect(offenders.map((t) => t.file)).toEqual([]);
  });

  it('no test fetches a SCIM URL but through scimFetch, unless its serve() validates', () => {
    const offenders = tests().flatMap(({ file, text }) =>
      text.includes('onApp: installResponseValidator') ? [] :
      text
        .split('\n')
        .map((line, i) => ({ line, at: `${file}:${i + 1}` }))
        .filter(({ line }) => /(?<![\w.])fetch\(/.test(line) && /scim\/v2|fetch\(url\b/.test(line) && !file.endsWith('validated-fetch.ts'))
        .map(({ at }) => at),
    );
    expect(offenders).toEqual([]);
  });
});
