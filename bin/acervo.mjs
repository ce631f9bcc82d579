#!/usr/bin/env node
// The sources are TypeScript; tsx compiles them on load so `npx acervo` needs no build step.
import { register } from "tsx/esm/api"
register()
await import("../pipeline/cli/main.ts")
