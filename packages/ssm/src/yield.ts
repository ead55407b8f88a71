/**
 * Gives the event loop a turn (a macrotask, so a browser can repaint progress and deliver an
 * abort); long loops call it every few steps. Works in browsers and Node.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
