/**
 * A component loaded with import() when it is first wanted, for parts of a page that must not
 * weigh on its first render (bundle budget: `npm run bench:bundle`). No {#await} block: the page
 * renders `{#if x.component}<x.component … />{/if}`, which costs the runtime nothing extra.
 *
 * @example
 * const tools = new Lazy(() => import('./PassphraseTools.svelte'));
 * $effect(() => { if (passphrase !== '') tools.load(); });
 */
export class Lazy<T> {
  #component = $state.raw<T | undefined>(undefined);
  #loading: Promise<void> | undefined;
  readonly #import: () => Promise<{ default: T }>;

  constructor(load: () => Promise<{ default: T }>) {
    this.#import = load;
  }

  /** The component once loaded; undefined before. */
  get component(): T | undefined {
    return this.#component;
  }

  /** Loads it (once; later calls are free). A failed load (offline, say) may be tried again. */
  load(): Promise<void> {
    this.#loading ??= this.#import().then(
      (module) => {
        this.#component = module.default;
      },
      () => {
        this.#loading = undefined;
      }
    );
    return this.#loading;
  }
}
