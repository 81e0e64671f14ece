/** A failed request to the apiserver, with what is safe to log: the code and the Status reason/message. */
export class KubeApiError extends Error {
  readonly statusCode: number;
  readonly reason: string | undefined;

  constructor(statusCode: number, reason: string | undefined, message: string) {
    super(message);
    this.name = 'KubeApiError';
    this.statusCode = statusCode;
    this.reason = reason;
  }
}

/** The HTTP status of any error thrown at a request: ours, client-node's (its Watch, ApiException). */
export function statusCodeOf(error: unknown): number | undefined {
  if (error instanceof KubeApiError) return error.statusCode;
  if (typeof error === 'object' && error !== null) {
    const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
    if (typeof statusCode === 'number') return statusCode;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

export const isNotFound = (error: unknown): boolean => statusCodeOf(error) === 404;
export const isConflict = (error: unknown): boolean => statusCodeOf(error) === 409;
export const isAlreadyExists = isConflict;

/**
 * One line for logs, events and status. ApiException's own message embeds the whole response body
 * and headers; only the Status reason and message are kept here (the apiserver does not echo
 * Secret data in them), and the line is bounded.
 */
export function describeKubeError(error: unknown): string {
  if (error instanceof KubeApiError) return truncate(`${error.statusCode} ${error.message}`);
  if (isApiException(error)) {
    const status = parseStatus(error.body);
    const detail = status?.message ?? status?.reason ?? 'request failed';
    return truncate(`${error.code} ${detail}`);
  }
  if (error instanceof Error) return truncate(error.message);
  return truncate(String(error));
}

/**
 * client-node's ApiException (a numeric code and the response body), told by its shape: importing the
 * class would load client-node's whole generated API (kube-connection.ts).
 */
function isApiException(error: unknown): error is Error & { code: number; body: unknown } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number' && 'body' in error;
}

/** Turns a non-2xx response body (a metav1.Status, usually) into a KubeApiError. */
export function kubeApiError(statusCode: number, body: unknown): KubeApiError {
  const status = parseStatus(body);
  return new KubeApiError(statusCode, status?.reason, status?.message ?? `HTTP ${statusCode}`);
}

function parseStatus(body: unknown): { message?: string; reason?: string } | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { message, reason } = value as { message?: unknown; reason?: unknown };
  return {
    ...(typeof message === 'string' ? { message } : {}),
    ...(typeof reason === 'string' ? { reason } : {}),
  };
}

function truncate(text: string, max = 1_000): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
