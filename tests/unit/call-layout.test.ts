import { describe, expect, it } from 'vitest';
import { gridShape, mainTile } from '../../src/lib/call-layout.ts';

describe('gridShape', () => {
  it('fills the stage with one tile', () => {
    expect.hasAssertions();
    expect(gridShape(1, 1280, 640)).toEqual({ columns: 1, rows: 1 });
    expect(gridShape(0, 1280, 640)).toEqual({ columns: 1, rows: 1 });
  });

  it('puts two people side by side on a laptop and one above the other on a phone', () => {
    expect.hasAssertions();
    expect(gridShape(2, 1280, 640)).toEqual({ columns: 2, rows: 1 });
    expect(gridShape(2, 390, 700)).toEqual({ columns: 1, rows: 2 });
  });

  it('makes a 2 × 2 grid of four on a laptop and of three, with one cell empty', () => {
    expect.hasAssertions();
    expect(gridShape(4, 1280, 640)).toEqual({ columns: 2, rows: 2 });
    expect(gridShape(3, 1000, 700)).toEqual({ columns: 2, rows: 2 });
  });

  it('takes a wide stage for a row of three and a tall phone for a column of three', () => {
    expect.hasAssertions();
    expect(gridShape(3, 1800, 400)).toEqual({ columns: 3, rows: 1 });
    expect(gridShape(3, 390, 720)).toEqual({ columns: 1, rows: 3 });
  });

  it('grows to three columns for six people on a laptop', () => {
    expect.hasAssertions();
    expect(gridShape(6, 1280, 640)).toEqual({ columns: 3, rows: 2 });
  });
});

describe('mainTile', () => {
  const people = [{ peerId: 'a' }, { peerId: 'b', speaking: true }, { peerId: 'c' }];

  it('shows the pinned participant first, then the one speaking', () => {
    expect.hasAssertions();
    expect(mainTile(people, 'c', 'a')?.peerId).toBe('c');
    expect(mainTile(people, undefined, 'a')?.peerId).toBe('b');
  });

  it('keeps the last speaker while nobody speaks, and forgets who has gone', () => {
    expect.hasAssertions();
    const quiet = people.map(({ peerId }) => ({ peerId }));
    expect(mainTile(quiet, undefined, 'c')?.peerId).toBe('c');
    expect(mainTile(quiet, 'gone', 'gone')?.peerId).toBe('a');
    expect(mainTile([], undefined, undefined)).toBeUndefined();
  });
});
