import { describe, expect, it } from 'vitest';
import { parseYaml } from './yaml.ts';

describe('YAML as PyYAML reads it', () => {
  it.each([
    ['20_000', 20_000],
    ['1_000.5', 1000.5],
    ['yes', true],
    ['On', true],
    ['off', false],
    ['NO', false],
    ['y', 'y'],
    ['n', 'n'],
    ['1e3', '1e3'],
    ['0x1F', 31],
    ['"yes"', 'yes'],
    ['~', null],
  ])('%s', (source, expected) => {
    expect(parseYaml(`value: ${source}`)).toEqual({ value: expected });
  });
});
