// `npm run bench -- import`'s child: one size of the import bench (bench/import.ts) in a process
// of its own, so its memory figures are its own. Argument: the number of rows.

import { benchImportOnce } from './import.ts';

await benchImportOnce(Number(process.argv[2]));
