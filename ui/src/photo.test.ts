import { describe, expect, it } from "vitest";
import { FAKE_PHOTO_PNG } from "./backend/fake";
import { fitted, fromBase64, MAX_PHOTO_BYTES, MAX_SIDE, PhotoProblem, preparePhoto, sniff, toBase64 } from "./photo";

describe("photos in the window", () => {
  it("tells JPEG and PNG by their first bytes, never by a name", () => {
    const cases: [number[], string | null][] = [
      [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0], "image/png"],
      [[0xff, 0xd8, 0xff, 0xe0], "image/jpeg"],
      [[0x47, 0x49, 0x46, 0x38, 0x39, 0x61], null],
      [[0x42, 0x4d, 0, 0], null],
      [[0xff, 0xd8], null],
      [[], null],
    ];
    for (const [bytes, kind] of cases) expect(sniff(new Uint8Array(bytes))).toBe(kind);
  });

  it("fits the long side within 800 pixels and keeps the proportions", () => {
    const cases: [number, number, number, number][] = [
      [4000, 3000, 800, 600],
      [3000, 4000, 600, 800],
      [800, 800, 800, 800],
      [640, 480, 640, 480],
      [10000, 10, 800, 1],
    ];
    for (const [w, h, ew, eh] of cases) expect(fitted(w, h)).toEqual({ width: ew, height: eh });
    expect(MAX_SIDE).toBe(800);
  });

  it("round-trips base64 and refuses what is not a photo or too large", async () => {
    const bytes = fromBase64(FAKE_PHOTO_PNG);
    expect(toBase64(bytes)).toBe(FAKE_PHOTO_PNG);
    // jsdom cannot draw: the photo goes as it is.
    await expect(preparePhoto(new Blob([bytes as BlobPart]))).resolves.toEqual({
      mediaType: "image/png",
      base64: FAKE_PHOTO_PNG,
      size: bytes.length,
    });
    const refusal = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => (e instanceof PhotoProblem ? e.code : String(e)));
    expect(await refusal(preparePhoto(new Blob(["GIF89a"])))).toBe("photo_format");
    const big = new Uint8Array(MAX_PHOTO_BYTES + 1);
    big.set([0xff, 0xd8, 0xff]);
    expect(await refusal(preparePhoto(new Blob([big as BlobPart])))).toBe("photo_too_large");
  });
});
