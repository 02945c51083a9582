import { imageSize } from 'image-size';
import { PROTOCOL_ERRORS, type ImageErrorCode, type RealtimeError } from './protocolErrors.js';

/** Largest image the emulator takes in one `input_image` part: 10 MiB of decoded PNG or JPEG bytes. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** The `detail` of an `input_image` part (`auto` is `high`, as the service documents). */
export type ImageDetail = 'auto' | 'low' | 'high';

/** What the server keeps of an image it accepted: its format, size in pixels and what it costs in input tokens. */
export interface ImageInfo {
  mime: 'image/png' | 'image/jpeg';
  width: number;
  height: number;
  bytes: number;
  detail: ImageDetail;
  tokens: number;
}

const MIME_TYPES: Record<string, ImageInfo['mime']> = { 'image/png': 'image/png', 'image/jpeg': 'image/jpeg', 'image/jpg': 'image/jpeg' };
/** What image-size calls each accepted format. */
const SIZE_TYPES: Record<ImageInfo['mime'], string> = { 'image/png': 'png', 'image/jpeg': 'jpg' };
const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Input tokens of an image, as OpenAI documents for its GPT-4o-class vision models: `low` detail costs a flat 85;
 * `high` (and `auto`) scales the image to fit in 2048×2048, then so its shortest side is at most 768 px (never up),
 * and costs 85 plus 170 for every 512 px tile it covers.
 *
 * @example imageTokens(1024, 1024, 'high') // 765: scaled to 768×768, 4 tiles
 */
export function imageTokens(width: number, height: number, detail: ImageDetail = 'auto'): number {
  if (detail === 'low') return 85;
  let w = width;
  let h = height;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shortest = Math.min(1, 768 / Math.min(w, h));
  w = Math.floor(w * shortest);
  h = Math.floor(h * shortest);
  return 85 + 170 * Math.ceil(w / 512) * Math.ceil(h / 512);
}

/**
 * Reads an `input_image` part's `image_url` (a base64 `data:image/png` or `data:image/jpeg` URL, as the service takes):
 * its type, size in pixels (from the PNG/JPEG header) and token cost. `param` names the field in errors.
 */
export function readImage(imageUrl: unknown, detail: ImageDetail | undefined, param: string): { ok: true; image: ImageInfo } | { ok: false; error: RealtimeError } {
  const fail = (code: ImageErrorCode, why: string): { ok: false; error: RealtimeError } => ({ ok: false, error: PROTOCOL_ERRORS.invalidImage(param, code, why) });
  if (imageUrl === undefined || imageUrl === null || imageUrl === '') return { ok: false, error: PROTOCOL_ERRORS.missingImage(param) };
  if (typeof imageUrl !== 'string') return fail('invalid_image_url', 'expected a data URL string');
  const match = DATA_URL.exec(imageUrl);
  if (!match) return fail('invalid_image_url', "expected a base64 data URL such as 'data:image/jpeg;base64,/9j/…' (remote image URLs are not supported)");
  const declared = (match[1] ?? '').toLowerCase();
  const mime = MIME_TYPES[declared];
  if (!mime) return fail('invalid_image_format', `unsupported image type '${declared.slice(0, 40) || '(none)'}': supported formats are PNG and JPEG`);
  if (!(match[2] ?? '').toLowerCase().split(';').includes('base64')) return fail('invalid_image_url', 'expected base64 data (;base64,)');
  const payload = match[3] ?? '';
  if ((payload.length * 3) / 4 > MAX_IMAGE_BYTES + 3) {
    return fail('image_too_large', `image too large: about ${Math.floor((payload.length * 3) / 4)} bytes (maximum ${MAX_IMAGE_BYTES})`);
  }
  if (payload === '' || !BASE64.test(payload)) return fail('image_parse_error', 'the data is not valid base64');
  const bytes = Buffer.from(payload, 'base64');
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(bytes);
  } catch {
    return fail('image_parse_error', `the data is not a ${declared === 'image/png' ? 'PNG' : 'JPEG'} image`);
  }
  if (size.type !== SIZE_TYPES[mime]) return fail('image_parse_error', `the data is ${size.type ?? 'not an image'}, not the declared ${declared}`);
  const resolved = detail ?? 'auto';
  return { ok: true, image: { mime, width: size.width, height: size.height, bytes: bytes.length, detail: resolved, tokens: imageTokens(size.width, size.height, resolved) } };
}

/** The part of a client item {@link readItemImages} looks at. */
interface ItemWithContent {
  type: string;
  content?: readonly { type: string; image_url?: unknown; detail?: ImageDetail | undefined }[];
}

/**
 * Reads every `input_image` part of a client item, in order; the first bad one is an error whose `param` is
 * `${prefix}.content.${index}.image_url` (e.g. `item.content.0.image_url`).
 */
export function readItemImages(item: ItemWithContent, prefix: string): { ok: true; images: ImageInfo[] } | { ok: false; error: RealtimeError } {
  const images: ImageInfo[] = [];
  if (item.type !== 'message' || !item.content) return { ok: true, images };
  for (const [index, part] of item.content.entries()) {
    if (part.type !== 'input_image') continue;
    const read = readImage(part.image_url, part.detail, `${prefix}.content.${index}.image_url`);
    if (!read.ok) return read;
    images.push(read.image);
  }
  return { ok: true, images };
}
