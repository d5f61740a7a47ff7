#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the prepare script).
import('../dist/services/cli/meshguard.js').then((cli) => cli.main(process.argv.slice(2)));
