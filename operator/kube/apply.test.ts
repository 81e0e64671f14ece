import { describe, expect, it } from 'vitest';
import { APPLIED_HASH_ANNOTATION, appliedHash, needsApply, statusEqual } from './apply.ts';
import type { DesiredObject } from './apply.ts';
import { kindKey, objectKey, parseKey } from './object-key.ts';
import { controllerReference, isControlledBy } from './owner-references.ts';

const desired: DesiredObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'ns', labels: { a: '1', b: '2' } },
  data: { 'config.yaml': 'x: 1' },
} as DesiredObject;

describe('apply decisions', () => {
  it('hashes independently of key order and of its own annotation', () => {
    const reordered = {
      data: { 'config.yaml': 'x: 1' },
      metadata: {
        labels: { b: '2', a: '1' },
        namespace: 'ns',
        name: 'cfg',
        annotations: { [APPLIED_HASH_ANNOTATION]: 'old' },
      },
      kind: 'ConfigMap',
      apiVersion: 'v1',
    } as DesiredObject;
    expect(appliedHash(reordered)).toBe(appliedHash(desired));
    expect(appliedHash({ ...desired, data: { 'config.yaml': 'x: 2' } } as DesiredObject)).not.toBe(
      appliedHash(desired),
    );
  });

  it('applies when the object is missing or carries another hash, not when it carries this one', () => {
    const hash = appliedHash(desired);
    expect(needsApply(hash, undefined)).toBe(true);
    expect(needsApply(hash, { metadata: { annotations: { [APPLIED_HASH_ANNOTATION]: 'other' } } })).toBe(
      true,
    );
    expect(needsApply(hash, { metadata: {} })).toBe(true);
    expect(needsApply(hash, { metadata: { annotations: { [APPLIED_HASH_ANNOTATION]: hash } } })).toBe(false);
  });

  it('compares status exactly, ignoring key order and undefined members', () => {
    const status = {
      observedGeneration: 2,
      conditions: [{ type: 'Ready', status: 'True' }],
      endpoint: undefined,
    };
    expect(
      statusEqual(status, { conditions: [{ status: 'True', type: 'Ready' }], observedGeneration: 2 }),
    ).toBe(true);
    expect(statusEqual(status, undefined)).toBe(false);
    // A field we stopped setting must go: that needs an apply.
    expect(statusEqual(status, { ...status, endpoint: 'http://x' })).toBe(false);
  });
});

describe('object keys and owner references', () => {
  it('round-trips keys', () => {
    expect(objectKey({ namespace: 'ns', name: 'a' })).toBe('ns/a');
    expect(objectKey({ name: 'a' })).toBe('a');
    expect(parseKey(kindKey('LLMGateway', { namespace: 'ns', name: 'a' }))).toEqual({
      kind: 'LLMGateway',
      namespace: 'ns',
      name: 'a',
    });
    expect(parseKey('a')).toEqual({ name: 'a' });
  });

  it('makes a blocking controller reference', () => {
    const parent = {
      apiVersion: 'switchyard.dev/v1alpha1',
      kind: 'LLMGateway',
      metadata: { name: 'gw', uid: 'u1' },
    };
    const ref = controllerReference(parent);
    expect(ref).toEqual({
      ...parent.metadata,
      apiVersion: parent.apiVersion,
      kind: parent.kind,
      controller: true,
      blockOwnerDeletion: true,
    });
    expect(isControlledBy({ metadata: { ownerReferences: [ref] } }, 'u1')).toBe(true);
    expect(isControlledBy({ metadata: {} }, 'u1')).toBe(false);
    expect(() => controllerReference({ kind: 'LLMGateway', metadata: { name: 'gw' } })).toThrow(/uid/);
  });
});
