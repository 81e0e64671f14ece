import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Logger } from 'pino';
import { parseYaml } from '../config/yaml.ts';
import { keysFileSchema, type FileKey } from './keys-file-schema.ts';

/**
 * The operator's keys file, re-read when it changes (a mounted Secret is swapped by symlink, so the file is
 * polled by stat rather than watched by inode). A file that does not parse keeps the keys last read.
 */
export class KeysFile {
  readonly path: string;
  #keys: ReadonlyMap<string, FileKey> = new Map();
  readonly #logger: Logger;
  #onChange: (hashes: readonly string[]) => void = () => undefined;

  constructor(path: string, logger: Logger, pollMs = 1000) {
    this.path = path;
    this.#logger = logger;
    this.reload();
    watchFile(path, { interval: pollMs, persistent: false }, () => {
      this.reload();
    });
  }

  /** Called with the hashes that changed at each reload (the key cache drops them). */
  onChange(listener: (hashes: readonly string[]) => void): void {
    this.#onChange = listener;
  }

  get(hash: string): FileKey | undefined {
    return this.#keys.get(hash);
  }

  all(): readonly FileKey[] {
    return [...this.#keys.values()];
  }

  /** Reads the file again; tells the cache which hashes changed (added, removed or edited). */
  reload(): void {
    let document: unknown;
    try {
      document = parseYaml(readFileSync(this.path, 'utf8')); // JSON or YAML
    } catch (error) {
      this.#logger.error(
        { path: this.path, reason: (error as NodeJS.ErrnoException).code ?? 'not valid YAML or JSON' },
        'keys file unreadable; keeping the keys last read',
      );
      return;
    }
    const parsed = keysFileSchema.safeParse(document);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.#logger.error(
        { path: this.path, at: issue?.path.join('.'), reason: issue?.message },
        'keys file invalid; keeping the keys last read',
      );
      return;
    }
    const next = new Map(parsed.data.keys.map((key) => [key.hash, key]));
    const changed = [...new Set([...this.#keys.keys(), ...next.keys()])].filter(
      (hash) => JSON.stringify(this.#keys.get(hash)) !== JSON.stringify(next.get(hash)),
    );
    this.#keys = next;
    if (changed.length > 0) {
      this.#logger.info({ path: this.path, keys: next.size, changed: changed.length }, 'keys file loaded');
      this.#onChange(changed);
    }
  }

  close(): void {
    unwatchFile(this.path);
  }
}
