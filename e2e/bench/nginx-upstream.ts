import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { cannedCompletion, cannedStream, cannedStreamFrames, upstreamPaths } from './canned.ts';
import { freePort, spawnPinned, stop, waitForHttp } from './processes.ts';

export interface Upstream {
  readonly url: string;
  close(): Promise<void>;
}

const heldRate = 1024;
/** Room for the response headers plus the first frame, which go out before the rate limit starts. */
const firstFrameBytes = 320 + (cannedStreamFrames[0]?.length ?? 0);

/** A string for a single-quoted nginx config literal. */
const quoted = (text: string) => text.replaceAll('\\', '\\\\').replaceAll("'", "\\'");

/**
 * nginx answering every POST with a canned OpenAI chat completion, or under `/sse/` and `/held/` with the
 * canned stream (see `upstreamPaths`): far faster than anything under test.
 */
export async function startNginxUpstream(core: number): Promise<Upstream> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-nginx-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  server {
    listen 127.0.0.1:${port};
    location / {
      default_type application/json;
      return 200 '${quoted(cannedCompletion)}';
    }
    location ${upstreamPaths.stream.prefix}/ {
      default_type text/event-stream;
      add_header cache-control no-cache;
      return 200 '${quoted(cannedStream)}';
    }
    location ${upstreamPaths.held.prefix}/ {
      default_type text/event-stream;
      add_header cache-control no-cache;
      # Headers and the first frames at once, the rest at ${heldRate} bytes/s: a stream lasts about two seconds.
      postpone_output 0;
      limit_rate_after ${firstFrameBytes};
      limit_rate ${heldRate};
      return 200 '${quoted(cannedStream)}';
    }
  }
}
`,
  );
  const child: ChildProcess = spawnPinned(core, 'nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')]);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(url);
  return {
    url,
    async close() {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
