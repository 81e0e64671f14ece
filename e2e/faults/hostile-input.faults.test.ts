import { randomBytes } from 'node:crypto';
import type fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from '../fake-upstream/server.ts';
import { startPostgresServer, type PostgresServer } from '../../gateway/test-support/postgres-server.ts';
import { gatewayConfig, masterKey, upstreamApiKey } from './gateway-config.ts';
import { startGateway, type GatewayUnderTest } from './gateway-process.ts';
import {
  badAuth,
  deepNesting,
  deepNestingExamples,
  hugeValues,
  malformedJson,
  oddPathsAndQueries,
  unicodeValues,
  wrongContentTypes,
  wrongTypes,
  type Credentials,
  type HostileRequest,
} from './hostile-requests.ts';
import { closedLoop, failureSummary, type LoadResult } from './load.ts';
import { chat, openaiClient } from './openai-calls.ts';
import { fuzz, type FuzzResult } from './fuzz-run.ts';
import { rawFraming } from './raw-framing.ts';
import { requireRealServers } from './real-servers.ts';
import { report } from './report.ts';
import { violationsOf, type Secret } from './response-oracle.ts';
import { closeHostileAgent, sendHostile, sendRaw } from './send-hostile.ts';
import { awaitSpendRows, createDatabase } from './spend-ledger.ts';
import { strictUpstream } from './upstreams.ts';
import { generateKey } from './virtual-keys.ts';

/**
 * A fuzzer (fast-check) sends malformed and hostile requests to every public route of a real gateway process
 * while legitimate clients keep using it: no answer is a 5xx, every error body has OpenAI's shape (Anthropic's
 * on its Messages route), no answer holds a secret, and the process stays up and keeps serving. A failure
 * prints the smallest request found and the seed to replay it (FUZZ_SEED=<seed>).
 */
const seed = process.env.FUZZ_SEED === undefined ? Date.now() : Number(process.env.FUZZ_SEED);
const saltKey = `salt-${randomBytes(16).toString('hex')}`;
const databasePassword = `pw-${randomBytes(12).toString('hex')}`;

let postgres: PostgresServer;
let upstream: FakeUpstream;
let gateway: GatewayUnderTest;
let databaseUrl: string;
let credentials: Credentials;
let secrets: Secret[];
const stopBackground = new AbortController();
let background: Promise<LoadResult>;

beforeAll(async () => {
  requireRealServers();
  postgres = await startPostgresServer();
  upstream = await strictUpstream();
  // Trust auth ignores the password, but the gateway holds it as part of its database URL: a secret to keep.
  databaseUrl = (await createDatabase(postgres, 'faults_fuzz')).replace(
    'postgres@',
    `postgres:${databasePassword}@`,
  );
  gateway = await startGateway(
    gatewayConfig({
      databaseUrl,
      deployments: [
        { group: 'chat', model: 'chat-a', apiBase: upstream.url },
        { group: 'chat', model: 'chat-b', apiBase: upstream.url },
        { group: 'embed', model: 'embed-model', apiBase: upstream.url },
      ],
      generalSettings: { max_request_size_mb: 1 },
    }),
    { SWITCHYARD_SALT_KEY: saltKey },
  );
  const victim = await generateKey(gateway.url, 'fuzz-victim');
  const legitimate = await generateKey(gateway.url, 'fuzz-legitimate');
  credentials = { masterKey, virtualKey: victim };
  secrets = [
    { name: 'master key', value: masterKey },
    { name: 'upstream API key', value: upstreamApiKey },
    { name: 'salt key', value: saltKey },
    { name: 'database password', value: databasePassword },
    { name: 'fuzzer virtual key', value: victim },
    { name: 'legitimate virtual key', value: legitimate },
  ];
  const client = openaiClient(gateway.url, legitimate);
  background = closedLoop({
    name: 'fuzz-legitimate',
    concurrency: 3,
    durationMs: 30 * 60_000,
    stop: stopBackground.signal,
    call: (id) => chat(client, 'chat', id),
  });
});

afterAll(async () => {
  stopBackground.abort();
  await background;
  await closeHostileAgent();
  await gateway.stop();
  await upstream.close();
  await postgres.destroy();
});

/** A short account of a request for a failure message (bodies can be megabytes). */
function describeRequest(hostile: HostileRequest): string {
  const body = hostile.body === undefined ? '' : Buffer.from(hostile.body).toString('utf8');
  const shown = body.length > 300 ? `${body.slice(0, 300)}... (${body.length} chars)` : body;
  const headers = JSON.stringify(hostile.headers).slice(0, 400);
  return `${hostile.method} ${hostile.path.slice(0, 200)}\nheaders: ${headers}\nbody: ${JSON.stringify(shown)}`;
}

/**
 * Waits until the gateway answers a plain request again: a family that tripped a cooldown (a finding of its
 * own) must not make the next family fail for it.
 */
async function awaitServing(): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const answer = await sendHostile(gateway.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: '{"model":"chat","messages":[{"role":"user","content":"ready?"}]}',
    });
    if (!('failed' in answer) && answer.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Reports a fuzz run and fails on its finding (the smallest request and the seed) or a dead gateway. */
function expectNoFinding(label: string, result: FuzzResult): void {
  report(label, {
    requests: result.runs,
    seed,
    statuses: result.statuses,
    alive: gateway.alive() ? 'yes' : 'NO',
    violation: result.failure?.split('\n')[0] ?? 'none',
  });
  expect(result.failure, result.failure).toBeUndefined();
  expect(gateway.alive()).toBe(true);
}

interface Family {
  readonly name: string;
  readonly arbitrary: (credentials: Credentials) => fc.Arbitrary<HostileRequest>;
  readonly numRuns: number;
  readonly examples?: (credentials: Credentials) => HostileRequest[];
}

const families: readonly Family[] = [
  { name: 'malformed JSON', arbitrary: malformedJson, numRuns: 300 },
  { name: 'wrong types', arbitrary: wrongTypes, numRuns: 300 },
  { name: 'huge values', arbitrary: hugeValues, numRuns: 40 },
  { name: 'deep nesting', arbitrary: deepNesting, numRuns: 120, examples: deepNestingExamples },
  { name: 'unicode and non-UTF-8', arbitrary: unicodeValues, numRuns: 200 },
  { name: 'wrong content types', arbitrary: wrongContentTypes, numRuns: 200 },
  { name: 'bad auth and headers', arbitrary: badAuth, numRuns: 300 },
  { name: 'odd methods, paths and queries', arbitrary: oddPathsAndQueries, numRuns: 300 },
];

describe('hostile input under load', () => {
  for (const { name: family, arbitrary, numRuns, examples } of families) {
    it(`${family}: no 5xx, OpenAI-shaped errors, no secret in any answer`, async () => {
      await awaitServing();
      const result = await fuzz(arbitrary(credentials), {
        numRuns,
        seed,
        ...(examples === undefined ? {} : { examples: examples(credentials) }),
        describe: describeRequest,
        async check(hostile) {
          const answer = await sendHostile(gateway.url, hostile);
          if ('failed' in answer) return { status: 'none', violations: [answer.failed] };
          return { status: String(answer.status), violations: violationsOf(answer, secrets) };
        },
      });
      expectNoFinding(`hostile-input ${family}`, result);
    });
  }

  it('malformed HTTP framing (raw bytes): no 5xx, OpenAI-shaped errors, no secret', async () => {
    const port = Number(new URL(gateway.url).port);
    const result = await fuzz(rawFraming(credentials), {
      numRuns: 150,
      seed,
      describe: (bytes) =>
        JSON.stringify(bytes.length > 400 ? `${bytes.slice(0, 400)}... (${bytes.length} bytes)` : bytes),
      async check(bytes) {
        const answer = await sendRaw(port, bytes);
        // No answer yet is fine for a request that promised more body than it sent.
        if (answer === undefined) return { status: 'none', violations: [] };
        return { status: String(answer.status), violations: violationsOf(answer, secrets) };
      },
    });
    expectNoFinding('hostile-input raw framing', result);
  });

  it('three requests that break inside the gateway do not take the model group away from other clients', async () => {
    await awaitServing();
    const hostile = deepNestingExamples(credentials)[0];
    if (hostile === undefined) throw new Error('no example');
    const hostileStatuses: string[] = [];
    for (let index = 0; index < 3; index++) {
      const answer = await sendHostile(gateway.url, hostile);
      hostileStatuses.push('failed' in answer ? 'none' : String(answer.status));
    }
    const client = openaiClient(gateway.url, masterKey);
    const after = await closedLoop({
      name: 'after-hostile',
      concurrency: 2,
      durationMs: 2_000,
      call: (id) => chat(client, 'chat', id),
    });
    report('hostile-input cooldown by bad input', {
      hostile_statuses: hostileStatuses.join(','),
      legitimate_requests_after: after.outcomes.length,
      failed: after.failed.length,
      failures: failureSummary(after.failed, 1) || 'none',
    });
    expect(after.outcomes.length).toBeGreaterThan(0);
    expect(after.failed, failureSummary(after.failed)).toHaveLength(0);
  });

  it('bodies far over the limit, still being sent: a 413 each, not a reset connection', async () => {
    // Closed at once, a connection resets under the 413 its client has not read yet (EPIPE for a third of these).
    const oversized: HostileRequest = {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'x'.repeat(8 << 20) }] }),
    };
    const statuses = await Promise.all(
      Array.from({ length: 24 }, async () => {
        const answer = await sendHostile(gateway.url, oversized);
        return 'failed' in answer
          ? answer.failed
          : `${answer.status} ${answer.body.includes('body_too_large')}`;
      }),
    );
    expect(statuses).toEqual(Array.from({ length: 24 }, () => '413 true'));
  });

  it('stayed up and served the legitimate clients all along, spend rows included', async () => {
    stopBackground.abort();
    const load = await background;
    const liveliness = await fetch(`${gateway.url}/health/liveliness`);
    const spend = await awaitSpendRows(databaseUrl, load.succeededIds);
    report('hostile-input legitimate clients', {
      requests: load.outcomes.length,
      failed: load.failed.length,
      seconds: load.seconds,
      spend_rows_expected: spend.expected,
      spend_rows_written: spend.written,
      failures: failureSummary(load.failed, 2) || 'none',
    });

    expect(gateway.alive()).toBe(true);
    expect(liveliness.status).toBe(200);
    expect(load.outcomes.length).toBeGreaterThan(100);
    expect(load.failed, failureSummary(load.failed)).toHaveLength(0);
    expect(spend.lost).toEqual([]);
    expect(spend.duplicated).toEqual([]);
  });
});
