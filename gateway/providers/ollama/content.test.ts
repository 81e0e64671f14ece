import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors.ts';
import { base64Image, splitContent } from './content.ts';

describe('splitContent', () => {
  it('keeps a string, and reads missing content as empty', () => {
    expect(splitContent('Hello', 'messages.0')).toEqual({ text: 'Hello', images: [] });
    expect(splitContent(null, 'messages.0')).toEqual({ text: '', images: [] });
  });

  it('joins text parts and moves images beside the text', () => {
    expect(
      splitContent(
        [
          { type: 'text', text: 'What is ' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'text', text: 'in this picture?' },
          { type: 'image_url', image_url: 'R0lGODlh' },
        ],
        'messages.0',
      ),
    ).toEqual({ text: 'What is in this picture?', images: ['iVBORw0KGgo=', 'R0lGODlh'] });
  });

  it('refuses parts Ollama cannot take', () => {
    const audio = [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }];
    expect(() => splitContent(audio, 'messages.2')).toThrow(/messages\.2\.content\.0: .*"input_audio"/);
    expect(() => splitContent(42, 'messages.2')).toThrow(GatewayError);
  });
});

describe('base64Image', () => {
  it.each([
    ['data:image/jpeg;base64,/9j/4AAQ', '/9j/4AAQ'],
    ['data:image/png;charset=utf-8;base64,iVBOR', 'iVBOR'],
    ['iVBORw0KGgo=', 'iVBORw0KGgo='],
  ])('%s becomes %s', (url, base64) => {
    expect(base64Image({ url }, 'messages.0.content.1')).toBe(base64);
  });

  it('does not fetch links, and refuses data: URLs that are not base64', () => {
    expect(() => base64Image({ url: 'https://example.com/cat.png' }, 'p')).toThrow(/not fetched/);
    expect(() => base64Image({ url: 'data:image/svg+xml,<svg/>' }, 'p')).toThrow(/base64/);
    expect(() => base64Image({}, 'p')).toThrow(/missing/);
  });
});
