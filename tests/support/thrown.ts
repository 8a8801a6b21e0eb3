/**
 * Test support: the `name` of what a function throws, so that a test asserts on error names
 * (STYLE.md: never on message text), and "no error" when it returns.
 *
 * @example
 * expect(thrownName(() => parseNetworkJson('{'))).toBe('InvalidNetworkConfigError')
 */
export function thrownName(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).name;
  }
  return 'no error';
}
