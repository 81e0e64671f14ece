import { describe, expect, it } from 'vitest';
import { modelStatus } from './model-status.ts';

const base = {
  name: 'gpt-4o-openai',
  generation: 3,
  gatewayName: 'main',
  modelName: 'gpt-4o',
  gatewayMissingMessage: 'LLMGateway main not found in namespace llm',
  previous: undefined,
  clock: { now: () => Date.parse('2026-12-01T10:00:00Z') },
};
const summary = (status: ReturnType<typeof modelStatus>) =>
  Object.fromEntries(status.conditions.map((c) => [c.type, `${c.status}/${c.reason}`]));

describe('modelStatus', () => {
  it('is Ready when its gateway rendered it without problems', () => {
    const status = modelStatus({ ...base, gatewayProblems: [] });
    expect(summary(status)).toEqual({
      Ready: 'True/Accepted',
      ResolvedRefs: 'True/Resolved',
      ConfigValid: 'True/Valid',
    });
    expect(status.observedGeneration).toBe(3);
  });

  it('says when its gateway is missing', () => {
    const status = modelStatus({ ...base, gatewayProblems: undefined });
    expect(summary(status)).toMatchObject({
      Ready: 'False/GatewayNotFound',
      ResolvedRefs: 'False/GatewayNotFound',
    });
  });

  it("takes only its own problems from the gateway's render", () => {
    const status = modelStatus({
      ...base,
      gatewayProblems: [
        {
          subject: 'ModelDeployment/gpt-4o-openai',
          condition: 'ResolvedRefs',
          reason: 'SecretNotFound',
          message: 'Secret openai key api-key not found',
          severity: 'error',
        },
        {
          subject: 'ModelDeployment/other',
          condition: 'ConfigValid',
          reason: 'InvalidConfig',
          message: 'x',
          severity: 'error',
        },
      ],
    });
    expect(summary(status)).toEqual({
      Ready: 'False/SecretNotFound',
      ResolvedRefs: 'False/SecretNotFound',
      ConfigValid: 'True/Valid',
    });
  });
});
