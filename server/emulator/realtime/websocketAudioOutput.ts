import type { AudioOutput } from './AudioOutput.js';

/** The WebSocket transport's output: each chunk goes to the client as a base64 `response.output_audio.delta`. */
export const websocketAudioOutput: AudioOutput = {
  buffered: false,
  write(chunk, events) {
    const { bytes } = chunk;
    events({
      type: 'response.output_audio.delta',
      response_id: chunk.responseId,
      item_id: chunk.itemId,
      output_index: chunk.outputIndex,
      content_index: chunk.contentIndex,
      delta: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    });
  },
  end() {},
  clear: () => null,
};
