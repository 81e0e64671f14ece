import type { V1CustomResourceColumnDefinition, V1CustomResourceDefinition } from '@kubernetes/client-node';
import type { Plain } from '../render/kube-object.ts';
import type { z } from 'zod';
import { category, group, version } from './group.ts';
import { llmGatewaySpec, llmGatewayStatus } from './llm-gateway.ts';
import { modelDeploymentSpec, modelDeploymentStatus } from './model-deployment.ts';
import { toStructural, type SchemaNode } from './structural.ts';
import { virtualKeySpec, virtualKeyStatus } from './virtual-key.ts';

interface KindDefinition {
  readonly kind: string;
  readonly plural: string;
  readonly shortName: string;
  readonly description: string;
  readonly spec: z.ZodType;
  readonly status: z.ZodType;
  readonly columns: readonly Plain<V1CustomResourceColumnDefinition>[];
  /** Rules on the whole object, where metadata.name is visible to CEL. */
  readonly rootRules?: readonly { rule: string; message: string }[];
}

const condition = (type: string, field: 'status' | 'reason' | 'message') =>
  `.status.conditions[?(@.type=="${type}")].${field}`;
const ready = { name: 'Ready', type: 'string', jsonPath: condition('Ready', 'status') };
const reason = { name: 'Reason', type: 'string', jsonPath: condition('Ready', 'reason'), priority: 1 };
const age = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const gatewayColumn = { name: 'Gateway', type: 'string', jsonPath: '.spec.gatewayRef.name' };

export const kinds: readonly KindDefinition[] = [
  {
    kind: 'LLMGateway',
    plural: 'llmgateways',
    shortName: 'llmgw',
    description:
      'LLMGateway runs an OpenAI-compatible gateway: its Deployment, Service, autoscaling, disruption budget, ' +
      'config rendered from the ModelDeployments that reference it, and database migrations.',
    spec: llmGatewaySpec,
    status: llmGatewayStatus,
    columns: [
      ready,
      { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas' },
      { name: 'Available', type: 'integer', jsonPath: '.status.readyReplicas' },
      { name: 'Models', type: 'integer', jsonPath: '.status.modelCount' },
      age,
      { name: 'Image', type: 'string', jsonPath: '.status.image', priority: 1 },
      { name: 'Endpoint', type: 'string', jsonPath: '.status.endpoint', priority: 1 },
      { name: 'Pool', type: 'integer', jsonPath: '.status.databasePoolLimit', priority: 1 },
      reason,
    ],
    rootRules: [
      {
        // Children are named after the gateway (Service names are DNS-1035 labels; suffixes need room).
        rule: "self.metadata.name.size() <= 48 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
        message: 'name must be a DNS-1035 label of at most 48 characters',
      },
    ],
  },
  {
    kind: 'ModelDeployment',
    plural: 'modeldeployments',
    shortName: 'mdep',
    description:
      'ModelDeployment adds one upstream deployment of a model to a gateway: a model_list entry of its config.',
    spec: modelDeploymentSpec,
    status: modelDeploymentStatus,
    columns: [
      gatewayColumn,
      { name: 'Model', type: 'string', jsonPath: '.spec.modelName' },
      { name: 'Provider', type: 'string', jsonPath: '.spec.provider' },
      ready,
      age,
      { name: 'Upstream', type: 'string', jsonPath: '.spec.model', priority: 1 },
      { name: 'Weight', type: 'integer', jsonPath: '.spec.weight', priority: 1 },
      reason,
    ],
  },
  {
    kind: 'VirtualKey',
    plural: 'virtualkeys',
    shortName: 'vkey',
    description:
      'VirtualKey issues an API key for a gateway with its models, budget and limits, and writes it to a ' +
      'Secret ready for envFrom. Deleting it revokes the key.',
    spec: virtualKeySpec,
    status: virtualKeyStatus,
    columns: [
      gatewayColumn,
      { name: 'Secret', type: 'string', jsonPath: '.status.secretName' },
      ready,
      { name: 'Expires', type: 'string', jsonPath: '.spec.expires' },
      age,
      { name: 'Alias', type: 'string', jsonPath: '.spec.keyAlias', priority: 1 },
      { name: 'Budget', type: 'string', jsonPath: '.spec.maxBudget', priority: 1 },
      { name: 'Key ID', type: 'string', jsonPath: '.status.keyId', priority: 1 },
      reason,
    ],
  },
];

export function crdFor(definition: KindDefinition): Plain<V1CustomResourceDefinition> {
  const { kind, plural } = definition;
  const openAPIV3Schema: SchemaNode = {
    description: definition.description,
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: { description: 'APIVersion of this object.', type: 'string' },
      kind: { description: 'Kind of this object.', type: 'string' },
      metadata: { type: 'object' },
      spec: toStructural(definition.spec),
      status: toStructural(definition.status),
    },
    ...(definition.rootRules === undefined ? {} : { 'x-kubernetes-validations': definition.rootRules }),
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${plural}.${group}`,
      labels: { 'app.kubernetes.io/name': 'switchyard-operator', 'app.kubernetes.io/part-of': 'switchyard' },
    },
    spec: {
      group,
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular: kind.toLowerCase(),
        shortNames: [definition.shortName],
        categories: [category],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [...definition.columns],
          schema: { openAPIV3Schema },
        },
      ],
    },
  };
}

/** File name under crds/ (kubebuilder's `<group>_<plural>.yaml`). */
export function crdFileName(definition: KindDefinition): string {
  return `${group}_${definition.plural}.yaml`;
}
