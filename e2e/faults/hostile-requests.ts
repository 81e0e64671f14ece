import fc from 'fast-check';

/**
 * fast-check arbitraries of malformed and hostile requests to the gateway's public routes, one family per kind
 * of hostility. Secrets only ever travel where they belong (auth headers), so one found in an answer is a leak.
 */
export interface HostileRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

export interface Credentials {
  readonly masterKey: string;
  /** A virtual key the fuzzer may use (not the one of the background load). */
  readonly virtualKey: string;
}

/** The model groups of the fuzzed gateway: `chat` (two deployments) and `embed`. */
const models = ['chat', 'embed'] as const;

const routes: readonly (readonly [string, string])[] = [
  ['POST', '/v1/chat/completions'],
  ['POST', '/chat/completions'],
  ['POST', '/v1/completions'],
  ['POST', '/completions'],
  ['POST', '/v1/embeddings'],
  ['POST', '/embeddings'],
  ['POST', '/v1/messages'],
  ['GET', '/v1/models'],
  ['GET', '/models'],
  ['POST', '/key/generate'],
  ['GET', '/key/info'],
  ['POST', '/key/update'],
  ['POST', '/key/delete'],
  ['GET', '/key/list'],
  ['POST', '/key/block'],
  ['POST', '/key/unblock'],
  ['POST', '/key/regenerate'],
  ['POST', '/key/sk-unknown/regenerate'],
  ['GET', '/spend/logs'],
  ['POST', '/model/new'],
  ['GET', '/model/info'],
  ['POST', '/model/delete'],
  ['GET', '/health'],
  ['GET', '/health/readiness'],
  ['GET', '/health/liveliness'],
  ['GET', '/metrics'],
];
const inference = routes.slice(0, 7);

const printable = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));
const latin1 = fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code));
/** What a header value may hold on the wire (HTTP field-content): visible ASCII, space, obs-text. */
const headerText = (maxLength: number) =>
  fc.string({
    unit: fc.oneof({ weight: 9, arbitrary: printable }, { weight: 1, arbitrary: latin1 }),
    maxLength,
  });

/** Text a hostile client would like to see mishandled: lone surrogates, NUL, bidi overrides, emoji, BOM. */
const nastyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.constantFrom(
    '\ud800',
    '\udfff\ud800',
    '\u0000',
    '\u202e\u2066override',
    '\ufeff',
    '👩‍👩‍👧‍👦🏳️‍🌈',
    'e\u0301\u0301\u0301\u0301',
    '\u{10ffff}',
    '${jndi:ldap://x}',
    '<script>alert(1)</script>',
    "'; DROP TABLE switchyard_keys; --",
    '../../../../etc/passwd',
    '%s%s%n',
  ),
);

const validMessages = fc.array(
  fc.record({ role: fc.constantFrom('user', 'system', 'assistant'), content: fc.string({ maxLength: 40 }) }),
  { minLength: 1, maxLength: 3 },
);

const jsonValue = fc.jsonValue({ maxDepth: 3 });

/** A chat request body with any field of any type, valid or not. */
const chatLike = fc.record(
  {
    model: fc.oneof(fc.constantFrom(...models), jsonValue, nastyText),
    messages: fc.oneof(
      validMessages,
      jsonValue,
      fc.array(fc.record({ role: fc.oneof(fc.constantFrom('user', 'tool'), jsonValue), content: jsonValue })),
    ),
    stream: fc.oneof(fc.boolean(), jsonValue),
    stream_options: jsonValue,
    temperature: fc.oneof(fc.double(), jsonValue),
    max_tokens: fc.oneof(fc.integer(), fc.double(), jsonValue),
    n: fc.oneof(fc.integer({ min: -5, max: 1000 }), jsonValue),
    stop: jsonValue,
    tools: jsonValue,
    tool_choice: jsonValue,
    response_format: jsonValue,
    fallbacks: jsonValue,
    metadata: jsonValue,
    cache: jsonValue,
    user: jsonValue,
    prompt: jsonValue,
    input: jsonValue,
  },
  { requiredKeys: [] },
);

const validChat = fc.record({
  model: fc.constantFrom(...models),
  messages: validMessages,
  stream: fc.boolean(),
});

const json = 'application/json';

function request(
  route: readonly [string, string],
  headers: Record<string, string>,
  body: string | Uint8Array | undefined,
): HostileRequest {
  const [method, path] = route;
  const sendsBody = method !== 'GET' && method !== 'HEAD' && body !== undefined;
  return { method, path, headers, ...(sendsBody ? { body } : {}) };
}

/** The caller: the master key or a virtual key (its checks run on another path). */
function caller(credentials: Credentials): fc.Arbitrary<Record<string, string>> {
  return fc.constantFrom(
    { authorization: `Bearer ${credentials.masterKey}` },
    { authorization: `Bearer ${credentials.virtualKey}` },
  );
}

/** Broken JSON: cut, trailing commas, single quotes, two documents, junk, invalid escapes. */
export function malformedJson(credentials: Credentials): fc.Arbitrary<HostileRequest> {
  const broken = fc.oneof(
    fc.constantFrom(
      '{',
      '{"model":',
      '{"model":"chat",}',
      "{'model':'chat'}",
      '[1,2',
      'NaN',
      'undefined',
      '{"a":1}{"b":2}',
      '{"model":"chat" "messages":[]}',
      '{"a":"\\u12"}',
      '{"a":"\\x41"}',
      '1e999999',
      '-',
      'tru',
      '\u0000',
      '',
      '   ',
    ),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc
      .tuple(validChat, fc.nat())
      .map(([body, cut]) => JSON.stringify(body).slice(0, cut % JSON.stringify(body).length)),
  );
  return fc
    .tuple(fc.constantFrom(...routes), caller(credentials), broken)
    .map(([route, auth, body]) => request(route, { ...auth, 'content-type': json }, body));
}

/** Well-formed JSON with wrong types everywhere: the schema, not a crash, must answer. */
export function wrongTypes(credentials: Credentials): fc.Arbitrary<HostileRequest> {
  return fc
    .tuple(fc.constantFrom(...routes), caller(credentials), fc.oneof(chatLike, jsonValue))
    .map(([route, auth, body]) => request(route, { ...auth, 'content-type': json }, JSON.stringify(body)));
}

/** Bodies from 100 kB to 1.5 MB (the fuzzed gateway takes 1 MB): long strings, many messages, long numbers. */
export function hugeValues(credentials: Credentials): fc.Arbitrary<HostileRequest> {
  const size = fc.integer({ min: 100_000, max: 1_500_000 });
  const body = fc.oneof(
    fc
      .tuple(fc.constantFrom(...models), size, fc.constantFrom('x', 'é', '😀', '\\u0000'))
      .map(
        ([model, bytes, unit]) =>
          `{"model":"${model}","messages":[{"role":"user","content":"${unit.repeat(Math.floor(bytes / unit.length / 2))}"}]}`,
      ),
    size.map((bytes) =>
      JSON.stringify({
        model: 'chat',
        messages: Array.from({ length: Math.floor(bytes / 40) }, () => ({ role: 'user', content: 'hi' })),
      }),
    ),
    size.map((bytes) => `{"model":"chat","temperature":${'9'.repeat(bytes)},"messages":[]}`),
    size.map(
      (bytes) =>
        `{"model":"chat","messages":[{"role":"user","content":"x"}],"metadata":{${Array.from(
          { length: Math.floor(bytes / 12) },
          (_, index) => `"k${index}":1`,
        ).join(',')}}}`,
    ),
  );
  return fc
    .tuple(fc.constantFrom(...inference), caller(credentials), body)
    .map(([route, auth, text]) => request(route, { ...auth, 'content-type': json }, text));
}

/** Arrays and objects nested up to 30 000 deep, at the top, in a message, in tools, in metadata. */
export function deepNesting(credentials: Credentials): fc.Arbitrary<HostileRequest> {
  const nested = fc
    .tuple(fc.integer({ min: 10, max: 30_000 }), fc.boolean())
    .map(([depth, arrays]) =>
      arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
    );
  const body = fc
    .tuple(nested, fc.constantFrom('top', 'content', 'tools', 'metadata'))
    .map(([value, where]) => {
      const message = '{"role":"user","content":"hi"}';
      switch (where) {
        case 'top':
          return value;
        case 'content':
          return `{"model":"chat","messages":[{"role":"user","content":${value}}]}`;
        case 'tools':
          return `{"model":"chat","messages":[${message}],"tools":[{"type":"function","function":{"name":"f","parameters":${value}}}]}`;
        default:
          return `{"model":"chat","messages":[${message}],"metadata":${value}}`;
      }
    });
  return fc
    .tuple(fc.constantFrom(...inference), caller(credentials), body)
    .map(([route, auth, text]) => request(route, { ...auth, 'content-type': json }, text));
}

/** Deep enough to overflow a recursive walk of the body (JSON.stringify), in a message of a valid request. */
export function deepNestingExamples(credentials: Credentials): HostileRequest[] {
  const depth = 20_000;
  return [
    request(
      ['POST', '/v1/chat/completions'],
      { authorization: `Bearer ${credentials.virtualKey}`, 'content-type': json },
      `{"model":"chat","messages":[{"role":"user","content":${'['.repeat(depth)}${']'.repeat(depth)}}]}`,
    ),
  ];
}

/** Unicode where names and text go, and bytes that are not UTF-8 at all. */
export function unicodeValues(credentials: Credentials): fc.Arbitrary<HostileRequest> {
  const asText = fc
    .record({ model: fc.oneof(fc.constantFrom(...models), nastyText), role: nastyText, content: nastyText })
    .map(({ model, role, content }) =>
      JSON.stringify({
        model,
        messages: [
          { role: 'user', content },
          { role, content },
        ],
      }),
    );
  const notUtf8 = fc
    .uint8Array({ minLength: 1, maxLength: 64 })
    .map((bytes) =>
      Buffer.concat([
        Buffer.from('{"model":"chat","messages":[{"role":"user","content":"'),
        Buffer.from(bytes.map((byte) => (byte === 0x22 || byte === 0x5c ? 0xff : byte))),
        Buffer.from('"}]}'),
      ]),
    );
  return fc
    .tuple(fc.constantFrom(...inference), caller(credentials), fc.oneof(asText, notUtf8))
    .map(([route, auth, body]) => request(route, { ...auth, 'content-type': json }, body));
}

/** Valid bodies sent as something else, and other bodies sent as JSON. */
export function wrongContentTypes(credentials: Credentials): fc.Arbitrary<HostileRequest> {
  const contentType = fc.oneof(
    fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'application/json, text/plain',
      'APPLICATION/JSON',
      'application/vnd.api+json',
      'application/octet-stream',
      'application/json;;;',
      '*/*',
      '',
    ),
    headerText(60),
  );
  const body = fc.oneof(
    validChat.map((value) => JSON.stringify(value)),
    fc.constantFrom(
      'model=chat&messages=hi',
      '<xml/>',
      '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
    ),
  );
  return fc
    .tuple(fc.constantFrom(...routes), caller(credentials), fc.option(contentType, { nil: undefined }), body)
    .map(([route, auth, type, text]) =>
      request(route, { ...auth, ...(type === undefined ? {} : { 'content-type': type }) }, text),
    );
}

/** Missing, broken, near-miss and oversized credentials, in every header a client might put them in. */
export function badAuth(credentials: Credentials): fc.Arbitrary<HostileRequest> {
  const { masterKey, virtualKey } = credentials;
  const junk = headerText(80);
  const auth = fc.oneof(
    fc.constant({}),
    fc.constant({ authorization: `Bearer ${masterKey}` }),
    fc.constant({ authorization: `Bearer ${virtualKey}` }),
    junk.map((tail) => ({ authorization: `Bearer ${masterKey}${tail}` })),
    junk.map((head) => ({ authorization: `Bearer ${head}${virtualKey.slice(0, -1)}` })),
    junk.map((value) => ({ authorization: value })),
    junk.map((value) => ({
      authorization: `Basic ${Buffer.from(`${value}:${masterKey}x`).toString('base64')}`,
    })),
    fc.constantFrom({ authorization: 'Bearer' }, { authorization: 'Bearer ' }, { authorization: 'bearer  ' }),
    fc
      .integer({ min: 100, max: 7000 })
      .map((length) => ({ authorization: `Bearer sk-${'a'.repeat(length)}` })),
    junk.map((value) => ({ 'x-api-key': value })),
    fc.constant({ 'x-api-key': `${masterKey} ` }),
    fc.constant({ 'api-key': virtualKey.toUpperCase() }),
  );
  const extra = fc.record(
    {
      'x-request-id': headerText(200),
      accept: headerText(40),
      'cache-control': fc.oneof(
        fc.constantFrom('no-cache', 'max-age=-1', 'max-age=1e99', 'no-store'),
        headerText(30),
      ),
      'content-encoding': fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'junk'),
      'x-forwarded-for': headerText(60),
      'user-agent': headerText(120),
    },
    { requiredKeys: [] },
  );
  return fc
    .tuple(fc.constantFrom(...routes), auth, extra, validChat)
    .map(([route, credentialsHeader, headers, body]) =>
      request(route, { ...headers, ...credentialsHeader, 'content-type': json }, JSON.stringify(body)),
    );
}

/** Any method on any route with junk appended, and query strings with broken encodings and absurd values. */
export function oddPathsAndQueries(credentials: Credentials): fc.Arbitrary<HostileRequest> {
  const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD');
  const suffix = fc.oneof(
    fc.constant(''),
    fc.constantFrom(
      '/',
      '//',
      '/..',
      '/%2e%2e/%2e%2e',
      '%00',
      '%',
      '%zz',
      '%ff%fe',
      '/%E0%A4%A',
      ';x',
      '.json',
    ),
    fc.webSegment().map((segment) => `/${segment}`),
  );
  const query = fc.oneof(
    fc.constant(''),
    fc.constantFrom(
      '?key=',
      '?key=%',
      '?page=-1&size=1e9',
      '?page=NaN&size=0',
      '?start_date=9999-99-99&end_date=0',
      '?api_key[]=a&api_key[]=b',
      '?__proto__[x]=1',
      '?model=%00',
      `?page_size=${'9'.repeat(400)}`,
    ),
    fc.webQueryParameters().map((text) => `?${text}`),
    fc
      .dictionary(
        fc.constantFrom('key', 'page', 'size', 'page_size', 'model', 'api_key', 'start_date'),
        headerText(30),
      )
      .map((params) => `?${new URLSearchParams(params).toString()}`),
  );
  return fc
    .tuple(fc.constantFrom(...routes), caller(credentials), method, suffix, query, fc.boolean())
    .map(([[, path], auth, verb, tail, search, withBody]) =>
      request(
        [verb, `${path}${tail}${search}`],
        { ...auth, 'content-type': json },
        withBody ? '{"model":"chat","messages":[{"role":"user","content":"hi"}]}' : undefined,
      ),
    );
}
