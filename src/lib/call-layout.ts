/**
 * How the call screen arranges video tiles: pure functions, so the arithmetic is tested in Node
 * and the components only measure and apply it.
 */

/** The shape of camera video (and of most screens): tiles are sized for it. */
export const VIDEO_ASPECT = 16 / 9;

export interface GridShape {
  readonly columns: number;
  readonly rows: number;
}

/**
 * The grid of `count` tiles that shows each one largest in a stage of `width` × `height`: for
 * every column count, the tile is the largest 16:9 box that fits its cell; the shape with the
 * largest tile wins, and on a tie the one with fewer empty cells. One tile fills the stage.
 *
 * @example
 * gridShape(2, 1280, 640) // { columns: 2, rows: 1 } (side by side on a laptop)
 * gridShape(2, 390, 700)  // { columns: 1, rows: 2 } (one above the other on a phone)
 */
export function gridShape(count: number, width: number, height: number): GridShape {
  if (count <= 1 || width <= 0 || height <= 0) {
    return { columns: 1, rows: 1 };
  }
  let best = { columns: 1, rows: count, area: -1, empty: 0 };
  for (let columns = 1; columns <= count; columns++) {
    const rows = Math.ceil(count / columns);
    const cellWidth = width / columns;
    const cellHeight = height / rows;
    const tileWidth = Math.min(cellWidth, cellHeight * VIDEO_ASPECT);
    const area = tileWidth * (tileWidth / VIDEO_ASPECT);
    const empty = columns * rows - count;
    // 0.1 % is the same size to the eye: then the fuller grid wins.
    if (area > best.area * 1.001 || (area >= best.area * 0.999 && empty < best.empty)) {
      best = { columns, rows, area, empty };
    }
  }
  return { columns: best.columns, rows: best.rows };
}

/**
 * Who is shown large in the speaker view: the pinned participant if still present, else the one
 * speaking now, else the last one who spoke while still present, else the first.
 */
export function mainTile<T extends { readonly peerId: string; readonly speaking?: boolean }>(
  participants: readonly T[],
  pinned: string | undefined,
  lastSpeaker: string | undefined
): T | undefined {
  const find = (id: string | undefined) =>
    id === undefined ? undefined : participants.find((p) => p.peerId === id);
  return (
    find(pinned) ??
    participants.find((p) => p.speaking === true) ??
    find(lastSpeaker) ??
    participants[0]
  );
}
