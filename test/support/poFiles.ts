import ExcelJS from "exceljs";
import { encode } from "fast-png";
import { PDFDocument, StandardFonts } from "pdf-lib";

/** A supplier's workbook as they come: a cover sheet, a preamble, merged headers, currency formats, formulas and totals. */
export async function supplierWorkbook(): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet("Cover").addRows([["Purchase order"], ["Prepared for Acme Outdoor"]]);
  const sheet = workbook.addWorksheet("Order");
  sheet.addRow(["Nordic Supply AB"]);
  sheet.addRow(["Storgatan 1, 111 22 Stockholm"]);
  sheet.addRow(["Order date", new Date("2026-11-30")]);
  sheet.addRow([]);
  sheet.addRow(["Artikelnummer", "Bezeichnung", "", "Menge", "Einzelpreis (EUR)", "Gesamt"]);
  sheet.mergeCells("B5:C5");
  sheet.addRow(["NS-100", "Kaffeebecher, blau", "", 4, 2.5, { formula: "D6*E6", result: 10 }]);
  const boldOak = { richText: [{ text: "Schneidebrett " }, { text: "Eiche", font: { bold: true } }] };
  sheet.addRow(["NS-200", boldOak, "", 2, 19.9, { formula: "D7*E7", result: 39.8 }]);
  sheet.addRow([]);
  sheet.addRow(["NS-300", "Teekanne", "", { formula: "1+2", result: 3 }, 1234.5, { formula: "D9*E9", result: 3703.5 }]);
  sheet.addRow(["Summe", "", "", { formula: "SUM(D6:D9)", result: 9 }, "", { formula: "SUM(F6:F9)", result: 3753.3 }]);
  sheet.addRow(["MwSt 19%", "", "", "", "", { formula: "F10*0.19", result: 713.13 }]);
  for (const row of [6, 7, 9]) sheet.getCell(`E${row}`).numFmt = '#,##0.00 "€"';
  workbook.addWorksheet("Notes").addRows([
    ["SKU", "Qty"],
    ["IGNORED-1", 99],
  ]);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

/** A workbook of `rows` plain line items, for the benchmark. */
export async function largeWorkbook(rows: number): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("PO");
  sheet.addRow(["SKU", "Description", "Qty", "Unit cost"]);
  for (let i = 1; i <= rows; i++)
    sheet.addRow([`SKU-${i}`, `Product number ${i}`, (i % 9) + 1, { formula: `${i % 50}+0.99`, result: (i % 50) + 0.99 }]);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

export type PdfLine = { sku: string; title: string[]; qty: string; price: string; amount: string };
export type PdfOptions = { repeatHeader?: boolean; linesPerPage?: number; header?: string[] };

/**
 * A PO as a supplier's software prints it: company and address above, a table with right-aligned
 * amounts, descriptions that wrap, page footers, then totals, freight and a note.
 */
export async function supplierPdf(
  lines: PdfLine[],
  { repeatHeader = true, linesPerPage = 20, header }: PdfOptions = {},
): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const size = 10;
  const headers = header ?? ["Item #", "Description", "Qty", "Unit Price", "Amount"];
  const left = [40, 120];
  const right = [380, 460, 550];
  const pages = Math.max(1, Math.ceil(lines.length / linesPerPage));
  const drawRight = (page: ReturnType<typeof pdf.addPage>, text: string, x: number, y: number, f = font) =>
    page.drawText(text, { x: x - f.widthOfTextAtSize(text, size), y, size, font: f });
  for (let p = 0; p < pages; p++) {
    const page = pdf.addPage([595, 842]);
    let y = 800;
    if (p === 0) {
      for (const text of ["Trailhead Supply Co.", "42 Ridge Road, Boulder, CO 80302", "Purchase Order PO-7781   Date: 2026-11-30"]) {
        page.drawText(text, { x: 40, y, size, font });
        y -= 16;
      }
      y -= 20;
    } else (page.drawText("Trailhead Supply Co. - PO-7781", { x: 40, y, size, font }), (y -= 30));
    if (p === 0 || repeatHeader) {
      page.drawText(headers[0]!, { x: left[0]!, y, size, font: bold });
      page.drawText(headers[1]!, { x: left[1]!, y, size, font: bold });
      headers.slice(2).forEach((h, i) => drawRight(page, h, right[i]!, y, bold));
      y -= 18;
    }
    for (const line of lines.slice(p * linesPerPage, (p + 1) * linesPerPage)) {
      page.drawText(line.sku, { x: left[0]!, y, size, font });
      page.drawText(line.title[0]!, { x: left[1]!, y, size, font });
      [line.qty, line.price, line.amount].forEach((v, i) => drawRight(page, v, right[i]!, y));
      for (const more of line.title.slice(1)) {
        y -= 12;
        page.drawText(more, { x: left[1]!, y, size, font });
      }
      y -= 16;
    }
    if (p < pages - 1) page.drawText("Continued on next page", { x: 240, y: 60, size, font });
    else {
      y -= 10;
      for (const [label, value] of [
        ["Subtotal", "1,000.00"],
        ["Freight", "25.00"],
        ["Total", "1,025.00"],
      ]) {
        page.drawText(label!, { x: 380, y, size, font });
        drawRight(page, value!, 550, y);
        y -= 14;
      }
      page.drawText("Thank you for your business. Payment due in 30 days.", { x: 40, y: y - 20, size, font });
    }
    page.drawText(`Page ${p + 1} of ${pages}`, { x: 270, y: 40, size, font });
  }
  return pdf.save();
}

/** A page with no text at all, as a scanner makes it. */
/**
 * A scan as a scanner writes it: no text layer, each page one picture filling it (a grey page with
 * a darker band per page, so each page's image differs). `withImages: false` draws vector lines only.
 */
export async function scannedPdf({ pages = 1, withImages = true } = {}): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  for (let number = 1; number <= pages; number++) {
    const page = pdf.addPage([595, 842]);
    if (!withImages) {
      page.drawRectangle({ x: 40, y: 700, width: 200, height: 40 });
      continue;
    }
    const [width, height] = [60, 85];
    const pixels = new Uint8Array(width * height).map((_, i) => (Math.floor(i / width) % 20 < number * 3 ? 80 : 230));
    const image = await pdf.embedPng(encode({ width, height, data: pixels, channels: 1 }));
    page.drawImage(image, { x: 0, y: 0, width: 595, height: 842 });
  }
  return pdf.save();
}
