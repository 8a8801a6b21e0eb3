/* eslint-disable require-yield */

import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface SessionMessage {
  roster?: Roster
  bye?: Bye
  notice?: SecurityNotice
}

export namespace SessionMessage {
  let _codec: Codec<SessionMessage>

  export const codec = (): Codec<SessionMessage> => {
    if (_codec == null) {
      _codec = message<SessionMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.notice != null) {
          obj.bye = undefined
          obj.roster = undefined
        }

        if (obj.bye != null) {
          obj.notice = undefined
          obj.roster = undefined
        }

        if (obj.roster != null) {
          obj.notice = undefined
          obj.bye = undefined
        }

        if (obj.roster != null) {
          w.uint32(10)
          Roster.codec().encode(obj.roster, w)
        }

        if (obj.bye != null) {
          w.uint32(18)
          Bye.codec().encode(obj.bye, w)
        }

        if (obj.notice != null) {
          w.uint32(26)
          SecurityNotice.codec().encode(obj.notice, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.roster = Roster.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.roster
              })
              break
            }
            case 2: {
              obj.bye = Bye.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.bye
              })
              break
            }
            case 3: {
              obj.notice = SecurityNotice.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.notice
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.notice != null) {
          delete obj.bye
          delete obj.roster
        }

        if (obj.bye != null) {
          delete obj.notice
          delete obj.roster
        }

        if (obj.roster != null) {
          delete obj.notice
          delete obj.bye
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Roster.codec().stream(reader, reader.uint32(), `${prefix}.roster`, {
                limits: opts.limits?.roster
              })

              break
            }
            case 2: {
              yield * Bye.codec().stream(reader, reader.uint32(), `${prefix}.bye`, {
                limits: opts.limits?.bye
              })

              break
            }
            case 3: {
              yield * SecurityNotice.codec().stream(reader, reader.uint32(), `${prefix}.notice`, {
                limits: opts.limits?.notice
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SessionMessageRosterPeersPeerIdFieldEvent {
    field: '$.roster.peers[].peerId'
    value: string
    index: number
  }

  export interface SessionMessageRosterPeersAddrsFieldEvent {
    field: '$.roster.peers[].addrs[]'
    index: number
    value: string
  }

  export interface SessionMessageNoticeKindFieldEvent {
    field: '$.notice.kind'
    value: SecurityNotice.Kind
  }

  export function encode (obj: Partial<SessionMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SessionMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionMessage>): SessionMessage {
    return decodeMessage(buf, SessionMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionMessage>): Generator<SessionMessageRosterPeersPeerIdFieldEvent | SessionMessageRosterPeersAddrsFieldEvent | SessionMessageNoticeKindFieldEvent> {
    return streamMessage(buf, SessionMessage.codec(), opts)
  }
}

export interface Roster {
  peers: RosterEntry[]
}

export namespace Roster {
  let _codec: Codec<Roster>

  export const codec = (): Codec<Roster> => {
    if (_codec == null) {
      _codec = message<Roster>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.peers != null && obj.peers.length > 0) {
          for (const value of obj.peers) {
            w.uint32(10)
            RosterEntry.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peers: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.peers != null && obj.peers.length === opts.limits.peers) {
                throw new MaxLengthError('Decode error - repeated field "peers" had too many elements')
              }

              obj.peers.push(RosterEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.peers$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          peers: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.peers != null && obj.peers === opts.limits.peers) {
                throw new MaxLengthError('Streaming decode error - repeated field "peers" had too many elements')
              }

              for (const evt of RosterEntry.codec().stream(reader, reader.uint32(), `${prefix}.peers[]`, {
                limits: opts.limits?.peers$
              })) {
                yield {
                  ...evt,
                  index: obj.peers
                }
              }

              obj.peers++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RosterPeersPeerIdFieldEvent {
    field: '$.peers[].peerId'
    value: string
    index: number
  }

  export interface RosterPeersAddrsFieldEvent {
    field: '$.peers[].addrs[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<Roster>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Roster.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Roster>): Roster {
    return decodeMessage(buf, Roster.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Roster>): Generator<RosterPeersPeerIdFieldEvent | RosterPeersAddrsFieldEvent> {
    return streamMessage(buf, Roster.codec(), opts)
  }
}

export interface RosterEntry {
  peerId: string
  addrs: string[]
}

export namespace RosterEntry {
  let _codec: Codec<RosterEntry>

  export const codec = (): Codec<RosterEntry> => {
    if (_codec == null) {
      _codec = message<RosterEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(10)
          w.string(obj.peerId)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(18)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: '',
          addrs: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.string())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          addrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.string()
              }

              obj.addrs++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RosterEntryPeerIdFieldEvent {
    field: '$.peerId'
    value: string
  }

  export interface RosterEntryAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<RosterEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RosterEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RosterEntry>): RosterEntry {
    return decodeMessage(buf, RosterEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RosterEntry>): Generator<RosterEntryPeerIdFieldEvent | RosterEntryAddrsFieldEvent> {
    return streamMessage(buf, RosterEntry.codec(), opts)
  }
}

export interface Bye {}

export namespace Bye {
  let _codec: Codec<Bye>

  export const codec = (): Codec<Bye> => {
    if (_codec == null) {
      _codec = message<Bye>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export function encode (obj: Partial<Bye>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Bye.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Bye>): Bye {
    return decodeMessage(buf, Bye.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Bye>): Generator<{}> {
    return streamMessage(buf, Bye.codec(), opts)
  }
}

export interface SecurityNotice {
  kind: SecurityNotice.Kind
}

export namespace SecurityNotice {
  export enum Kind {
    UNKNOWN = 'UNKNOWN',
    CALL_LOCKED = 'CALL_LOCKED'
  }

  enum __KindValues {
    UNKNOWN = 0,
    CALL_LOCKED = 1
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<SecurityNotice>

  export const codec = (): Codec<SecurityNotice> => {
    if (_codec == null) {
      _codec = message<SecurityNotice>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          SecurityNotice.Kind.codec().encode(obj.kind, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: Kind.UNKNOWN
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = SecurityNotice.Kind.codec().decode(reader)
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: SecurityNotice.Kind.codec().decode(reader)
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SecurityNoticeKindFieldEvent {
    field: '$.kind'
    value: SecurityNotice.Kind
  }

  export function encode (obj: Partial<SecurityNotice>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SecurityNotice.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SecurityNotice>): SecurityNotice {
    return decodeMessage(buf, SecurityNotice.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SecurityNotice>): Generator<SecurityNoticeKindFieldEvent> {
    return streamMessage(buf, SecurityNotice.codec(), opts)
  }
}
