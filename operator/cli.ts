#!/usr/bin/env node
import { ManifestError } from './cli/read-manifests.ts';
import { renderUsage, runRender } from './cli/render-command.ts';
import { runCommand } from './run/run-command.ts';

const usage = `usage:
  switchyard-operator [run]       reconcile LLMGateways, ModelDeployments and VirtualKeys
  switchyard-operator render ...  print the objects the operator would apply, offline

${renderUsage}`;

function main(argv: readonly string[]): number | Promise<number> {
  const [command = 'run', ...rest] = argv;
  switch (command) {
    case 'render':
      return runRender(rest);
    case 'run':
      return runCommand(rest);
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
  const code = main(process.argv.slice(2));
  if (typeof code === 'number') process.exitCode = code;
  // A stopped operator may still hold sockets (a watch being torn down): its exit code is final.
  else void code.then((exitCode) => process.exit(exitCode));
} catch (error) {
  if (!(error instanceof ManifestError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
