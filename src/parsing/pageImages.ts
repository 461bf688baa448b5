import { encode } from "fast-png";
import { extractImages, getDocumentProxy } from "unpdf";

export type PageImage = { page: number; png: Uint8Array };

/**
 * A scanned PDF's pages as PNG images, for models that read images, not PDFs. A scanner stores each
 * page as one picture filling it: the page's largest image is its scan. Pages without an image
 * (blank, or drawn with vector graphics only) are left out.
 */
export async function pageImages(bytes: Uint8Array): Promise<PageImage[]> {
  const pdf = await getDocumentProxy(new Uint8Array(bytes));
  const pages: PageImage[] = [];
  for (let page = 1; page <= pdf.numPages; page++) {
    const images = await extractImages(pdf, page);
    const scan = images.sort((a, b) => b.width * b.height - a.width * a.height)[0];
    if (!scan) continue;
    const data = new Uint8Array(scan.data.buffer, scan.data.byteOffset, scan.data.byteLength);
    pages.push({ page, png: encode({ width: scan.width, height: scan.height, data, channels: scan.channels }) });
  }
  return pages;
}
