// Type tests of the error codes (compiled by `npm run typecheck`): the plugin's own codes are a closed union per
// error class, while a MintError still carries whatever code the game's mint endpoint chose.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { MintError, NpcSessionError, NpcVoiceConfigError, NpcVoiceError, ToolError } from '../../../plugin/errors.js';
import { MintClient } from '../../../plugin/session/mintClient.js';
import type { MintErrorCode, NpcSessionErrorCode, NpcVoiceConfigErrorCode, NpcVoiceErrorCode } from '../../../plugin/types.js';

describe('plugin error codes', () => {
  it('narrow each error class to its own codes', () => {
    expectTypeOf<NpcSessionError['code']>().toEqualTypeOf<NpcSessionErrorCode>();
    expectTypeOf<NpcVoiceConfigError['code']>().toEqualTypeOf<NpcVoiceConfigErrorCode>();
    expectTypeOf<MintError['code']>().toEqualTypeOf<MintErrorCode>();
    expectTypeOf<ToolError['code']>().toEqualTypeOf<'tool_failed'>();
    expectTypeOf<NpcSessionErrorCode>().toExtend<NpcVoiceErrorCode>();

    const persona = new NpcSessionError('persona_update_failed', 'could not update the persona: offline');
    const frame = new NpcVoiceError('frame_failed', 'the frame update threw: boom');
    expect([persona.code, frame.code]).toEqual(['persona_update_failed', 'frame_failed']);
    // @ts-expect-error `update_failed` was split into `persona_update_failed` and `frame_failed`
    void new NpcVoiceError('update_failed', 'ambiguous');
    // @ts-expect-error a session error has a session code, not a plugin-wide one
    void new NpcSessionError('frame_failed', 'not a session failure');
    // @ts-expect-error a plain string is not a code the mint endpoint chose
    void new MintError('too_many_requests', 'only the mint client marks endpoint codes', 429);
  });

  it('keep the mint endpoint’s own code comparable with any string', async () => {
    const client = new MintClient({
      endpoint: 'http://mint.test/session',
      fetch: async () => Response.json({ error: { type: 'rate_limited', code: 'too_many_requests', message: 'slow down' } }, { status: 429 }),
    });
    const err = await client.mint('blacksmith').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MintError);
    // The endpoint's code is an open string: a game compares it with its own backend's codes.
    expect(err instanceof MintError && err.code === 'too_many_requests').toBe(true);
  });
});
