// The command-line tools kind mode drives (docker, kind, kubectl, helm), found on PATH, with an error that
// says how to get one when it is missing.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export type Tool = 'docker' | 'kind' | 'kubectl' | 'helm';

const howToInstall: Record<Tool, string> = {
  docker: 'https://docs.docker.com/engine/install/',
  kind: 'https://kind.sigs.k8s.io/docs/user/quick-start/#installation (e2e/kind/run.sh pins the release)',
  kubectl: 'https://kubernetes.io/docs/tasks/tools/, or put the bin dir e2e/cluster/build.sh prints on PATH',
  helm: 'https://helm.sh/docs/intro/install/, or put the bin dir e2e/cluster/build.sh prints on PATH',
};

/** The first `name` on PATH that is executable; throws naming the tool and how to install it. */
export function requireTool(name: Tool, path: string = process.env.PATH ?? ''): string {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(`kind mode needs ${name}, and there is none on PATH (install: ${howToInstall[name]})`);
}

/** Runs a tool to completion; resolves to stdout, rejects with its stderr. */
export function runTool(file: string, args: readonly string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, [...args], { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error)
        reject(
          new Error(`${file} ${args.join(' ')} failed: ${stderr.trim() || error.message}`, { cause: error }),
        );
      else resolve(stdout);
    });
    // A tool that exits without reading its input (an error, a shim) must not crash us with EPIPE: its
    // exit status and stderr say what happened.
    child.stdin?.on('error', () => undefined);
    if (stdin === undefined) child.stdin?.end();
    else child.stdin?.end(stdin);
  });
}
