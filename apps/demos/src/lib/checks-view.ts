/**
 * The checks of an experiment result as a list under its summary: one line per part of the
 * claim with its verdict (holds / does not hold), marked "not asserted" where the part is
 * reported only (a paper claim that does not reproduce, or one undecided at quick size).
 */
import { el } from './dom';
import type { ExperimentResult } from './experiment';

/** A `<ul class="checks">` with one `<li data-holds data-asserted>` per check. */
export function checksList(r: Pick<ExperimentResult, 'checks'>): HTMLElement {
  const items = (r.checks ?? []).map((c) => {
    const asserted = c.asserted !== false;
    const verdict = c.holds ? 'holds' : 'does not hold';
    return el(
      'li',
      { class: `check ${c.holds ? 'holds' : 'fails'}${asserted ? '' : ' reported'}`, 'data-holds': String(c.holds), 'data-asserted': String(asserted) },
      el('span', { class: 'verdict', 'aria-label': verdict }, c.holds ? '✓' : '✗'),
      ' ',
      c.statement,
      ': ',
      el('span', { class: 'measured' }, c.measured),
      asserted ? '' : el('span', { class: 'muted' }, ' (reported, not asserted)'),
    );
  });
  return el('ul', { class: 'checks', 'aria-label': 'checks of the claim' }, ...items);
}
