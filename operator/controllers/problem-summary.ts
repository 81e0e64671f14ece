import type { Problem } from '../render/problems.ts';

/** One condition's reason and message from several problems: the first reason, every message. */
export function summarize(problems: readonly Problem[]): { reason: string; message: string } {
  const first = problems[0];
  if (first === undefined) return { reason: 'Unknown', message: '' };
  const messages = [...new Set(problems.map((problem) => problem.message))];
  return { reason: first.reason, message: messages.join('; ') };
}
