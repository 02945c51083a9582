// #region readme:vite
import { defineConfig } from 'vite';
import { npcVoice } from 'phaser-npc-voice/vite';

export default defineConfig({
  base: './',
  plugins: [npcVoice({ personas: 'personas' })],
  server: { port: 8080 },
});
// #endregion readme:vite
