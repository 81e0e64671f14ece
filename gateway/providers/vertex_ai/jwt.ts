import { createSign } from 'node:crypto';

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** A compact JWT signed with RS256 (RSASSA-PKCS1-v1_5 with SHA-256), as Google's OAuth token endpoint takes it. */
export function signJwtRs256(
  claims: Readonly<Record<string, unknown>>,
  privateKeyPem: string,
  keyId?: string,
): string {
  const header = { alg: 'RS256', typ: 'JWT', ...(keyId === undefined ? {} : { kid: keyId }) };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(privateKeyPem);
  return `${input}.${base64url(signature)}`;
}
