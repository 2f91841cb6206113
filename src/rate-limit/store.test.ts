import { limitsCases, rateStoreCases } from '../../test/limits/store-cases.js';
import { createMemoryStore } from './store.js';

rateStoreCases('memory', async (clock) => createMemoryStore(clock));

limitsCases('memory', async (clock) => createMemoryStore(clock));
