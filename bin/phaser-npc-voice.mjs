#!/usr/bin/env node
// The `phaser-npc-voice` command. Until the package ships compiled server JS, it runs the TypeScript CLI through tsx
// (a runtime dependency), the way server/emulator/speech/fliteWorkerBoot.mjs loads the flite worker.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli.ts');
