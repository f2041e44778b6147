/// <reference types="svelte" />
/// <reference types="vite/client" />

import type { WorkbenchBridge } from '../../preload/index';

declare global {
  interface Window {
    /** Set by the Electron preload; absent when the renderer runs in a plain browser. */
    readonly workbench?: WorkbenchBridge;
  }
}
