// Photos as the window prepares them: the picked file is recognised by its content (JPEG or
// PNG magic bytes, never its name), downscaled in a canvas to at most MAX_SIDE pixels on its
// long side and re-encoded as JPEG, and sent base64. Shown from data: URLs, which the content
// security policy allows for images (nothing remote).

/** The long side of a photo after the downscale, in pixels. */
export const MAX_SIDE = 800;
/** JPEG quality of the downscaled photo. */
export const JPEG_QUALITY = 0.85;
/** The largest photo the registry takes (regjistri_domain::photo::MAX_PHOTO_BYTES). */
export const MAX_PHOTO_BYTES = 512 * 1024;

export type PhotoMediaType = "image/jpeg" | "image/png";

export interface PreparedPhoto {
  mediaType: PhotoMediaType;
  base64: string;
  /** The size sent, in bytes. */
  size: number;
}

/** Why a picked file cannot be sent: the same codes as the Rust side. */
export class PhotoProblem extends Error {
  constructor(readonly code: "photo_format" | "photo_too_large") {
    super(code);
  }
}

/** What the bytes are, by their first bytes. */
export function sniff(bytes: Uint8Array): PhotoMediaType | null {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return "image/png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  return null;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** The data: URL of a photo's image. */
export function dataUrl(mediaType: string, base64: string): string {
  return `data:${mediaType};base64,${base64}`;
}

async function bytesOf(blob: Blob): Promise<Uint8Array> {
  if (typeof blob.arrayBuffer === "function") return new Uint8Array(await blob.arrayBuffer());
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(blob);
  });
}

/** The width and height that fit `width` × `height` within MAX_SIDE, keeping the proportions. */
export function fitted(width: number, height: number): { width: number; height: number } {
  const long = Math.max(width, height);
  if (long <= MAX_SIDE) return { width, height };
  const k = MAX_SIDE / long;
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}

/** The picture redrawn within MAX_SIDE as JPEG, or null where the webview cannot (no canvas). */
async function downscale(blob: Blob): Promise<Uint8Array | null> {
  if (typeof createImageBitmap !== "function" || typeof document === "undefined") return null;
  const bitmap = await createImageBitmap(blob);
  const size = fitted(bitmap.width, bitmap.height);
  const canvas = document.createElement("canvas");
  canvas.width = size.width;
  canvas.height = size.height;
  const context = canvas.getContext("2d");
  if (!context) return null;
  context.drawImage(bitmap, 0, 0, size.width, size.height);
  bitmap.close();
  const jpeg = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
  return jpeg ? bytesOf(jpeg) : null;
}

/**
 * A picked file made ready to send: refused unless it is a JPEG or PNG; downscaled where the
 * webview can draw it (else sent as it is); refused when still over MAX_PHOTO_BYTES. The Rust
 * side checks everything again.
 */
export async function preparePhoto(file: Blob): Promise<PreparedPhoto> {
  const original = await bytesOf(file);
  const kind = sniff(original);
  if (!kind) throw new PhotoProblem("photo_format");
  let scaled: Uint8Array | null = null;
  try {
    scaled = await downscale(file);
  } catch {
    // A picture the webview cannot decode is damaged: refused like a wrong format.
    throw new PhotoProblem("photo_format");
  }
  const bytes = scaled ?? original;
  const mediaType = scaled ? "image/jpeg" : kind;
  if (bytes.length > MAX_PHOTO_BYTES) throw new PhotoProblem("photo_too_large");
  return { mediaType, base64: toBase64(bytes), size: bytes.length };
}
