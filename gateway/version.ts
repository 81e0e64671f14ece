import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package version, found from source (`gateway/`) and from the build (`dist/gateway/`) alike. */
function readVersion(): string {
  for (const up of ['..', '../..']) {
    const path = join(import.meta.dirname, up, 'package.json');
    if (existsSync(path)) return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}

export const gatewayVersion: string = readVersion();
