import { defineConfig } from 'vite';

// The DICOM image loader's decoding worker and its WebAssembly codecs are referenced with
// `new URL(..., import.meta.url)`: Vite emits each as its own file under /assets/ (no inline or blob workers, no
// inlined WebAssembly), which the CSP allows (worker-src 'self', script-src 'wasm-unsafe-eval').
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 8000,
    // Two pages, two bundles: the recipient's page (index.html) never loads administration code, and the
    // administration console (admin.html, served at /admin) never loads cornerstone3D or the crypto code.
    // (Paths relative to the Viewer directory, where npm runs the build.)
    rolldownOptions: {
      input: { index: 'index.html', admin: 'admin.html' },
    },
  },
  worker: {
    format: 'es',
  },
  optimizeDeps: {
    exclude: ['@cornerstonejs/dicom-image-loader'],
  },
});
