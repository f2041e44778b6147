#!/usr/bin/env node
// The `mot` command: runs the TypeScript CLI through tsx's loader, so the checkout needs no build.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
