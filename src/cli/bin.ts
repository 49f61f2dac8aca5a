#!/usr/bin/env node
import { processIo } from './io.js';
import { main } from './main.js';

// The SDK warns on every run that its releases after January 2027 need Node 22. This package pins its SDK
// version and supports Node 20 (see README), so the notice is noise in CI logs; an explicit setting wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await main(process.argv.slice(2), processIo);
