#!/usr/bin/env node
import { ManifestError } from './cli/read-manifests.ts';
import { renderUsage, runRender } from './cli/render-command.ts';

const usage = `usage:
  switchyard-operator [run]       reconcile LLMGateways, ModelDeployments and VirtualKeys (not implemented yet)
  switchyard-operator render ...  print the objects the operator would apply, offline

${renderUsage}`;

function main(argv: readonly string[]): number {
  const [command = 'run', ...rest] = argv;
  switch (command) {
    case 'render':
      return runRender(rest);
    case 'run':
      process.stderr.write('switchyard-operator run: not implemented yet\n');
      return 2;
    case 'help':
    case '--help':
      process.stdout.write(`${usage}\n`);
      return 0;
    default:
      process.stderr.write(`unknown command "${command}"\n${usage}\n`);
      return 2;
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof ManifestError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
