/** Every error a client can see, as a table: stable code, OpenAI error type, HTTP status. */
export const errorTable = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  malformed_json: { status: 400, type: 'invalid_request_error' },
  model_not_found: { status: 400, type: 'invalid_request_error' },
  unsupported_operation: { status: 400, type: 'invalid_request_error' },
  invalid_api_key: { status: 401, type: 'authentication_error' },
  // Virtual keys: each refusal its own code, so clients and dashboards can tell them apart.
  budget_exceeded: { status: 400, type: 'budget_exceeded' },
  key_expired: { status: 401, type: 'authentication_error' },
  key_blocked: { status: 403, type: 'permission_error' },
  model_not_allowed: { status: 403, type: 'permission_error' },
  master_key_required: { status: 403, type: 'permission_error' },
  key_not_found: { status: 404, type: 'invalid_request_error' },
  key_read_only: { status: 409, type: 'invalid_request_error' },
  rpm_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  tpm_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  parallel_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  database_unavailable: { status: 503, type: 'api_error' },
  secrets_unavailable: { status: 500, type: 'api_error' },
  route_not_found: { status: 404, type: 'invalid_request_error' },
  body_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  internal_error: { status: 500, type: 'api_error' },
  upstream_error: { status: 502, type: 'api_error' },
  no_deployment_available: { status: 503, type: 'api_error' },
  shutting_down: { status: 503, type: 'api_error' },
  upstream_timeout: { status: 504, type: 'timeout_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof errorTable;

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error meant for the client. `status`/`type` come from the table unless an upstream's own 4xx is passed through. */
export class GatewayError extends Error {
  /** Ours from the table, or an upstream's own code when its 4xx is passed through. */
  readonly code: string;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      param?: string | null;
      status?: number;
      type?: string;
      upstreamCode?: string;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = 'GatewayError';
    this.code = options.upstreamCode ?? code;
    this.status = options.status ?? errorTable[code].status;
    this.type = options.type ?? errorTable[code].type;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

const secretLike = /\b(sk|pk|key|rk)-[A-Za-z0-9_-]{6,}/g;

/** Upstream messages can echo credentials ("Incorrect API key provided: sk-..."); never pass one on. */
export function scrubSecrets(text: string): string {
  return text.replace(secretLike, (match) => `${match.slice(0, match.indexOf('-') + 1)}***`);
}
