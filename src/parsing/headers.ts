import type { Field } from "../domain/columnMapping.ts";

/**
 * Header names suppliers use, in English, French, German, Spanish, Italian, Dutch and Portuguese,
 * written without accents: headers are compared accent- and case-free, with units and currencies removed.
 */
const SYNONYMS: Record<Field, string[]> = {
  sku: [
    // en
    "sku",
    "item #",
    "item no",
    "item number",
    "vendor sku",
    "supplier sku",
    "reference",
    "ref",
    "part number",
    "part no",
    "product code",
    "code",
    "article number",
    "model",
    "style",
    "mpn",
    // fr
    "reference article",
    "ref article",
    "code article",
    "no article",
    "numero article",
    "numero d article",
    "code produit",
    // de
    "artikel",
    "artikelnummer",
    "artikel nr",
    "artikelnr",
    "art nr",
    "art no",
    "bestellnummer",
    "best nr",
    "lieferantenartikelnummer",
    // es
    "referencia",
    "codigo",
    "codigo articulo",
    "codigo producto",
    "cod",
    "ref proveedor",
    // it
    "riferimento",
    "codice",
    "codice articolo",
    "cod articolo",
    "articolo",
    // nl
    "artikelcode",
    "artikelnummer leverancier",
    "bestelcode",
    // pt
    "referencia produto",
    "codigo do produto",
    "codigo do artigo",
  ],
  title: [
    "title",
    "description",
    "desc",
    "product name",
    "product",
    "item description",
    "name",
    "product description",
    "designation",
    "libelle",
    "descriptif",
    "produit",
    "nom",
    "nom du produit",
    "description article",
    "bezeichnung",
    "beschreibung",
    "artikelbezeichnung",
    "produkt",
    "produktname",
    "artikelbeschreibung",
    "descripcion",
    "producto",
    "nombre del producto",
    "articulo",
    "descrizione",
    "prodotto",
    "nome",
    "nome prodotto",
    "denominazione",
    "omschrijving",
    "beschrijving",
    "productnaam",
    "naam",
    "artikelomschrijving",
    "descricao",
    "produto",
    "nome do produto",
    "designacao",
  ],
  quantity: [
    "quantity",
    "qty",
    "qty ordered",
    "order qty",
    "ordered",
    "units",
    "pcs",
    "pieces",
    "quantity ordered",
    "quantite",
    "qte",
    "quantite commandee",
    "qte commandee",
    "menge",
    "anzahl",
    "stuck",
    "stk",
    "bestellmenge",
    "liefermenge",
    "cantidad",
    "cant",
    "cantidad pedida",
    "unidades",
    "uds",
    "quantita",
    "qta",
    "quantita ordinata",
    "pezzi",
    "pz",
    "aantal",
    "hoeveelheid",
    "besteld",
    "stuks",
    "quantidade",
    "qtd",
    "qtde",
    "quant",
    "unid",
  ],
  unitCost: [
    "unit cost",
    "unit price",
    "cost",
    "price",
    "price each",
    "cost each",
    "net price",
    "wholesale",
    "wholesale price",
    "rate",
    "cost price",
    "prix",
    "prix unitaire",
    "pu",
    "p u",
    "cout unitaire",
    "prix d achat",
    "prix net",
    "tarif",
    "preis",
    "einzelpreis",
    "stuckpreis",
    "ek preis",
    "einkaufspreis",
    "ek",
    "nettopreis",
    "preis je einheit",
    "precio",
    "precio unitario",
    "coste",
    "coste unitario",
    "costo",
    "precio neto",
    "prezzo",
    "prezzo unitario",
    "costo unitario",
    "prezzo netto",
    "prijs",
    "stukprijs",
    "eenheidsprijs",
    "inkoopprijs",
    "prijs per stuk",
    "preco",
    "preco unitario",
    "custo",
    "custo unitario",
    "valor unitario",
  ],
  // Taken from a header only: by content, a barcode is a code like any SKU.
  barcode: [
    "barcode",
    "bar code",
    "ean",
    "ean13",
    "ean 13",
    "ean code",
    "gtin",
    "upc",
    "upc code",
    "code barres",
    "code barre",
    "code ean",
    "strichcode",
    "ean nummer",
    "codigo barras",
    "codigo ean",
    "codice a barre",
    "codice ean",
    "streepjescode",
  ],
};

/** Words that carry a unit, a currency or a tax basis, not the column's meaning: `Cost (USD)`, `Prix unitaire HT`. */
const NOISE = new Set(
  (
    "usd eur gbp chf cad aud sek nok dkk jpy pln czk brl mxn $ € £ ¥ ht ttc hors taxe taxes tax excl excluding incl including " +
    "vat tva mwst ust iva btw netto nett brutto per pro je par the de du la le en in of"
  ).split(" "),
);
/** A column that is a line's extended amount or a tax, never a unit cost nor a quantity. */
const EXTENDED = new Set(
  "total totaal amount montant betrag gesamt gesamtpreis gesamtbetrag importe importo bedrag subtotal extended ext sum summe somme valor".split(
    " ",
  ),
);

export const normalizeHeader = (text: string) =>
  text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/n[°º]/g, "no ")
    .replace(/[()[\]{}]/g, " ")
    .replace(/[^a-z0-9#$€£¥]+/g, " ")
    .replace(/([a-z])#/g, "$1 #")
    .trim();

const words = (text: string) => normalizeHeader(text).split(" ").filter(Boolean);

const exact = new Map<string, Field>();
const phrases: { field: Field; words: string[] }[] = [];
for (const [field, names] of Object.entries(SYNONYMS) as [Field, string[]][]) {
  for (const name of names) {
    const key = words(name).join(" ");
    if (!exact.has(key)) exact.set(key, field);
    phrases.push({ field, words: words(name) });
  }
}
// Longest phrase first, so `unit price` beats `price` and `item number` beats `item`.
phrases.sort((a, b) => b.words.length - a.words.length);

export type HeaderMatch = { field: Field; confidence: number };

/**
 * What a header names: an exact synonym once units and currencies are set aside (confidence 1), or a
 * synonym inside a longer header such as `Supplier item number` (0.8). Extended amounts name nothing.
 */
export function matchHeader(header: string): HeaderMatch | undefined {
  const all = words(header);
  if (all.some((w) => EXTENDED.has(w))) return undefined;
  const meaningful = all.filter((w) => !NOISE.has(w));
  if (meaningful.length === 0) return undefined;
  const field = exact.get(meaningful.join(" "));
  if (field) return { field, confidence: 1 };
  const contained = phrases.find((p) => containsRun(meaningful, p.words));
  return contained && { field: contained.field, confidence: 0.8 };
}

const containsRun = (haystack: string[], needle: string[]) =>
  haystack.some((_, start) => needle.every((word, i) => haystack[start + i] === word));

const TOTAL_WORDS =
  "sub-?total|tax|vat|gst|total|grand total|shipping|freight|carriage|discount|handling|sous-?total|tva|frais de port|port|remise|" +
  "zwischensumme|summe|gesamt|gesamtsumme|mwst|versand|versandkosten|fracht|rabatt|envio|transporte|descuento|iva|totale|subtotale|" +
  "spedizione|trasporto|sconto|totaal|subtotaal|verzendkosten|korting|btw|frete|desconto|portes";
/** A label and at most a few qualifiers: `Total HT`, `VAT 20%`, `Shipping & handling:`, never `Shipping box`. */
const TOTALS = new RegExp(
  `^(${TOTAL_WORDS})(\\s*(\\(.*\\)|[\\d.,]+\\s*%|ht|ttc|net|gross|excl\\.?|incl\\.?|vat|tva|tax|iva|mwst|btw|due|amount|cost|costs|charges?|&|and|handling|${TOTAL_WORDS}|usd|eur|gbp|€|\\$))*\\s*:?$`,
  "i",
);
export const isTotalsLabel = (text: string) => TOTALS.test(text.normalize("NFD").replace(/\p{M}/gu, "").trim());
