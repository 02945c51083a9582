import { describe, expect, it } from 'vitest';
import { imageTokens, MAX_IMAGE_BYTES, readImage, readItemImages } from '../../../server/emulator/realtime/images.js';
import { jpegDataUrl, pngDataUrl } from '../../support/images.js';

describe('imageTokens', () => {
  it("matches OpenAI's worked examples for its vision models", () => {
    // 1024² fits in 2048², is scaled to 768×768: 4 tiles.
    expect(imageTokens(1024, 1024, 'high')).toBe(765);
    // 2048×4096 → 1024×2048 → 768×1536: 2×3 tiles.
    expect(imageTokens(2048, 4096, 'high')).toBe(1105);
    // Low detail is flat whatever the size.
    expect(imageTokens(4096, 8192, 'low')).toBe(85);
  });

  it("treats 'auto' (and no detail) as high, and never scales a small picture up", () => {
    expect(imageTokens(1024, 1024)).toBe(765);
    expect(imageTokens(1024, 1024, 'auto')).toBe(765);
    // A 512 px snapshot (what binding.show() sends) is one tile; 513 px wide needs two.
    expect(imageTokens(512, 288)).toBe(255);
    expect(imageTokens(513, 288)).toBe(425);
    expect(imageTokens(16, 16)).toBe(255);
  });
});

describe('readImage', () => {
  it('reads the format and size of a real PNG and JPEG from their headers', () => {
    const png = readImage(pngDataUrl(40, 30), undefined, 'p');
    expect(png).toMatchObject({ ok: true, image: { mime: 'image/png', width: 40, height: 30, detail: 'auto', tokens: 255 } });
    const jpeg = readImage(jpegDataUrl(1024, 1024), 'low', 'p');
    expect(jpeg).toMatchObject({ ok: true, image: { mime: 'image/jpeg', width: 1024, height: 1024, detail: 'low', tokens: 85 } });
  });

  it('refuses what the service refuses, with a code and the param it was given', () => {
    const cases: [unknown, string][] = [
      [undefined, 'missing_required_parameter'],
      ['https://example.com/map.png', 'invalid_image_url'],
      ['data:image/gif;base64,R0lGODlhAQABAAAAACw=', 'invalid_image_format'],
      ['data:image/png,rawbytes', 'invalid_image_url'],
      ['data:image/png;base64,!!!not base64!!!', 'image_parse_error'],
      ['data:image/png;base64,aGVsbG8gd29ybGQ=', 'image_parse_error'],
      // A JPEG labelled as a PNG.
      [jpegDataUrl(8, 8).replace('image/jpeg', 'image/png'), 'image_parse_error'],
      [`data:image/jpeg;base64,${'A'.repeat(Math.ceil((MAX_IMAGE_BYTES * 4) / 3) + 8)}`, 'image_too_large'],
    ];
    for (const [url, code] of cases) {
      const read = readImage(url, undefined, 'item.content.0.image_url');
      expect(read.ok, String(url).slice(0, 40)).toBe(false);
      if (read.ok) continue;
      expect(read.error.code, String(url).slice(0, 40)).toBe(code);
      expect(read.error.param).toBe('item.content.0.image_url');
      expect(read.error.message).toContain("'item.content.0.image_url'");
    }
  });

  it("names the index of the bad part of an item's content", () => {
    const item = {
      type: 'message',
      content: [
        { type: 'input_text', text: 'look' },
        { type: 'input_image', image_url: pngDataUrl(4, 4) },
        { type: 'input_image', image_url: 'data:image/webp;base64,UklGRg==' },
      ],
    };
    const read = readItemImages(item, 'item');
    expect(read.ok ? null : read.error.param).toBe('item.content.2.image_url');
    const good = readItemImages({ type: 'message', content: item.content.slice(0, 2) }, 'item');
    expect(good.ok ? good.images.map((i) => [i.width, i.height]) : null).toEqual([[4, 4]]);
  });
});
