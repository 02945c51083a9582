import { AUTO, Game } from 'phaser';
// #region readme:plugin
import { createNpcVoicePlugin, webAudioBackend } from 'phaser-npc-voice';
import ferryman from '../../personas/ferryman.json';
import { sellTicket } from './tools';
// #endregion readme:plugin
import { Harbor } from './scenes/Harbor';

const config: Phaser.Types.Core.GameConfig = {
  type: AUTO,
  width: 1024,
  height: 768,
  parent: 'game-container',
  backgroundColor: '#1d3557',
  scene: [Harbor],
  // #region readme:config
  plugins: {
    scene: [createNpcVoicePlugin({ personas: { ferryman }, tools: [sellTicket], audio: webAudioBackend })],
  },
  // #endregion readme:config
};

const StartGame = (parent: string) => new Game({ ...config, parent });

export default StartGame;
