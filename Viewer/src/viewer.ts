// The image viewer: cornerstone3D's StackViewport over the decrypted instances. Image ids "dgw:<ordinal>" and
// "dgw:<ordinal>/<frame>" (frame from 1) are resolved by our own loader, which asks the shipment for the instance
// (moving it to the front of the decryption queue), registers the decrypted Part-10 file with the DICOM image
// loader's file manager and delegates to its loader. So the whole stack is known at once, the image shown first
// is decrypted first, and scrolling to an image not yet decrypted fetches it next.

import {
  Enums,
  RenderingEngine,
  getRenderingCapabilities,
  imageLoader,
  init as coreInit,
  metaData,
  setUseCPURendering,
  getShouldUseCPURendering,
  utilities as csUtils,
  type Types,
} from '@cornerstonejs/core';
import { init as loaderInit, wadouri } from '@cornerstonejs/dicom-image-loader';
import { log as dcmjsLog } from 'dcmjs';

// The image loader hands pixel data of implicit-VR files to dcmjs with the placeholder VR "ox" (OB or OW cannot be
// told from the bytes); dcmjs reads it as OW, correctly for 16-bit images, but reports each one as a console error.
dcmjsLog.getLogger('validation.dcmjs').setLevel('silent');
import {
  AngleTool,
  Enums as ToolEnums,
  LengthTool,
  PanTool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
  addTool,
  init as toolsInit,
} from '@cornerstonejs/tools';
import dicomParser from 'dicom-parser';
import type { Shipment } from './shipment';

const ENGINE_ID = 'dgw-engine';
const VIEWPORT_ID = 'dgw-stack';
const TOOL_GROUP_ID = 'dgw-tools';

let shipment: Shipment | null = null;
let engine: RenderingEngine | null = null;
const fileIds = new Map<number, string>();

export function useShipment(s: Shipment): void {
  shipment = s;
}

// ---------------------------------------------------------------------------------------------------------------
// Initialisation

let initialised = false;

export function initCornerstone(): void {
  if (initialised) return;
  initialised = true;
  coreInit();
  const caps = getRenderingCapabilities();
  // Without WebGL (some headless browsers), or with a software rasteriser that is slower than the CPU path.
  if (!caps.webgl || caps.softwareRasterizer) setUseCPURendering(true);
  loaderInit({
    maxWebWorkers: Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1)),
  });
  toolsInit();
  for (const tool of [StackScrollTool, WindowLevelTool, PanTool, ZoomTool, LengthTool, AngleTool]) addTool(tool);
  imageLoader.registerImageLoader('dgw', loadDgwImage as unknown as Types.ImageLoaderFn);
  metaData.addProvider(dgwMetadata, 10000);
}

function parseDgw(imageId: string): { ordinal: number; frame?: number } {
  const m = /^dgw:(\d+)(?:\/(\d+))?$/.exec(imageId);
  if (!m) throw new Error(`not a dgw image id: ${imageId}`);
  return { ordinal: Number(m[1]), frame: m[2] ? Number(m[2]) : undefined };
}

function mapped(imageId: string): string | undefined {
  const { ordinal, frame } = parseDgw(imageId);
  const fileId = fileIds.get(ordinal);
  if (!fileId) return undefined;
  return frame ? `${fileId}?frame=${frame}` : fileId;
}

/** Registers the decrypted instance with the DICOM image loader once; returns its "dicomfile:" id. */
export async function fileImageId(ordinal: number, urgent: boolean): Promise<string> {
  const known = fileIds.get(ordinal);
  if (known) return known;
  const blob = await shipment!.get(ordinal, urgent);
  const again = fileIds.get(ordinal);
  if (again) return again;
  const id = wadouri.fileManager.add(blob);
  fileIds.set(ordinal, id);
  return id;
}

function loadDgwImage(imageId: string, options: Record<string, unknown>): { promise: Promise<Types.IImage> } {
  const promise = (async () => {
    const { ordinal, frame } = parseDgw(imageId);
    const fileId = await fileImageId(ordinal, true);
    const target = frame ? `${fileId}?frame=${frame}` : fileId;
    // The CPU renderer mishandles pre-scaled (modality-LUT applied, floating-point) pixels of 8-bit images with a
    // rescale slope: it drew a JPEG Baseline CT slice black. Unscaled pixels let it apply the modality LUT itself.
    const loadOptions = getShouldUseCPURendering() ? { ...options, preScale: { enabled: false } } : options;
    const image = (await wadouri.loadImageFromNaturalizedMetadata(target, loadOptions).promise) as Types.IImage;
    image.imageId = imageId;
    return image;
  })();
  return { promise };
}

function dgwMetadata(type: string, imageId: string): unknown {
  if (typeof imageId !== 'string' || !imageId.startsWith('dgw:')) return undefined;
  const target = mapped(imageId);
  return target ? metaData.get(type, target) : undefined;
}

/** Number of frames of a Part-10 file (1 when the attribute is absent), read from its first bytes if they suffice. */
export function framesIn(bytes: Uint8Array): number {
  try {
    return parse(bytes);
  } catch {
    return 1;
  }
}

const parse = (bytes: Uint8Array) => Math.max(1, dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' }).intString('x00280008') ?? 1);

export async function frameCount(blob: Blob): Promise<number> {
  try {
    return parse(new Uint8Array(await blob.slice(0, 256 * 1024).arrayBuffer()));
  } catch {
    try {
      return parse(new Uint8Array(await blob.arrayBuffer()));
    } catch {
      return 1;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The viewport

export interface ViewerCallbacks {
  onRendered: () => void;
}

let callbacks: ViewerCallbacks | null = null;

export function setupViewport(element: HTMLDivElement, cb: ViewerCallbacks): Types.IStackViewport {
  callbacks = cb;
  if (!engine) {
    engine = new RenderingEngine(ENGINE_ID);
    engine.enableElement({ viewportId: VIEWPORT_ID, type: Enums.ViewportType.STACK, element, defaultOptions: { background: [0, 0, 0] } });
    element.addEventListener(Enums.Events.IMAGE_RENDERED, () => callbacks?.onRendered());
    element.addEventListener(Enums.Events.VOI_MODIFIED, () => callbacks?.onRendered());
    element.addEventListener('contextmenu', (e) => e.preventDefault());
    const group = ToolGroupManager.createToolGroup(TOOL_GROUP_ID)!;
    for (const tool of [StackScrollTool, WindowLevelTool, PanTool, ZoomTool, LengthTool, AngleTool]) group.addTool(tool.toolName);
    group.addViewport(VIEWPORT_ID, ENGINE_ID);
    group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Wheel }] });
    setPrimaryTool('wl');
    window.addEventListener('resize', () => engine?.resize(true, true));
  }
  return viewport();
}

export function viewport(): Types.IStackViewport {
  return engine!.getViewport(VIEWPORT_ID) as Types.IStackViewport;
}

export type PrimaryTool = 'wl' | 'pan' | 'zoom' | 'length' | 'angle';

const toolNames: Record<PrimaryTool, string> = {
  wl: WindowLevelTool.toolName,
  pan: PanTool.toolName,
  zoom: ZoomTool.toolName,
  length: LengthTool.toolName,
  angle: AngleTool.toolName,
};

/** The left button (and one finger) runs the chosen tool; middle drag always pans, right drag always zooms. */
export function setPrimaryTool(tool: PrimaryTool): void {
  const group = ToolGroupManager.getToolGroup(TOOL_GROUP_ID)!;
  const { Primary, Auxiliary, Secondary } = ToolEnums.MouseBindings;
  for (const name of [WindowLevelTool.toolName, LengthTool.toolName, AngleTool.toolName]) group.setToolPassive(name);
  group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: Auxiliary }] });
  group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: Secondary }] });
  const bindings = [{ mouseButton: Primary }];
  if (tool === 'pan') bindings.push({ mouseButton: Auxiliary });
  if (tool === 'zoom') bindings.push({ mouseButton: Secondary });
  group.setToolActive(toolNames[tool], { bindings });
}

/** Resolves after the viewport's next render. */
export function nextRender(element: HTMLElement, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      element.removeEventListener(Enums.Events.IMAGE_RENDERED, done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    element.addEventListener(Enums.Events.IMAGE_RENDERED, done);
  });
}

export function getVoi(vp: Types.IStackViewport): { width: number; center: number } {
  const range = vp.getProperties().voiRange;
  if (!range) return { width: 0, center: 0 };
  const { windowWidth, windowCenter } = csUtils.windowLevel.toWindowLevel(range.lower, range.upper);
  return { width: windowWidth, center: windowCenter };
}

export async function applyVoi(vp: Types.IStackViewport, width: number, center: number): Promise<void> {
  const rendered = nextRender(vp.element);
  vp.setProperties({ voiRange: csUtils.windowLevel.toLowHighRange(width, center) });
  vp.render();
  await rendered;
}
