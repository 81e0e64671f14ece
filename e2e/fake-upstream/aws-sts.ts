import type { ServerResponse } from 'node:http';
import type { AwsKey } from './bedrock.ts';
import type { Protocol } from './server.ts';

export interface StsOptions {
  /** The OIDC token (EKS's projected service account token) the role trusts. */
  readonly webIdentityToken: string;
  readonly roleArn: string;
  /** Issued keys are added here, so a Bedrock fake sharing the map accepts them. */
  readonly keys: Map<string, AwsKey>;
  readonly durationS?: number;
}

function sendXml(response: ServerResponse, status: number, xml: string): void {
  response
    .writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) })
    .end(xml);
}

function stsError(response: ServerResponse, status: number, code: string, message: string): void {
  sendXml(
    response,
    status,
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fake-sts</RequestId></ErrorResponse>`,
  );
}

/** AWS STS `AssumeRoleWithWebIdentity` (query protocol, XML answers), as IRSA pods call it. */
export function stsProtocol(options: StsOptions): { protocol: Protocol; issued: string[] } {
  const issued: string[] = [];
  const protocol: Protocol = {
    matches: (method, path) => method === 'POST' && path === '/',
    answer: ({ request, response }) => {
      const form = new URLSearchParams(typeof request.body === 'string' ? request.body : '');
      if (form.get('Action') !== 'AssumeRoleWithWebIdentity' || form.get('Version') !== '2011-06-15')
        stsError(response, 400, 'InvalidAction', 'Could not find operation.');
      else if (form.get('WebIdentityToken') !== options.webIdentityToken)
        stsError(
          response,
          400,
          'InvalidIdentityToken',
          'Couldn&apos;t retrieve verification key from your identity provider.',
        );
      else if (form.get('RoleArn') !== options.roleArn || (form.get('RoleSessionName') ?? '') === '')
        stsError(response, 403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
      else {
        const n = String(issued.length + 1).padStart(4, '0');
        const key = {
          id: `ASIAFAKE${n}`,
          secret: `fake-sts-secret-${n}`,
          session: `fake-session-token-${n}`,
        };
        options.keys.set(key.id, { secretAccessKey: key.secret, sessionToken: key.session });
        issued.push(key.id);
        const expiration = new Date(Date.now() + (options.durationS ?? 3600) * 1000).toISOString();
        sendXml(
          response,
          200,
          `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>` +
            `<Credentials><AccessKeyId>${key.id}</AccessKeyId><SecretAccessKey>${key.secret}</SecretAccessKey>` +
            `<SessionToken>${key.session}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
            `<AssumedRoleUser><Arn>${options.roleArn}/${form.get('RoleSessionName') ?? ''}</Arn></AssumedRoleUser>` +
            `</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>fake-sts</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`,
        );
      }
      return Promise.resolve();
    },
    sendError: (response, status, message) => {
      stsError(response, status, 'InternalFailure', message);
    },
  };
  return { protocol, issued };
}
