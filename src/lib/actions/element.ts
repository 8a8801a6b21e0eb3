import type { Action } from 'svelte/action';

/*
 * Small actions in place of `bind:this` and `bind:clientWidth`: the runtime for actions is in
 * every page already, while each binding kind would add its own code to the shared runtime
 * chunk that the start page loads first (bundle budget: `npm run bench:bundle`).
 */

/** Hands the element to `set` when it is created, and undefined when it goes. */
export const ref: Action<HTMLElement, (element: HTMLElement | undefined) => void> = (node, set) => {
  set(node);
  return {
    destroy: () => set(undefined)
  };
};

/** Tells `update` the element's content box size now and whenever it changes. */
export const resize: Action<HTMLElement, (width: number, height: number) => void> = (
  node,
  update
) => {
  let callback = update;
  const observer = new ResizeObserver(([entry]) => {
    const box = entry?.contentRect;
    if (box !== undefined) {
      callback(box.width, box.height);
    }
  });
  observer.observe(node);
  return {
    update: (next) => {
      callback = next;
    },
    destroy: () => observer.disconnect()
  };
};
