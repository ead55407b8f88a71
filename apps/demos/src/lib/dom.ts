type Child = Node | string | null | undefined | false;

/** Creates an element: `el('a', { href: '#', class: 'x' }, 'text', otherNode)`. Text is never parsed as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) if (c) node.append(c);
  return node;
}

/** Formats a number for tables: fixed digits, or '-' when missing. */
export function fmt(v: number | undefined, digits = 2): string {
  return v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}
