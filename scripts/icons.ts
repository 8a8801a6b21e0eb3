// Renders the PNG icons of the web manifest from static/icons/favicon.svg with the same Chromium
// the tests use. Run it after changing the SVG: `node scripts/icons.ts`; the PNGs are committed.
import { readFile, writeFile } from 'node:fs/promises';
import { chromium } from '@playwright/test';
import { chromiumPath } from './chromium.ts';

const svg = await readFile('static/icons/favicon.svg', 'utf8');
const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
try {
  const page = await browser.newPage();
  const outputs = [
    { file: 'icon-192.png', size: 192, padding: 0 },
    { file: 'icon-512.png', size: 512, padding: 0 },
    // Maskable icons keep their content inside the central 80 % safe zone (W3C manifest spec).
    { file: 'icon-maskable-512.png', size: 512, padding: 0.1 }
  ];
  for (const { file, size, padding } of outputs) {
    await page.setViewportSize({ width: size, height: size });
    const inset = Math.round(size * padding);
    await page.setContent(
      `<body style="margin:0;background:#1f5f5b"><div style="padding:${inset}px">` +
        svg.replace('<svg ', `<svg width="${size - 2 * inset}" height="${size - 2 * inset}" `) +
        '</div></body>'
    );
    await writeFile(`static/icons/${file}`, await page.screenshot({ omitBackground: false }));
  }
} finally {
  await browser.close();
}
