/**
 * The BackendError text when gpu.js cannot be imported by name. In a bundle that is the usual
 * case even with gpu.js installed, so the message leads with passing the module.
 */
import { describe, expect, it } from 'vitest';
import { gpujsLoadFailure } from '../src/device/gpujs';

describe('gpu.js load failure message', () => {
  it('says to pass the module in a bundle, and to install it otherwise', () => {
    const text = gpujsLoadFailure("Failed to resolve module specifier 'gpu.js'");
    expect(text).toContain("Failed to resolve module specifier 'gpu.js'");
    expect(text).toContain("gpujs: await import('gpu.js')");
    expect(text.indexOf('pass the module')).toBeLessThan(text.indexOf('npm i gpu.js'));
  });
});
