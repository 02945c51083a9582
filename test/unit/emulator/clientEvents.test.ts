import { describe, expect, it } from 'vitest';
import { parseClientEvent } from '../../../plugin/shared/protocol/clientEvents.js';

describe('parseClientEvent', () => {
  it('accepts the SDK first session.update and keeps unknown fields', () => {
    const result = parseClientEvent({
      type: 'session.update',
      session: { type: 'realtime', model: 'gpt-realtime', tracing: 'auto', output_modalities: ['audio'], audio: { input: { turn_detection: { type: 'semantic_vad' } } } },
    });
    expect(result.ok).toBe(true);
    if (result.ok && result.event.type === 'session.update') expect(result.event.session.tracing).toBe('auto');
  });

  it('names unknown event types as invalid_event and links the event_id', () => {
    expect(parseClientEvent({ type: 'response.audio.delta', event_id: 'e1' })).toMatchObject({ ok: false, code: 'invalid_event', param: 'type', eventId: 'e1' });
  });

  it('reports a missing session.type with its path', () => {
    expect(parseClientEvent({ type: 'session.update', session: {} })).toMatchObject({ ok: false, code: 'missing_required_parameter', param: 'session.type' });
  });

  it('reports wrong field types with their path', () => {
    expect(parseClientEvent({ type: 'conversation.item.truncate', item_id: 'a', content_index: 0, audio_end_ms: '1' })).toMatchObject({ ok: false, code: 'invalid_type', param: 'audio_end_ms' });
  });

  it('never throws on non-objects', () => {
    for (const value of [null, 3, 'x', [], undefined]) expect(parseClientEvent(value).ok).toBe(false);
  });
});
