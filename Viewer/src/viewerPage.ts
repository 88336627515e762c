// The viewer page: toolbar, overlay, keyboard, cine, progress, and the test hook's viewer functions.

import { getShouldUseCPURendering, type Types } from '@cornerstonejs/core';
import { $, showPage } from './dom';
import { hook } from './hook';
import { formatDate, formatName, onLangChange, t } from './i18n';
import { SessionEndedError, type ManifestSeries, type Shipment } from './shipment';
import { applyVoi, frameCount, framesIn, getVoi, initCornerstone, nextRender, setPrimaryTool, setupViewport, useShipment, type PrimaryTool } from './viewer';

const presets: Record<string, [number, number]> = {
  'preset-soft': [400, 40],
  'preset-lung': [1500, -600],
  'preset-bone': [2000, 300],
  'preset-brain': [80, 40],
};

let shipment: Shipment;
let vp: Types.IStackViewport | null = null;
let openSeriesOrdinals: number[] = [];
let cineTimer: number | null = null;
let wired = false;
let opening = 0;

function element(): HTMLDivElement {
  return $('viewport') as HTMLDivElement;
}

export function initViewerPage(s: Shipment, onBack: () => void): void {
  shipment = s;
  s.countFrames = framesIn;
  useShipment(s);
  s.onDecrypted = (ordinal) => {
    updateProgress();
    void expandFrames(ordinal);
  };
  s.onFailed = (ordinal, error) => {
    if (!openSeriesOrdinals.includes(ordinal)) return;
    $('progress').querySelector('.progress-text')!.textContent = error instanceof SessionEndedError ? t().sessionEnded : t().decryptFailed;
  };
  if (wired) return;
  wired = true;
  $('back').addEventListener('click', () => {
    stopCine();
    onBack();
  });
  const tools: [string, PrimaryTool][] = [['tool-wl', 'wl'], ['tool-pan', 'pan'], ['tool-zoom', 'zoom'], ['tool-length', 'length'], ['tool-angle', 'angle']];
  for (const [id, tool] of tools) {
    $(id).addEventListener('click', () => {
      setPrimaryTool(tool);
      for (const [other] of tools) $(other).setAttribute('aria-pressed', String(other === id));
    });
  }
  for (const [id, [w, c]] of Object.entries(presets)) $(id).addEventListener('click', () => vp && void applyVoi(vp, w, c));
  $('invert').addEventListener('click', invert);
  $('reset').addEventListener('click', reset);
  $('cine').addEventListener('click', () => (cineTimer === null ? startCine() : stopCine()));
  document.addEventListener('keydown', onKey);
  onLangChange(() => {
    updateProgress();
    updateOverlay();
  });
  installHook();
}

function onKey(e: KeyboardEvent): void {
  if ($('viewer').hidden || !vp) return;
  const target = e.target as HTMLElement;
  if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const n = vp.getImageIds().length;
  const i = vp.getCurrentImageIdIndex();
  let handled = true;
  switch (e.key) {
    case 'ArrowUp':
    case 'PageUp':
      void setSlice(i - 1);
      break;
    case 'ArrowDown':
    case 'PageDown':
      void setSlice(i + 1);
      break;
    case 'Home':
      void setSlice(0);
      break;
    case 'End':
      void setSlice(n - 1);
      break;
    case 'i':
    case 'I':
      invert();
      break;
    case 'r':
    case 'R':
      reset();
      break;
    default:
      handled = false;
  }
  if (handled) e.preventDefault();
}

async function setSlice(i: number): Promise<void> {
  if (!vp) return;
  const n = vp.getImageIds().length;
  const index = Math.max(0, Math.min(n - 1, i));
  if (index === vp.getCurrentImageIdIndex()) return;
  const rendered = nextRender(vp.element, 30000);
  await vp.setImageIdIndex(index);
  await rendered;
}

function invert(): void {
  if (!vp) return;
  vp.setProperties({ invert: !vp.getProperties().invert });
  vp.render();
}

function reset(): void {
  if (!vp) return;
  vp.resetProperties();
  vp.resetCamera();
  vp.render();
}

function startCine(): void {
  if (!vp || vp.getImageIds().length < 2) return;
  $('cine').setAttribute('aria-pressed', 'true');
  let busy = false;
  cineTimer = window.setInterval(() => {
    if (!vp || busy) return;
    busy = true;
    const n = vp.getImageIds().length;
    void setSlice((vp.getCurrentImageIdIndex() + 1) % n).finally(() => (busy = false));
  }, 100);
}

function stopCine(): void {
  if (cineTimer !== null) clearInterval(cineTimer);
  cineTimer = null;
  $('cine').setAttribute('aria-pressed', 'false');
}

let currentSeries: ManifestSeries | null = null;
/** Frames per instance of the open series, learnt as instances are decrypted. */
const framesOf = new Map<number, number>();
let restack: Promise<void> = Promise.resolve();

function imageIdsOf(ordinals: number[]): string[] {
  return ordinals.flatMap((o) => {
    const frames = framesOf.get(o) ?? 1;
    return frames > 1 ? Array.from({ length: frames }, (_, f) => `dgw:${o}/${f + 1}`) : [`dgw:${o}`];
  });
}

/** A multi-frame instance in a series of several: its frames replace its one entry in the stack. */
async function expandFrames(ordinal: number): Promise<void> {
  if (!vp || openSeriesOrdinals.length < 2 || !openSeriesOrdinals.includes(ordinal) || framesOf.has(ordinal)) return;
  const token = opening;
  const blob = await shipment.get(ordinal);
  const frames = shipment.frames.get(ordinal) ?? (await frameCount(blob));
  if (token !== opening) return;
  framesOf.set(ordinal, frames);
  if (frames < 2) return;
  restack = restack.then(async () => {
    if (!vp || token !== opening) return;
    const current = vp.getImageIds()[vp.getCurrentImageIdIndex()];
    const ids = imageIdsOf(openSeriesOrdinals);
    const index = Math.max(0, ids.indexOf(current === `dgw:${ordinal}` ? `dgw:${ordinal}/1` : current));
    await vp.setStack(ids, index);
    updateOverlay();
  });
  await restack;
}

/** Starts cornerstone (renderer, tools, image loader and its worker) ahead of the first "Open". */
export function prepareViewer(): void {
  initCornerstone();
}

export async function openSeries(series: ManifestSeries): Promise<void> {
  const token = ++opening;
  stopCine();
  currentSeries = series;
  showPage('viewer');
  performance.mark('dgw:open-series');
  initCornerstone();
  performance.mark('dgw:cornerstone');
  hook.renderer = getShouldUseCPURendering() ? 'cpu' : 'gpu';
  vp = setupViewport(element(), { onRendered: onRendered });
  openSeriesOrdinals = series.instances.map((i) => i.ordinal);
  framesOf.clear();
  hook.loaded = 0;
  hook.total = openSeriesOrdinals.length;
  updateProgress();
  let imageIds: string[];
  if (series.instances.length === 1) {
    const ordinal = series.instances[0].ordinal;
    const frames = await frameCount(await shipment.get(ordinal, true));
    imageIds = frames > 1 ? Array.from({ length: frames }, (_, f) => `dgw:${ordinal}/${f + 1}`) : [`dgw:${ordinal}`];
  } else {
    for (const o of openSeriesOrdinals) if (shipment.isDecrypted(o)) framesOf.set(o, shipment.frames.get(o) ?? (await frameCount(await shipment.get(o))));
    imageIds = imageIdsOf(openSeriesOrdinals);
  }
  if (token !== opening) return;
  // The first image's instance goes to the front (the loader asks for it urgently); the rest follow in order.
  const rendered = nextRender(vp.element, 60000);
  const stackReady = vp.setStack(imageIds, 0);
  shipment.enqueue(openSeriesOrdinals);
  await stackReady;
  await rendered;
  if (token !== opening) return;
  hook.timings.firstImageAt ??= performance.now();
  performance.mark('dgw:first-image');
  updateOverlay();
  element().focus();
}

function onRendered(): void {
  updateOverlay();
}

function updateOverlay(): void {
  if (!vp || !currentSeries) return;
  const m = shipment.manifest;
  const patient = [formatName(m.patient?.name), m.patient?.id].filter(Boolean).join(' · ');
  const study = [formatDate(m.study?.studyDate), m.study?.studyDescription].filter(Boolean).join(' · ');
  setTestText('overlay-patient', patient);
  setTestText('overlay-study', study);
  setTestText('overlay-series', currentSeries.seriesDescription ?? '');
  const n = vp.getImageIds().length;
  setTestText('slice-indicator', n ? `${vp.getCurrentImageIdIndex() + 1} / ${n}` : '');
  const { width, center } = getVoi(vp);
  setTestText('wl-indicator', `W ${Math.round(width)} L ${Math.round(center)}`);
}

function setTestText(testId: string, text: string): void {
  const e = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  if (e && e.textContent !== text) e.textContent = text;
}

function updateProgress(): void {
  const loaded = openSeriesOrdinals.filter((o) => shipment.isDecrypted(o)).length;
  hook.loaded = loaded;
  hook.total = openSeriesOrdinals.length;
  hook.bytesDecrypted = shipment.bytesDecrypted;
  if (hook.total > 0 && loaded === hook.total) hook.timings.allDecryptedAt ??= performance.now();
  const progress = $('progress');
  const bar = progress.querySelector('progress')!;
  bar.max = Math.max(1, hook.total);
  bar.value = loaded;
  progress.querySelector('.progress-text')!.textContent = t().decrypted(loaded, hook.total);
}

function installHook(): void {
  hook.currentSlice = () => (vp ? vp.getCurrentImageIdIndex() : -1);
  hook.sliceCount = () => (vp ? vp.getImageIds().length : 0);
  hook.setSlice = async (i) => {
    if (!vp) throw new Error('no series is open');
    if (i === vp.getCurrentImageIdIndex()) {
      const rendered = nextRender(vp.element);
      vp.render();
      await rendered;
      return;
    }
    await setSlice(i);
  };
  hook.voi = () => (vp ? getVoi(vp) : { width: 0, center: 0 });
  hook.setVoi = async (w, c) => {
    if (!vp) throw new Error('no series is open');
    await applyVoi(vp, w, c);
  };
  hook.pixelAt = (x, y) => {
    const canvas = vp?.getCanvas();
    if (!canvas) return [0, 0, 0, 0];
    const rect = canvas.getBoundingClientRect();
    const host = element().getBoundingClientRect();
    const sx = canvas.width / (rect.width || 1);
    const sy = canvas.height / (rect.height || 1);
    const px = Math.floor((x - (rect.left - host.left)) * sx);
    const py = Math.floor((y - (rect.top - host.top)) * sy);
    const d = canvas.getContext('2d')!.getImageData(px, py, 1, 1).data;
    return [d[0], d[1], d[2], d[3]];
  };
  hook.imagePixelAt = (col, row) => {
    const image = vp?.getCornerstoneImage();
    if (!image || col < 0 || row < 0 || col >= image.columns || row >= image.rows) return null;
    const data = image.getPixelData();
    const samples = image.color ? (image.numberOfComponents ?? 3) : 1;
    return data[(row * image.columns + col) * samples] ?? null;
  };
}
