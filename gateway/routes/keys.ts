import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator.ts';
import type { KeyAdmin } from '../auth/key-admin.ts';
import { hashOfKeyOrHash } from '../auth/key-hash.ts';
import type { StoredKey } from '../auth/stored-key.ts';
import { GatewayError } from '../errors.ts';
import { authenticate } from './authenticate.ts';
import {
  deleteKeysSchema,
  generateKeySchema,
  keyOnlySchema,
  listKeysSchema,
  regenerateSchema,
  updateKeySchema,
} from './key-request-schemas.ts';
import { validate } from './openai.ts';

export interface KeyRouteOptions {
  readonly admin: KeyAdmin;
  readonly authenticator: () => Authenticator;
}

/** LiteLLM's key management API, so existing scripts keep working. Master key only (a key may read its own info). */
export function keyRoutes(app: FastifyInstance, options: KeyRouteOptions): void {
  const { admin } = options;
  const asMaster = async (request: FastifyRequest) => {
    await authenticate(request, options.authenticator());
    requireMaster(request);
  };

  app.post('/key/generate', async (request) => {
    await asMaster(request);
    const body = validate(generateKeySchema, request.body);
    const { key, stored } = await admin.generate(body);
    return { key, ...view(stored) };
  });

  app.get('/key/info', async (request) => {
    await authenticate(request, options.authenticator());
    const query = request.query as { key?: string };
    const principal = request.principal;
    const hash = query.key === undefined ? undefined : hashOfKeyOrHash(query.key);
    if (principal?.kind === 'virtual') {
      if (hash !== undefined && hash !== principal.policy.key.hash)
        throw new GatewayError('master_key_required', 'a virtual key may read only its own info');
      return {
        key: query.key ?? principal.policy.key.hash,
        info: view(await admin.info(principal.policy.key.hash)),
      };
    }
    if (query.key === undefined || hash === undefined)
      throw new GatewayError('invalid_request', 'give the key: /key/info?key=sk-...', { param: 'key' });
    return { key: query.key, info: view(await admin.info(hash)) };
  });

  app.post('/key/update', async (request) => {
    await asMaster(request);
    const { key, ...fields } = validate(updateKeySchema, request.body);
    return { key, ...view(await admin.update(hashOfKeyOrHash(key), fields)) };
  });

  app.post('/key/delete', async (request) => {
    await asMaster(request);
    const body = validate(deleteKeysSchema, request.body);
    const deleted = await admin.delete({
      hashes: (body.keys ?? []).map(hashOfKeyOrHash),
      aliases: body.key_aliases ?? [],
    });
    return { deleted_keys: deleted };
  });

  const regenerate = async (request: FastifyRequest, key: string | undefined) => {
    await asMaster(request);
    const body = validate(regenerateSchema, request.body ?? {});
    const target = key ?? body.key;
    if (target === undefined)
      throw new GatewayError('invalid_request', 'give the key to regenerate', { param: 'key' });
    const { key: newKey, stored } = await admin.regenerate(hashOfKeyOrHash(target), {
      gracePeriod: body.grace_period,
      newKey: body.new_key,
    });
    return { key: newKey, ...view(stored) };
  };
  app.post('/key/:key/regenerate', (request) => regenerate(request, (request.params as { key: string }).key));
  app.post('/key/regenerate', (request) => regenerate(request, undefined));

  app.get('/key/list', async (request) => {
    await asMaster(request);
    const query = validate(listKeysSchema, request.query);
    const { keys, total } = await admin.list(query.page, query.size);
    return {
      keys: query.return_full_object === 'true' ? keys.map(view) : keys.map((key) => key.hash),
      total_count: total,
      current_page: query.page,
      total_pages: Math.ceil(total / query.size),
    };
  });

  for (const [path, blocked] of [
    ['/key/block', true],
    ['/key/unblock', false],
  ] as const) {
    app.post(path, async (request) => {
      await asMaster(request);
      const { key } = validate(keyOnlySchema, request.body);
      return { key, ...view(await admin.setBlocked(hashOfKeyOrHash(key), blocked)) };
    });
  }
}

export function requireMaster(request: FastifyRequest): void {
  const kind = request.principal?.kind;
  if (kind !== 'master' && kind !== 'anonymous')
    throw new GatewayError('master_key_required', 'this endpoint needs the master key');
}

/** A key as the API shows it: LiteLLM's field names; `token` is the hash, never the key. */
export function view(key: StoredKey): Record<string, unknown> {
  return {
    token: key.hash,
    key_name: key.keyName,
    key_alias: key.alias,
    source: key.source.kind === 'file' ? `file:${key.source.name}` : 'api',
    models: key.models,
    spend: key.spend,
    max_budget: key.maxBudget,
    budget_duration: key.budgetDuration,
    budget_reset_at: key.budgetResetAt?.toISOString() ?? null,
    rpm_limit: key.rpmLimit,
    tpm_limit: key.tpmLimit,
    max_parallel_requests: key.maxParallelRequests,
    expires: key.expires?.toISOString() ?? null,
    metadata: key.metadata,
    blocked: key.blocked,
    created_at: key.createdAt?.toISOString() ?? null,
  };
}
