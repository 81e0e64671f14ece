import { dumpYaml } from '../render/yaml.ts';
import { crdFileName, crdFor, kinds } from './crd.ts';

const header = '# Generated from operator/api by `npm run crds`. Do not edit.\n';

/** Every CRD file, by name, as it must be on disk under crds/. */
export function crdFiles(): ReadonlyMap<string, string> {
  return new Map(kinds.map((definition) => [crdFileName(definition), header + dumpYaml(crdFor(definition))]));
}
