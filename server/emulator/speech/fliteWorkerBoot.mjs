// Entry of a flite worker thread: lets the thread load the TypeScript worker module (tsx is a runtime dependency),
// whether the parent runs under tsx, vitest or plain Node. See FliteWorkerPool.ts.
import { register } from 'tsx/esm/api';

register();
await import('./fliteWorker.ts');
