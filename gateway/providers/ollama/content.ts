import { GatewayError } from '../../errors.ts';
import { asRecord } from '../upstream-call.ts';

/** An OpenAI message's `content` split the way Ollama takes it: one string, and base64 images beside it. */
export interface SplitContent {
  readonly text: string;
  readonly images: readonly string[];
}

/**
 * `content` as a string, or a list of `text` and `image_url` parts. Other part types (audio, files) have no
 * Ollama equivalent and are refused rather than silently lost. `param` names the message in errors.
 */
export function splitContent(content: unknown, param: string): SplitContent {
  if (content === undefined || content === null) return { text: '', images: [] };
  if (typeof content === 'string') return { text: content, images: [] };
  if (!Array.isArray(content)) throw invalid(`${param}.content must be a string or a list of parts`, param);
  const texts: string[] = [];
  const images: string[] = [];
  content.forEach((value, index) => {
    const part = asRecord(value);
    if (part?.type === 'text' && typeof part.text === 'string') texts.push(part.text);
    else if (part?.type === 'image_url')
      images.push(base64Image(part.image_url, `${param}.content.${index}`));
    else
      throw invalid(
        `${param}.content.${index}: parts of type ${JSON.stringify(part?.type)} are not supported by ollama`,
        param,
      );
  });
  return { text: texts.join(''), images };
}

const dataUrl = /^data:[^,]*;base64,/;

/**
 * Ollama wants raw base64: a `data:` URL loses its prefix, bare base64 is kept. An http(s) URL is refused:
 * fetching arbitrary URLs from inside the gateway would let clients reach internal hosts.
 */
export function base64Image(imageUrl: unknown, param: string): string {
  const url = typeof imageUrl === 'string' ? imageUrl : asRecord(imageUrl)?.url;
  if (typeof url !== 'string' || url === '') throw invalid(`${param}.image_url.url is missing`, param);
  const prefix = dataUrl.exec(url);
  if (prefix !== null) return url.slice(prefix[0].length);
  if (url.startsWith('data:')) throw invalid(`${param}: only base64 data: URLs are supported`, param);
  if (/^https?:\/\//i.test(url)) {
    throw invalid(
      `${param}: ollama needs images inline as base64 data: URLs; image links are not fetched by the gateway`,
      param,
    );
  }
  return url;
}

export function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}
