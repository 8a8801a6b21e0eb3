// The part of bittorrent-tracker's server that `npm run bench:setup` uses; the package ships no
// types (server.js in bittorrent-tracker 11).
declare module 'bittorrent-tracker' {
  import type { AddressInfo } from 'node:net';

  export interface ServerOptions {
    /** An HTTP tracker; false leaves it out (the WebSocket tracker then gets its own server). */
    http?: boolean;
    udp?: boolean;
    ws?: boolean;
    /** The /stats page. */
    stats?: boolean;
    trustProxy?: boolean;
  }

  export class Server {
    constructor(options?: ServerOptions);
    readonly ws: { address(): AddressInfo | string | null } | null;
    listen(port: number, hostname: string, onListening?: () => void): void;
    close(onClose?: () => void): void;
    on(event: 'error' | 'warning', listener: (err: Error) => void): this;
  }
}
