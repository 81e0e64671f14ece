import { mkdirSync, writeFileSync } from 'node:fs';
import { exampleSets, goldenPath, renderedDir, renderExample } from './examples.ts';

/** Regenerates manifests/examples/rendered/*.yaml: `node operator/cli/render-examples.ts`. */
mkdirSync(renderedDir, { recursive: true });
for (const set of exampleSets()) {
  const output = renderExample(set);
  writeFileSync(goldenPath(set), output.yaml);
  process.stdout.write(`wrote manifests/examples/rendered/${set}.yaml\n`);
}
