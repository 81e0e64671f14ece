import { keyAndSpendSuite } from '../test-support/key-and-spend-suite.ts';
import { createEmbeddedStore } from '../test-support/test-database.ts';

keyAndSpendSuite('embedded store', createEmbeddedStore);
