import { el } from './lib/dom';
import { hasPage, PACKAGES } from './packages';
import { experiments } from './registry';
import './styles.css';

const grid = el('div', { class: 'grid packages' });
for (const p of PACKAGES) {
  const ready = hasPage(p.slug);
  const count = experiments.filter((e) => e.pkg === p.name).length;
  grid.append(
    el(
      'article',
      { class: `card package ${ready ? 'ready' : 'coming'}`, 'data-package': p.name },
      el(
        'h2',
        {},
        ready ? el('a', { href: `pages/${p.slug}.html` }, el('code', {}, p.name)) : el('code', {}, p.name),
        ' ',
        el('span', { class: `badge ${ready ? 'ok' : 'coming'}` }, ready ? 'demo' : 'coming'),
      ),
      // A picture of the page (its quick run card), where the build has one.
      ready && __DEMO_THUMBS__.includes(p.slug)
        ? el('a', { href: `pages/${p.slug}.html`, class: 'thumb', tabindex: '-1' }, el('img', { src: `screenshots/${p.slug}-1400.png`, alt: `The ${p.name} demo page: an experiment's result and plots`, loading: 'lazy' }))
        : null,
      el('p', {}, p.blurb),
      p.papers.length > 0 ? el('ul', { class: 'papers-list' }, ...p.papers.map((t) => el('li', {}, t))) : null,
      ready
        ? el('p', { class: 'muted' }, el('a', { href: `pages/${p.slug}.html` }, 'Open the demo page →'), count ? ` · ${count} experiment${count > 1 ? 's' : ''}` : '')
        : el('p', { class: 'muted' }, 'Demo page coming.'),
      p.slug === 'peft' && hasPage('adapter-workbench')
        ? el('p', { class: 'muted' }, el('a', { href: 'pages/adapter-workbench.html' }, 'Adapter workbench →'), ' a .safetensors model in, PiSSA or a merged PEFT adapter out')
        : null,
    ),
  );
}

/** Apps that combine the packages (apps/*), each with its own page. */
function appsSection(): HTMLElement | null {
  if (!hasPage('lm')) return null;
  return el(
    'section',
    { class: 'apps' },
    el('h2', {}, 'Apps'),
    el(
      'div',
      { class: 'grid' },
      el(
        'article',
        { class: 'card app', 'data-app': '@x/lm' },
        el('h2', {}, el('a', { href: 'pages/lm.html' }, el('code', {}, '@x/lm')), ' ', el('span', { class: 'badge ok' }, 'app')),
        el('p', {}, 'Pre-train a small character-level llama-style language model on prose, fine-tune it on TypeScript with full fine-tuning, LoRA, PiSSA, LoRA-XS/SB and LoLDU, AdamW vs Muon vs DCT-AdamW, and KAT vs MLP: live loss curves, Abort and Resume.'),
        el('p', { class: 'muted' }, el('a', { href: 'pages/lm.html' }, 'Open the language-model page →')),
      ),
    ),
  );
}

document.body.append(
  el(
    'header',
    {},
    el('h1', {}, '@x demos'),
    el(
      'p',
      { class: 'intro' },
      'Small composable TypeScript packages for structured and low-rank matrices, neural-network building blocks and the papers built on them. Each package has a page that runs its papers\' experiments live in your browser (in a Web Worker) and plots the results; GPU work goes through gpu.js on WebGL2.',
    ),
  ),
  el('main', {}, grid, appsSection()),
);
document.body.dataset.status = 'done';
window.__results = {
  page: 'home',
  done: true,
  ok: true,
  experiments: [],
  packages: PACKAGES.map((p) => ({ name: p.name, page: hasPage(p.slug) ? `pages/${p.slug}.html` : null })),
};
