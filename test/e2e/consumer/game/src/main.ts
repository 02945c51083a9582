import StartGame from './game/main';
import { exposeForTests } from './testHook';

document.addEventListener('DOMContentLoaded', () => {
  exposeForTests(StartGame('game-container'));
});
