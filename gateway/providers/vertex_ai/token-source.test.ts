import { createVerify, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { googleOAuth, type GoogleOAuth } from '../../../e2e/fake-upstream/google-oauth.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../e2e/fake-upstream/server.ts';
import { UpstreamHttp } from '../../upstream/http.ts';
import { readCredentials } from './credentials.ts';
import { signJwtRs256 } from './jwt.ts';
import { defaultVertexLocation, vertexModelUrl } from './settings.ts';
import { createTokenSource, refreshMarginMs } from './token-source.ts';

const clientEmail = 'sa@proj.iam.gserviceaccount.com';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let oauth: GoogleOAuth;
let fake: FakeUpstream;
const http = new UpstreamHttp({ env: {} });

beforeAll(async () => {
  oauth = googleOAuth({ publicKey, clientEmail, expiresInS: 3600 });
  fake = await startFakeUpstream([oauth.protocol]);
});

afterAll(async () => {
  await http.close();
  await fake.close();
});

beforeEach(() => {
  fake.reset();
});

function account() {
  return readCredentials(
    JSON.stringify({
      type: 'service_account',
      client_email: clientEmail,
      private_key: pem,
      token_uri: `${fake.url}/token`,
    }),
  );
}

describe('signJwtRs256', () => {
  it('signs header.claims with RS256, verifiable with the public key', () => {
    const jwt = signJwtRs256({ iss: 'a', exp: 2 }, pem, 'kid-1');
    const [header = '', claims = '', signature = ''] = jwt.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({
      alg: 'RS256',
      typ: 'JWT',
      kid: 'kid-1',
    });
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toEqual({ iss: 'a', exp: 2 });
    expect(
      createVerify('RSA-SHA256')
        .update(`${header}.${claims}`)
        .verify(publicKey, Buffer.from(signature, 'base64url')),
    ).toBe(true);
  });
});

describe('createTokenSource', () => {
  it('exchanges a signed assertion, caches the token and refreshes it before expiry', async () => {
    // The first token was fetched almost an hour ago: one second before its refresh margin.
    let clock = Date.now() - (3600_000 - refreshMarginMs - 1000);
    const source = createTokenSource(account(), { http, metadataHost: 'unused', now: () => clock });
    const first = await source.token();
    clock = Date.now();
    expect(await source.token()).toBe(first);
    clock += 2000;
    const second = await source.token();
    expect(second).not.toBe(first);
    expect(fake.requests.filter((request) => request.path === '/token')).toHaveLength(2);
  });

  it('shares one exchange between concurrent callers', async () => {
    const source = createTokenSource(account(), { http, metadataHost: 'unused' });
    const tokens = await Promise.all([source.token(), source.token(), source.token()]);
    expect(new Set(tokens).size).toBe(1);
    expect(fake.requests).toHaveLength(1);
  });

  it('turns a refused exchange into an auth failure', async () => {
    const wrong = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const credentials = readCredentials({
      type: 'service_account',
      client_email: clientEmail,
      private_key: wrong.toString(),
      token_uri: `${fake.url}/token`,
    });
    await expect(
      createTokenSource(credentials, { http, metadataHost: 'unused' }).token(),
    ).rejects.toMatchObject({
      failure: 'auth',
      upstreamStatus: 401,
      message: expect.stringContaining('invalid_grant') as unknown,
    });
  });

  it('reads the metadata server token with Metadata-Flavor', async () => {
    const source = createTokenSource(undefined, { http, metadataHost: new URL(fake.url).host });
    expect(await source.token()).toMatch(/^ya29\.fake-metadata-/);
  });
});

describe('readCredentials and URLs', () => {
  it('refuses credentials without a key, never echoing them', () => {
    expect(() =>
      readCredentials('{"type":"service_account","client_email":"x","private_key_id":"secret-id"}'),
    ).toThrow('vertex_credentials needs client_email and private_key');
    expect(() => readCredentials('/nonexistent/key.json')).toThrow(/cannot be read \(ENOENT\)/);
  });

  it('builds regional and global Vertex URLs', () => {
    expect(
      vertexModelUrl(
        { project: 'p', location: defaultVertexLocation },
        undefined,
        'google',
        'gemini-2.5-flash',
        'generateContent',
      ),
    ).toBe(
      'https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent',
    );
    expect(
      vertexModelUrl(
        { project: 'p', location: 'global' },
        undefined,
        'anthropic',
        'claude-opus-4@20250514',
        'rawPredict',
      ),
    ).toBe(
      'https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/anthropic/models/claude-opus-4@20250514:rawPredict',
    );
  });
});
