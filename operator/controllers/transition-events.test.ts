import { describe, expect, it } from 'vitest';
import type { Condition } from '../kube/conditions.ts';
import { transitionEvents } from './transition-events.ts';

const at = '2026-12-01T10:00:00Z';
const c = (type: string, status: 'True' | 'False', reason: string, message = ''): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: at,
});

describe('transitionEvents', () => {
  it('tells nothing when nothing changed', () => {
    const conditions = [c('Ready', 'True', 'Available'), c('Degraded', 'False', 'AsExpected')];
    expect(transitionEvents(conditions, conditions)).toEqual([]);
  });

  it('tells a new object only what is wrong, not what is on its way', () => {
    expect(
      transitionEvents(undefined, [
        c('Ready', 'False', 'Migrating'),
        c('DatabaseMigrated', 'False', 'Migrating'),
        c('ResolvedRefs', 'False', 'SecretNotFound', 'Secret x key y not found'),
        c('Degraded', 'False', 'AsExpected'),
      ]),
    ).toEqual([
      { type: 'Warning', reason: 'SecretNotFound', note: 'ResolvedRefs False: Secret x key y not found' },
    ]);
  });

  it('tells turns, Warning into a bad state and Normal out of it; Progressing is never told', () => {
    const events = transitionEvents(
      [
        c('Ready', 'False', 'RollingOut'),
        c('Degraded', 'False', 'AsExpected'),
        c('Progressing', 'True', 'RollingOut'),
      ],
      [
        c('Ready', 'True', 'Available', '2 of 2 pods available'),
        c('Degraded', 'True', 'MigrationFailed', 'Job j failed'),
        c('Progressing', 'False', 'RolloutComplete'),
      ],
    );
    expect(events).toEqual([
      { type: 'Normal', reason: 'Available', note: 'Ready True: 2 of 2 pods available' },
      { type: 'Warning', reason: 'MigrationFailed', note: 'Degraded True: Job j failed' },
    ]);
  });

  it('tells a bad condition whose reason moved (Migrating to MigrationFailed)', () => {
    expect(
      transitionEvents(
        [c('DatabaseMigrated', 'False', 'Migrating')],
        [c('DatabaseMigrated', 'False', 'MigrationFailed', 'Job j failed')],
      ),
    ).toEqual([{ type: 'Warning', reason: 'MigrationFailed', note: 'DatabaseMigrated False: Job j failed' }]);
  });
});
