// The test hook for the browser tests, always present and harmless (it exposes nothing secret):
//
//   window.__dgw = {
//     timings: { unlockClickedAt, firstImageAt, allDecryptedAt }   performance.now() values, or null until they happen
//     bytesDecrypted    plaintext bytes decrypted so far (all instances)
//     loaded, total     instances of the open series decrypted so far, and in all
//     currentSlice()    0-based index of the image shown
//     sliceCount()      images in the open series (frames of a multi-frame instance count one each)
//     setSlice(i)       shows image i; resolves after it has been rendered
//     voi()             { width, center } of the image shown
//     setVoi(w, c)      sets the window; resolves after the render
//     pixelAt(x, y)     [r, g, b, a] of the viewport's visible (2D) canvas at CSS pixel x, y from the viewport's top left
//     imagePixelAt(col, row)  the stored pixel value of the image shown (before window and LUTs), or null
//     renderer          'gpu' or 'cpu'
//   }

export interface DgwHook {
  timings: { unlockClickedAt: number | null; firstImageAt: number | null; allDecryptedAt: number | null };
  bytesDecrypted: number;
  loaded: number;
  total: number;
  renderer: 'gpu' | 'cpu' | null;
  currentSlice(): number;
  sliceCount(): number;
  setSlice(i: number): Promise<void>;
  voi(): { width: number; center: number };
  setVoi(width: number, center: number): Promise<void>;
  pixelAt(x: number, y: number): [number, number, number, number];
  imagePixelAt(col: number, row: number): number | null;
}

declare global {
  interface Window {
    __dgw: DgwHook;
  }
}

const notOpen = () => {
  throw new Error('no series is open');
};

export const hook: DgwHook = {
  timings: { unlockClickedAt: null, firstImageAt: null, allDecryptedAt: null },
  bytesDecrypted: 0,
  loaded: 0,
  total: 0,
  renderer: null,
  currentSlice: () => -1,
  sliceCount: () => 0,
  setSlice: async () => notOpen(),
  voi: () => ({ width: 0, center: 0 }),
  setVoi: async () => notOpen(),
  pixelAt: () => [0, 0, 0, 0],
  imagePixelAt: () => null,
};

window.__dgw = hook;
