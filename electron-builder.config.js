/**
 * Installers (electron-builder): AppImage and .deb on Linux, .dmg on macOS, NSIS on Windows.
 * `npm run dist` builds the app (electron-vite, minified) and the installers for this platform
 * into dist/. The release workflow (.github/workflows/release.yml) runs it on each OS.
 *
 * What goes into app.asar is the built app only: out/ (main, preload, renderer), the window icon,
 * package.json, and the production dependencies the bundles import; test/main/packaging.test.ts
 * checks that list with electron-builder's own packer.
 *
 * @type {import('electron-builder').Configuration}
 */
const config = {
  appId: 'org.mot-workbench.app',
  productName: 'MoT Workbench',
  // The Linux executable and the .deb package name (no spaces there).
  executableName: 'mot-workbench',
  copyright: 'MIT licensed',
  directories: { output: 'dist', buildResources: 'resources' },
  files: [
    'out/**/*',
    'resources/icon.png',
    'package.json',
    // Dependencies of the `mot` CLI, which runs TypeScript from a checkout: not of the app.
    '!node_modules/{tsx,esbuild,@esbuild,get-tsconfig,resolve-pkg-maps,ws}{,/**/*}',
    // Sources and docs inside dependencies: the app loads their built files only.
    '!**/node_modules/**/{*.md,*.ts,*.map,CHANGELOG*}',
    '!**/node_modules/**/{test,tests,__tests__,example,examples,docs}/**/*',
    '!**/node_modules/@tensorflow/*/{src,tools}/**/*',
    '!**/node_modules/@types{,/**/*}',
    // tfjs ships each package many times over (ES modules, browser bundles, minified); Node loads
    // only dist/*.node.js (the "main" of each) and the wasm backend's binaries. tfjs-node(-gpu)
    // is not listed: it loads its whole dist/ and its native deps/.
    '!**/node_modules/@tensorflow/{tfjs,tfjs-core,tfjs-layers,tfjs-converter,tfjs-data,tfjs-backend-cpu,tfjs-backend-webgl,tfjs-backend-wasm}/dist/**/*',
    'node_modules/@tensorflow/{tfjs,tfjs-core,tfjs-layers,tfjs-converter,tfjs-data,tfjs-backend-cpu,tfjs-backend-webgl,tfjs-backend-wasm}/dist/*.node.js',
    'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm',
  ],
  asar: true,
  // The torch engine's Python files, outside the asar where Python can read them
  // (found as <resources>/torch by src/services/engines/torch-launcher.ts), and the native
  // kernels' addon that `npm install` built (scripts/build-native.mjs), outside the asar since
  // native code cannot be loaded from inside one (found as <resources>/native/mot_native.node by
  // src/services/native-kernels.ts). Where it did not build, the app ships without it and trains
  // on plain wasm.
  extraResources: [
    { from: 'resources/torch', to: 'torch', filter: ['*.py'] },
    { from: 'native/build/Release', to: 'native', filter: ['mot_native.node'] },
  ],
  // The one native addon, tfjs-node(-gpu)'s, is built on N-API, which is ABI-stable across Node
  // and Electron: its prebuilt binary loads as installed, so nothing is recompiled at package
  // time. (An addon on the plain V8 ABI would need this back on.)
  npmRebuild: false,
  // Native code cannot be loaded from inside an asar archive: the tfjs-node(-gpu) addon (with
  // its libtensorflow), any other `.node` addon the engine gains, and tfjs-backend-wasm's .wasm.
  asarUnpack: [
    '**/*.node',
    '**/node_modules/@tensorflow/tfjs-node-gpu/**/*',
    '**/node_modules/@tensorflow/tfjs-node/**/*',
    'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm',
  ],
  // Flipped with @electron/fuses right before signing, in every installer.
  electronFuses: {
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    onlyLoadAppFromAsar: true,
    enableEmbeddedAsarIntegrityValidation: true,
    enableCookieEncryption: true,
    grantFileProtocolExtraPrivileges: false,
    // Flipping fuses breaks Electron's ad-hoc signature; unsigned arm64 macOS builds need a new one.
    resetAdHocDarwinSignature: true,
  },
  linux: {
    target: ['AppImage', 'deb'],
    icon: 'resources/icon-1024.png',
    category: 'Science',
    synopsis: 'Train and inspect Mixture of Tokens language models',
    maintainer: 'MoT Workbench contributors <mot-workbench@users.noreply.github.com>',
  },
  deb: {
    // The BLAS the native kernels' addon links (without it the app trains on plain wasm).
    recommends: ['libopenblas0'],
    // What Electron itself needs on Debian and Ubuntu.
    depends: [
      'libgtk-3-0',
      'libnotify4',
      'libnss3',
      'libxss1',
      'libxtst6',
      'xdg-utils',
      'libatspi2.0-0',
      'libuuid1',
      'libsecret-1-0',
    ],
  },
  appImage: { artifactName: '${productName}-${version}-${arch}.${ext}' },
  mac: {
    target: 'dmg',
    icon: 'resources/icon-1024.png',
    category: 'public.app-category.education',
    hardenedRuntime: true,
  },
  dmg: { artifactName: '${productName}-${version}-${arch}.${ext}' },
  win: { target: 'nsis', icon: 'resources/icon-1024.png' },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
    artifactName: '${productName}-Setup-${version}.${ext}',
  },
  // Installers are attached to the GitHub release by the workflow, not uploaded from here.
  publish: null,
};

export default config;
