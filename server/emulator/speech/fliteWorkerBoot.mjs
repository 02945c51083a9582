// Entry of a flite worker thread when running from source: lets the thread load the TypeScript worker module through
// tsx (a devDependency), whether the parent runs under tsx or vitest. The compiled package starts fliteWorker.js.
import { register } from 'tsx/esm/api';

register();
await import('./fliteWorker.ts');
