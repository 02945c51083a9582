import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** RGBA pixels of a `width`×`height` test picture: a diagonal gradient, so encoders have something to encode. */
function pixels(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = (x * 255) / Math.max(1, width - 1);
      data[i + 1] = (y * 255) / Math.max(1, height - 1);
      data[i + 2] = 128;
      data[i + 3] = 255;
    }
  }
  return data;
}

/** A real JPEG of `width`×`height` as a `data:image/jpeg;base64,…` URL (jpeg-js, quality 80). */
export function jpegDataUrl(width: number, height: number): string {
  const encoded = jpeg.encode({ data: pixels(width, height), width, height }, 80);
  return `data:image/jpeg;base64,${Buffer.from(encoded.data).toString('base64')}`;
}

/** A real PNG of `width`×`height` as a `data:image/png;base64,…` URL (pngjs). */
export function pngDataUrl(width: number, height: number): string {
  const png = new PNG({ width, height });
  pixels(width, height).copy(png.data);
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

/** Width and height of a JPEG data URL, decoded with jpeg-js (what a client received, checked independently). */
export function jpegSize(dataUrl: string): { width: number; height: number } {
  const { width, height } = jpeg.decode(jpegBytes(dataUrl), { useTArray: true });
  return { width, height };
}

/** Mean and standard deviation of a JPEG data URL's luma (0–255): a blank picture has a deviation near 0. */
export function jpegLuma(dataUrl: string): { mean: number; stdDev: number } {
  const { data } = jpeg.decode(jpegBytes(dataUrl), { useTArray: true });
  let sum = 0;
  let squares = 0;
  const n = data.length / 4;
  for (let i = 0; i < data.length; i += 4) {
    const luma = 0.299 * (data[i] ?? 0) + 0.587 * (data[i + 1] ?? 0) + 0.114 * (data[i + 2] ?? 0);
    sum += luma;
    squares += luma * luma;
  }
  const mean = sum / n;
  return { mean, stdDev: Math.sqrt(Math.max(0, squares / n - mean * mean)) };
}

const jpegBytes = (dataUrl: string): Buffer => Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
