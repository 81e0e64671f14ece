import { writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { benchCache, command, installOnce } from '../cache.ts';
import { upstreamPaths } from '../canned.ts';
import { freePort, startServer, stop } from '../processes.ts';
import { bodyFor, chatPath, targets, type Contender } from './contender.ts';

export const portkeyVersion = '1.15.2';
const packageName = '@portkey-ai/gateway';

/**
 * Its streams fail with `TypeError: immutable` (an HTTP 500): since @hono/node-server 1.14.2 the response it
 * builds around the upstream's keeps the upstream's immutable headers, which Portkey then appends to
 * (Portkey's issue #1389). Its `^1.3.3` range lets npm pick the newest, so the last one that works is pinned.
 */
export const honoNodeServer = '1.14.1';

/** Installs Portkey's gateway from npm once, outside the project (it is not a dependency of Switchyard). */
async function install(): Promise<string> {
  const dir = await installOnce(
    join(benchCache, `portkey-${portkeyVersion}`),
    `${packageName}@${portkeyVersion}`,
    async (prefix) => {
      writeFileSync(
        join(prefix, 'package.json'),
        `${JSON.stringify(
          {
            private: true,
            dependencies: { [packageName]: portkeyVersion },
            overrides: { '@hono/node-server': honoNodeServer },
          },
          null,
          2,
        )}\n`,
      );
      // npm runs under this node (first on its PATH), whichever npm is installed.
      await command(
        'npm',
        ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund'],
        { PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` },
        prefix,
      );
    },
  );
  return join(dir, 'node_modules', packageName, 'build', 'start-server.js');
}

/**
 * Portkey's open-source gateway under Node in production mode (no UI, no log streaming). It proxies to any
 * OpenAI-compatible base URL given per request in `x-portkey-custom-host` (loopback hosts are trusted by
 * default), with `x-portkey-provider: openai`; the Authorization header goes to the upstream as it is.
 */
export async function startPortkey(upstreamUrl: string, dir: string): Promise<Contender> {
  const server = await install();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = await startServer({
    name: 'portkey',
    command: process.execPath,
    args: [server, `--port=${port}`],
    env: { NODE_ENV: 'production' },
    readyUrl: `${base}/`,
    log: join(dir, 'portkey.log'),
    timeoutMs: 30_000,
  });
  return {
    id: 'portkey',
    name: `portkey gateway ${portkeyVersion}`,
    targets: targets((kind) => ({
      url: `${base}${chatPath}`,
      headers: {
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `${upstreamUrl}${upstreamPaths[kind].prefix}/v1`,
        Authorization: 'Bearer sk-upstream',
      },
      body: bodyFor(kind),
    })),
    ...(child.pid === undefined ? {} : { pid: child.pid }),
    stop: () => stop(child),
  };
}
