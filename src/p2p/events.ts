/**
 * Typed events for the core's classes: libp2p's own typed EventTarget (main-event), so that a
 * listener gets `CustomEvent<Detail>` of the event it names, and an event map written once, on
 * the class that emits it, replaces a cast at every listener.
 *
 * @example
 * interface Events { step: CustomEvent<string> }
 * class Thing extends Emitter<Events> { go() { this.emit('step', 'ready') } }
 * new Thing().addEventListener('step', (e) => e.detail.toUpperCase())
 */
import { TypedEventEmitter } from 'main-event';

export type { TypedEventTarget } from 'main-event';

/**
 * The map of a class's events: each a CustomEvent whose detail is the event's payload. (`any`
 * as main-event has it: an interface has no index signature, and cannot satisfy `unknown`.)
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventMap = Record<string, any>;

/** The detail type of event `K` in map `M`. */
export type DetailOf<M extends EventMap, K extends keyof M> =
  M[K] extends CustomEvent<infer D> ? D : never;

export class Emitter<M extends EventMap> extends TypedEventEmitter<M> {
  /** Dispatches event `type` with `detail`, checked against the class's event map. */
  protected emit<K extends keyof M & string>(type: K, detail: DetailOf<M, K>): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
