import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Authenticator } from '../auth/authenticator.ts';
import { hashOfKeyOrHash } from '../auth/key-hash.ts';
import type { Database } from '../db/database.ts';
import { GatewayError } from '../errors.ts';
import { readSpendLogs } from '../spend/spend-logs.ts';
import { authenticate } from './authenticate.ts';
import { requireMaster } from './keys.ts';
import { validate } from './openai.ts';

/** `2026-01-31` (a whole day, UTC) or a full ISO time. */
const date = z
  .string()
  .refine((text) => !Number.isNaN(Date.parse(text)), 'must be a date such as 2026-01-31');

const spendLogsQuery = z.looseObject({
  api_key: z.string().min(1).optional(),
  start_date: date.optional(),
  end_date: date.optional(),
  model: z.string().min(1).optional(),
  page: z.coerce.number().int().positive().default(1),
  page_size: z.coerce.number().int().positive().max(1000).default(100),
});

const dayOnly = /^\d{4}-\d{2}-\d{2}$/;

/** `GET /spend/logs`: LiteLLM's filters (`api_key`, `start_date`, `end_date`) plus `model`, paged. */
export function spendRoutes(
  app: FastifyInstance,
  options: { database: Database; authenticator: () => Authenticator },
): void {
  app.get('/spend/logs', async (request) => {
    await authenticate(request, options.authenticator());
    requireMaster(request);
    const query = validate(spendLogsQuery, request.query);
    const start = query.start_date === undefined ? undefined : new Date(query.start_date);
    // An end date without a time includes that whole day, as LiteLLM's does.
    const end =
      query.end_date === undefined
        ? undefined
        : new Date(Date.parse(query.end_date) + (dayOnly.test(query.end_date) ? 86_400_000 : 0));
    if (start !== undefined && end !== undefined && end < start)
      throw new GatewayError('invalid_request', 'end_date is before start_date', { param: 'end_date' });
    return readSpendLogs(options.database, {
      keyHash: query.api_key === undefined ? undefined : hashOfKeyOrHash(query.api_key),
      model: query.model,
      start,
      end,
      page: query.page,
      pageSize: query.page_size,
    });
  });
}
