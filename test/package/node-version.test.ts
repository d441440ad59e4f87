import { describe, expect, it } from 'vitest';
import { assertSupportedNode } from '../../src/node-version.js';

describe('the Node version check that runs before the package loads', () => {
  it('lets the required version and anything newer through, compared as numbers', () => {
    for (const found of ['22.15.0', '22.15.1', '22.100.0', '23.0.0', '24.21.0', '100.0.0']) {
      expect(() => assertSupportedNode('22.15.0', found), found).not.toThrow();
    }
  });

  it('refuses an older Node with a message naming the version found and the version required', () => {
    for (const found of ['22.14.9', '22.9.0', '20.20.2', '18.0.0']) {
      expect(() => assertSupportedNode('22.15.0', found), found).toThrow(
        expect.objectContaining({
          code: 'LOGKIT_NODE_UNSUPPORTED',
          message: expect.stringContaining(`needs Node.js >= 22.15.0, but this is Node.js ${found}`),
        }),
      );
    }
  });
});
