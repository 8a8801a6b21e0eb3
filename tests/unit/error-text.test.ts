import { describe, expect, it } from 'vitest';
import { MalformedMessageError, errorText } from '../../src/p2p/errors.ts';

describe('errorText', () => {
  it('gives an error its name and message', () => {
    expect(errorText(new MalformedMessageError('too long'))).toBe(
      'MalformedMessageError: too long'
    );
  });

  it('names a DOM event that was thrown (a WebSocket rejects with its error event)', () => {
    const target = new (class WebSocketLike extends EventTarget {})();
    let thrown: Event | undefined;
    target.addEventListener('error', (event) => (thrown = event));
    target.dispatchEvent(new Event('error'));
    expect(errorText(thrown)).toBe('error event of a WebSocketLike');
    expect(errorText(new Event('close'))).toBe('close event');
  });

  it('turns anything else into text', () => {
    expect(errorText('gone')).toBe('gone');
    expect(errorText(undefined)).toBe('undefined');
  });
});
