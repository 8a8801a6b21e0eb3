import type { Action } from 'svelte/action';

/**
 * Shows a MediaStream in a <video> (or <audio>) element: `<video use:mediaStream={stream}>`.
 * `srcObject` is a property, not an attribute, so Svelte cannot bind it directly.
 */
export const mediaStream: Action<HTMLMediaElement, MediaStream | undefined> = (node, stream) => {
  const show = (next: MediaStream | undefined) => {
    if (node.srcObject !== (next ?? null)) {
      node.srcObject = next ?? null;
    }
  };
  show(stream);
  return {
    update: show,
    destroy: () => {
      node.srcObject = null;
    }
  };
};
