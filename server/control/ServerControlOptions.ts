import type { SessionPolicy } from './ControlledSession.js';

/**
 * What the game's server does with the sessions it is in the path of (WebRTC calls through the unified interface,
 * WebSocket sessions through the relay): the policies applied to every one of them, after the built-in ones.
 * @example
 * await attachNpcVoice(server, { control: { policies: [(session) => session.onServerEvent((e) => audit(session.playerId, e))] } });
 */
export interface ServerControlOptions {
  /** Run on every controlled session, after the built-in policies; a policy may return its disposer. */
  policies?: SessionPolicy[];
}
