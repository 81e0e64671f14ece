import { defineScalarTag, load, NOT_RESOLVED, YAML11_SCHEMA } from 'js-yaml';

const trueWords = ['yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const falseWords = ['no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];

/** PyYAML's booleans: YAML 1.1's words, but not `y`/`n`, which PyYAML (and so LiteLLM) reads as strings. */
const pyyamlBool = defineScalarTag('tag:yaml.org,2002:bool', {
  implicit: true,
  implicitFirstChars: ['y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O'],
  resolve: (source) =>
    trueWords.includes(source) ? true : falseWords.includes(source) ? false : NOT_RESOLVED,
  identify: (value) => typeof value === 'boolean',
});

const pyyamlSchema = YAML11_SCHEMA.withTags(pyyamlBool);

/**
 * LiteLLM reads its config with PyYAML (YAML 1.1): `20_000` is a number, `yes`/`on` are booleans.
 * Read the file the same way so a LiteLLM user's file means what it meant there.
 */
export function parseYaml(text: string): unknown {
  return load(text, { schema: pyyamlSchema });
}
