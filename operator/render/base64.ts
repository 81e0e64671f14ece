/** Secret `data` values are base64; these keep the conversions in one place. */
export function toBase64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

export function fromBase64(data: string): string {
  return Buffer.from(data, 'base64').toString('utf8');
}
