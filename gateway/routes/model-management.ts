import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Authenticator } from '../auth/authenticator.ts';
import { isCredentialKey } from '../config/references.ts';
import { modelEntrySchema } from '../config/schema.ts';
import { reasonOf } from '../db/health.ts';
import { SecretKeyError } from '../db/secret-box.ts';
import type { StoredModels } from '../db/stored-models.ts';
import { GatewayError } from '../errors.ts';
import type { Router } from '../router/router.ts';
import { authenticate } from './authenticate.ts';
import { requireMaster } from './keys.ts';
import { validate } from './openai.ts';

/**
 * LiteLLM's model management: `POST /model/new` stores a model with its credentials encrypted, `GET
 * /model/info` lists the config's models and the stored ones (never a credential), `POST /model/delete` removes
 * a stored one. Stored models are served beside the config file's (gateway/config/served-models.ts): this pod
 * serves the change before answering, other pods once they poll.
 */
export function modelManagementRoutes(
  app: FastifyInstance,
  options: { models: StoredModels; router: () => Router; authenticator: () => Authenticator },
): void {
  const { models } = options;
  const served = app.servedModels;
  const secretsError = (error: unknown): unknown =>
    error instanceof SecretKeyError ? new GatewayError('secrets_unavailable', error.message) : error;
  /** The change is stored: serve it here before answering; should the read fail, the next poll serves it. */
  const servedNow = async (log: FastifyBaseLogger) => {
    try {
      await served.refresh();
    } catch (error) {
      log.warn({ reason: reasonOf(error) }, 'model change stored; this pod serves it at its next poll');
    }
  };

  app.post('/model/new', async (request) => {
    await authenticate(request, options.authenticator());
    requireMaster(request);
    const entry = validate(modelEntrySchema, request.body);
    const unservable = served.check(entry);
    if (unservable !== undefined)
      throw new GatewayError('invalid_request', unservable.message, { param: unservable.param });
    try {
      const stored = await models.add(entry);
      if (stored === undefined) {
        const taken = `a stored model already has id "${entry.model_info?.id ?? ''}"`;
        throw new GatewayError('invalid_request', taken, { param: 'model_info.id' });
      }
      await servedNow(request.log);
      return {
        model_id: stored.id,
        model_name: stored.modelName,
        litellm_params: stored.litellmParams,
        model_info: stored.modelInfo,
        credentials: stored.credentialNames,
      };
    } catch (error) {
      throw secretsError(error);
    }
  });

  app.get('/model/info', async (request) => {
    await authenticate(request, options.authenticator());
    const router = options.router();
    const fromConfig = router
      .modelGroups()
      .flatMap((group) =>
        router.deploymentsOf(group).map((deployment) => ({
          model_name: deployment.modelName,
          litellm_params: withoutCredentials(deployment.params),
          model_info: { ...deployment.modelInfo, id: deployment.id, db_model: false },
        })),
      )
      .filter((entry) => !served.isStored(entry.model_info.id));
    let stored;
    try {
      stored = await models.list();
    } catch (error) {
      throw secretsError(error);
    }
    const fromDatabase = stored.map((model) => ({
      model_name: model.modelName,
      litellm_params: model.litellmParams,
      model_info: { ...model.modelInfo, id: model.id, db_model: true },
    }));
    return { data: [...fromConfig, ...fromDatabase] };
  });

  app.post('/model/delete', async (request) => {
    await authenticate(request, options.authenticator());
    requireMaster(request);
    const { id } = validate(z.looseObject({ id: z.string().min(1) }), request.body);
    if (!(await models.delete(id)))
      throw new GatewayError('invalid_request', `no stored model with id "${id}"`, { param: 'id' });
    await servedNow(request.log);
    return { message: `model ${id} deleted` };
  });
}

function withoutCredentials(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([name]) => !isCredentialKey(name)));
}
