import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import type * as Https from 'node:https';

// Imported as an ES module, node:http has every export evaluated, and its lazy getters of the WHATWG
// classes (WebSocket and the like) load node's bundled undici and web streams: +1.8 MB of heap and
// +8.6 MB of RSS in a bare node 24. Required, they stay lazy. node:https has no such getters, but comes
// with http, so both are taken here.
const require = createRequire(import.meta.url);

export const http = require('node:http') as typeof Http;
export const https = require('node:https') as typeof Https;
