import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crdFiles } from './crd-files.ts';

/** Writes crds/*.yaml from the zod schemas: `node operator/api/generate-crds.ts` (or `npm run crds`). */
const directory = join(import.meta.dirname, '..', '..', 'crds');
mkdirSync(directory, { recursive: true });
for (const [name, text] of crdFiles()) {
  writeFileSync(join(directory, name), text);
  process.stdout.write(`wrote crds/${name}\n`);
}
