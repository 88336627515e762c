// The study overview: patient and study, the series with a thumbnail each, and the ZIP downloads.

import { utilities as csUtils } from '@cornerstonejs/core';
import { downloadZip } from 'client-zip';
import { $, el, showPage } from './dom';
import { formatDate, formatName, onLangChange, t } from './i18n';
import { announceDownload, type ManifestSeries, type Shipment } from './shipment';
import { fileImageId, frameCount, initCornerstone } from './viewer';
import { openSeries } from './viewerPage';

let shipment: Shipment;

export function showOverview(s: Shipment): void {
  performance.mark('dgw:overview');
  shipment = s;
  render();
  showPage('overview');
}

export function backToOverview(): void {
  showPage('overview');
}

let wired = false;

function render(): void {
  const m = shipment.manifest;
  const set = (testId: string, text: string) => (document.querySelector(`[data-testid="${testId}"]`)!.textContent = text);
  set('patient-name', formatName(m.patient?.name));
  set('patient-id', m.patient?.id ?? '');
  set('birth-date', formatDate(m.patient?.birthDate));
  set('study-date', formatDate(m.study?.studyDate));
  set('study-description', m.study?.studyDescription ?? '');
  const list = $('series-list');
  list.replaceChildren(...m.series.map(seriesItem));
  if (!wired) {
    wired = true;
    $('download-zip').addEventListener('click', () => void saveZip(undefined));
    onLangChange(() => render());
    // Thumbnails wait until the page is idle: starting the renderer and drawing them takes the main thread for a
    // few hundred milliseconds, which would otherwise delay a click on "Open" and so the first image.
    const later = () => void thumbnails();
    setTimeout(() => ('requestIdleCallback' in window ? requestIdleCallback(later, { timeout: 3000 }) : later()), 1000);
  }
}

function seriesItem(series: ManifestSeries): HTMLElement {
  const canvas = el('canvas', { width: 128, height: 128, className: 'thumb' });
  canvas.dataset.seriesUid = series.seriesInstanceUid;
  canvas.setAttribute('aria-hidden', 'true');
  const existing = document.querySelector<HTMLCanvasElement>(`canvas.thumb[data-series-uid="${CSS.escape(series.seriesInstanceUid)}"]`);
  const thumb = existing ?? canvas;
  const open = el('button', { type: 'button', textContent: t().open });
  open.dataset.testid = 'open-series';
  open.addEventListener('click', () => void openSeries(series));
  const download = el('button', { type: 'button', textContent: t().download, className: 'secondary' });
  download.dataset.testid = 'download-series';
  download.addEventListener('click', () => void saveZip(series));
  const li = el(
    'li',
    { className: 'series' },
    thumb,
    el(
      'div',
      { className: 'series-text' },
      el('strong', { className: 'series-description', textContent: series.seriesDescription || `${t().series} ${series.seriesNumber ?? ''}` }),
      el('span', { className: 'series-modality', textContent: series.modality ?? '' }),
      el('span', { className: 'series-count', textContent: t().images(series.instances.length) }),
      el('span', { className: 'series-actions' }, open, download),
    ),
  );
  li.dataset.testid = 'series';
  li.dataset.seriesUid = series.seriesInstanceUid;
  return li;
}

/** The middle image of each series, small, one series after the other behind whatever the viewer needs. */
async function thumbnails(): Promise<void> {
  initCornerstone();
  for (const series of shipment.manifest.series) {
    try {
      const middle = series.instances[Math.floor(series.instances.length / 2)];
      if (!middle) continue;
      const blob = await shipment.get(middle.ordinal);
      await fileImageId(middle.ordinal, false);
      const frames = series.instances.length === 1 ? await frameCount(blob) : 1;
      const imageId = frames > 1 ? `dgw:${middle.ordinal}/${Math.floor(frames / 2) + 1}` : `dgw:${middle.ordinal}`;
      const canvas = document.querySelector<HTMLCanvasElement>(`canvas.thumb[data-series-uid="${CSS.escape(series.seriesInstanceUid)}"]`);
      if (canvas) await csUtils.loadImageToCanvas({ canvas, imageId, thumbnail: true, useCPURendering: true });
    } catch {
      // A thumbnail is a nicety; the viewer reports real failures.
    }
  }
}

interface SavePicker {
  showSaveFilePicker?: (options: { suggestedName: string; types?: { description: string; accept: Record<string, string[]> }[] }) => Promise<{
    createWritable(): Promise<WritableStream<Uint8Array>>;
  }>;
}

/** Streams a ZIP of the study (or one series) to disk where the browser can, else builds it as a Blob. */
async function saveZip(series: ManifestSeries | undefined): Promise<void> {
  const status = $('zip-status');
  const m = shipment.manifest;
  const name = `study-${m.study?.studyDate ?? 'dicom'}${series ? `-series-${series.seriesNumber ?? ''}` : ''}.zip`;
  const entries = shipment.zipEntries(series);
  const picker = (window as unknown as SavePicker).showSaveFilePicker;
  let writable: WritableStream<Uint8Array> | null = null;
  if (picker) {
    try {
      // Asked first, while the click still counts as the person's gesture.
      const handle = await picker({ suggestedName: name, types: [{ description: 'ZIP', accept: { 'application/zip': ['.zip'] } }] });
      writable = await handle.createWritable();
    } catch (e) {
      if ((e as DOMException)?.name === 'AbortError') return;
      writable = null;
    }
  }
  try {
    // Before any file is decrypted: the download is in the gateway's audit trail, or it does not happen.
    await announceDownload(series?.seriesInstanceUid, entries.length);
  } catch {
    await writable?.abort().catch(() => undefined);
    status.textContent = t().failed;
    return;
  }
  let k = 0;
  const used = new Set<string>();
  async function* files() {
    for (const entry of entries) {
      status.textContent = t().zipping(++k, entries.length);
      let fileName = entry.name;
      if (used.has(fileName)) fileName = fileName.replace(/\.dcm$/, `-${entry.ordinal}.dcm`);
      used.add(fileName);
      yield { name: fileName, input: await shipment.decryptOnce(entry.ordinal), lastModified: new Date() };
    }
  }
  try {
    const response = downloadZip(files());
    if (writable) {
      await response.body!.pipeTo(writable);
    } else {
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const a = el('a', { href: url, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    }
    status.textContent = t().zipDone;
  } catch {
    status.textContent = t().failed;
  }
}
