// What pdf.js (the reader of Firefox, which hands it to screen readers) reads in PDFs: for
// each file given, per page, the structure tree of `page.getStructTree()` and the text content
// of `page.getTextContent({includeMarkedContent: true})`, printed as one JSON object
// {"<file>": [{"tree": ..., "items": [...]}, ...]}; tests/readers/pdfjs.py joins the two.
import { readFile } from "node:fs/promises";

// pdf.js tells its warnings (no canvas: it draws nothing here) with console.log: they go to
// stderr, stdout holds the JSON only.
console.log = console.error;
const { getDocument, VerbosityLevel } = await import("pdfjs-dist/legacy/build/pdf.mjs");

async function read(path) {
  const data = new Uint8Array(await readFile(path));
  const document = await getDocument({
    data,
    verbosity: VerbosityLevel.ERRORS,
    useSystemFonts: false,
    disableFontFace: true,
    isEvalSupported: false,
  }).promise;
  const pages = [];
  for (let number = 1; number <= document.numPages; number++) {
    const page = await document.getPage(number);
    const tree = await page.getStructTree();
    const content = await page.getTextContent({ includeMarkedContent: true });
    // Only what a reader uses: the text and its line ends, the marked-content brackets.
    const items = content.items.map((item) =>
      item.type === undefined
        ? { str: item.str, eol: Boolean(item.hasEOL) }
        : { type: item.type, id: item.id ?? null, tag: item.tag ?? null },
    );
    pages.push({ tree, items });
    page.cleanup();
  }
  await document.destroy();
  return pages;
}

const result = {};
for (const path of process.argv.slice(2)) {
  result[path] = await read(path);
}
process.stdout.write(JSON.stringify(result));
