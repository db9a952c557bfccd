/** Cairo short string: up to 31 ASCII characters read as one big-endian felt. */
export function encodeShortString(text: string): bigint {
  if (text.length > 31 || !/^[\x00-\x7f]*$/.test(text)) throw new RangeError(`"${text}" is not a short string`);
  let n = 0n;
  for (let i = 0; i < text.length; i++) n = (n << 8n) | BigInt(text.charCodeAt(i));
  return n;
}
