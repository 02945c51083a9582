import { describe, expect, it } from 'vitest';
import { PROTOCOL_ERRORS, errorEvent, errorFrame, protocolError, restErrorBody, type ProtocolError } from '../../../server/emulator/realtime/protocolErrors.js';

describe('protocolErrors', () => {
  it('builds the realtime error event body of realtime-protocol.md §3.5, linked to the client event', () => {
    expect(errorEvent(PROTOCOL_ERRORS.responseActive('resp_1'), 'evt_9')).toEqual({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        code: 'conversation_already_has_active_response',
        message: 'Conversation already has an active response in progress: resp_1. Wait until the response is finished before creating a new one.',
        param: null,
        event_id: 'evt_9',
      },
    });
    expect(errorEvent(PROTOCOL_ERRORS.itemNotFound('item_x'), null).error).toMatchObject({ code: 'item_not_found', param: 'item_id', event_id: null });
    expect(errorEvent(PROTOCOL_ERRORS.internal(), null).error).toMatchObject({ type: 'server_error', code: 'server_error' });
    expect(errorEvent(PROTOCOL_ERRORS.rejectedEvent({ code: 'missing_required_parameter', message: "Missing required parameter: 'item'.", param: 'item' }), 'e1')).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', code: 'missing_required_parameter', message: "Missing required parameter: 'item'.", param: 'item', event_id: 'e1' },
    });
  });

  it('gives a frame sent outside a session its own unique event_id and no client event', () => {
    const a = errorFrame(PROTOCOL_ERRORS.betaShape());
    const b = errorFrame(PROTOCOL_ERRORS.betaShape());
    expect(a.event_id).toMatch(/^event_[0-9a-f]{16}$/);
    expect(b.event_id).not.toBe(a.event_id);
    expect(a).toMatchObject({ type: 'error', error: { code: 'beta_api_shape_disabled', param: null, event_id: null } });
  });

  it("builds OpenAI's REST error body from the same errors", () => {
    expect(restErrorBody(PROTOCOL_ERRORS.tooManySessions('calls', 3))).toEqual({
      error: { message: 'Too many concurrent calls (limit 3).', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
    expect(restErrorBody(PROTOCOL_ERRORS.shuttingDown())).toEqual({ error: { message: 'The emulator is shutting down.', type: 'server_error', param: null, code: null } });
    expect(restErrorBody(protocolError('invalid_offer', 'Bad SDP.', { param: 'sdp' }))).toEqual({
      error: { message: 'Bad SDP.', type: 'invalid_request_error', param: 'sdp', code: 'invalid_offer' },
    });
  });

  it('words the errors whose text clients and tests match on as the service does', () => {
    expect(PROTOCOL_ERRORS.commitEmpty(100, 40)).toEqual({
      type: 'invalid_request_error',
      code: 'input_audio_buffer_commit_empty',
      message: 'Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has 40.00ms of audio.',
      param: null,
    });
    expect(PROTOCOL_ERRORS.cancelNotActive(undefined).message).toBe('Cancellation failed: no active response found');
    expect(PROTOCOL_ERRORS.cancelNotActive('resp_2').message).toBe("Cancellation failed: response 'resp_2' is not active");
    expect(PROTOCOL_ERRORS.truncateTooLong(999.7, 1500)).toMatchObject({ message: 'Audio content of 999ms is already shorter than 1500ms', param: 'audio_end_ms' });
    expect(PROTOCOL_ERRORS.instructionsTooLong(10, 12).message).toMatch(/maximum length 10, but got a string with length 12 instead\. The session was not updated\.$/);
    expect(PROTOCOL_ERRORS.mintInstructionsTooLong(10, 12).message).toMatch(/length 12 instead\.$/);
  });

  it('gives every error in the table an OpenAI error type, a code and a message', () => {
    const makers = Object.entries(PROTOCOL_ERRORS) as [string, (...args: unknown[]) => ProtocolError][];
    expect(makers.length).toBeGreaterThan(25);
    const objectArgs: Record<string, unknown[]> = {
      rejectedEvent: [{ code: 'invalid_event', message: "Invalid value: 'nope'. Supported values are …", param: 'type' }],
      admissionRefused: [{ code: 'rate_limit_exceeded', message: 'Too many sessions for this key (limit 4).' }],
      invalidImage: ['item.content.0.image_url', 'image_parse_error', 'the data is not valid base64'],
    };
    for (const [name, make] of makers) {
      const error = make(...(objectArgs[name] ?? ['x', 1]));
      expect(['invalid_request_error', 'server_error', 'requests'], name).toContain(error.type);
      expect(error.message.length, name).toBeGreaterThan(10);
      if (name !== 'shuttingDown') expect(error.code, name).toMatch(/^[a-z_]+$/);
    }
  });
});
