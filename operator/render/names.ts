import type { LLMGateway } from '../api/llm-gateway.ts';

/** Names of a gateway's children: derived from the gateway name alone, so they never move. */
export function childNames(gatewayName: string) {
  return {
    deployment: gatewayName,
    service: gatewayName,
    hpa: gatewayName,
    pdb: gatewayName,
    serviceAccount: gatewayName,
    serviceMonitor: gatewayName,
    config: `${gatewayName}-config`,
    credentials: `${gatewayName}-credentials`,
    keys: `${gatewayName}-keys`,
  } as const;
}

/** The in-cluster base URL of the OpenAI-compatible API (what OPENAI_BASE_URL is set to). */
export function endpointOf(gateway: LLMGateway): string {
  const { name, namespace } = gateway.metadata;
  return `http://${childNames(name).service}.${namespace}.svc:${gateway.spec.service.port}/v1`;
}
