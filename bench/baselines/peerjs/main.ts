// The central-server baseline of `npm run bench:setup`: PeerJS against its own signalling server
// (the `peer` package, started by the bench on 127.0.0.1). "Join" is connecting to the server.
// Both ids are fixed by the bench for the round, so the caller calls as soon as its own
// registration is confirmed: the server queues an offer for an id that has not connected yet and
// delivers it when it does (its `expire_timeout`, 5 s), so no side waits a fixed delay. Should
// the callee still be missing after that, the server answers `peer-unavailable` and the caller
// calls again (marked `retry`; the bench reports how often).
import { Peer, type MediaConnection } from 'peerjs';
import { fail, mark, onJoin, openPreview, param, showRemote } from '../page.ts';

async function main(): Promise<void> {
  const host = param('host');
  const port = Number(param('port'));
  const id = param('id');
  const remote = param('remote');
  const caller = param('role') === 'caller';
  const local = await openPreview();

  onJoin(() => {
    // No STUN or TURN, as Samen's local network profile: loopback host candidates only.
    const peer = new Peer(id, { host, port, path: '/', secure: false, config: { iceServers: [] } });
    const play = (call: MediaConnection) => {
      call.on('stream', (stream) => {
        if (performance.getEntriesByName('bench:stream').length === 0) {
          mark('stream');
        }
        showRemote(stream);
      });
      call.on('error', fail);
    };
    const dial = () => play(peer.call(remote, local));
    peer.on('open', () => {
      mark('open');
      if (caller) {
        dial();
      }
    });
    peer.on('call', (call) => {
      mark('call');
      call.answer(local);
      play(call);
    });
    peer.on('error', (err) => {
      if (caller && err.type === 'peer-unavailable') {
        mark('retry');
        dial();
        return;
      }
      fail(err);
    });
  });
}

main().catch(fail);
