// Usage: node measure.mjs URL [URL...]  — runs window.runBench(n) in headless Chromium and prints medians.
// Copied from the shared peer harness; SIZES (comma-separated) and RUNS can be set from the environment,
// and a page's extra `threadNodes` (elements inside the thread) and `buildMs` (the part of renderMs before
// layout) are printed when it reports them.
import { chromium } from 'playwright-core';
const sizes = (process.env.SIZES || '100,1000,5000').split(',').map(Number);
const runs = Number(process.env.RUNS || 7);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const url of process.argv.slice(2)) {
  const page = await browser.newPage({ viewport: { width: 420, height: 700 } });
  await page.goto(url); await page.waitForFunction(() => typeof window.runBench === 'function');
  for (const n of sizes) {
    const r = [];
    for (let i = 0; i < runs; i++) r.push(await page.evaluate((n) => window.runBench(n), n));
    const extra = r[0].threadNodes === undefined ? {} : { threadNodes: r[0].threadNodes, buildMs: +median(r.map(x => x.buildMs)).toFixed(1) };
    console.log(JSON.stringify({ url, n, renderMs: +median(r.map(x => x.renderMs)).toFixed(1), paintMs: +median(r.map(x => x.paintMs)).toFixed(1), nodes: r[0].nodes, ...extra }));
  }
  await page.close();
}
await browser.close();
