import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface AdmitRequest {
  version: number
  nonce: Uint8Array<ArrayBuffer>
  share: Uint8Array<ArrayBuffer>
  tag: Uint8Array<ArrayBuffer>
  fingerprint: string
  resume: Uint8Array<ArrayBuffer>
}

export namespace AdmitRequest {
  let _codec: Codec<AdmitRequest>

  export const codec = (): Codec<AdmitRequest> => {
    if (_codec == null) {
      _codec = message<AdmitRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.nonce)
        }

        if ((obj.share != null && obj.share.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.share)
        }

        if ((obj.tag != null && obj.tag.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.tag)
        }

        if ((obj.fingerprint != null && obj.fingerprint !== '')) {
          w.uint32(42)
          w.string(obj.fingerprint)
        }

        if ((obj.resume != null && obj.resume.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.resume)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          nonce: uint8ArrayAlloc(0),
          share: uint8ArrayAlloc(0),
          tag: uint8ArrayAlloc(0),
          fingerprint: '',
          resume: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.nonce = reader.bytes()
              break
            }
            case 3: {
              obj.share = reader.bytes()
              break
            }
            case 4: {
              obj.tag = reader.bytes()
              break
            }
            case 5: {
              obj.fingerprint = reader.string()
              break
            }
            case 6: {
              obj.resume = reader.bytes()
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
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.share`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.tag`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.fingerprint`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.resume`,
                value: reader.bytes()
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

  export interface AdmitRequestVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface AdmitRequestNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AdmitRequestShareFieldEvent {
    field: '$.share'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AdmitRequestTagFieldEvent {
    field: '$.tag'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AdmitRequestFingerprintFieldEvent {
    field: '$.fingerprint'
    value: string
  }

  export interface AdmitRequestResumeFieldEvent {
    field: '$.resume'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<AdmitRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AdmitRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AdmitRequest>): AdmitRequest {
    return decodeMessage(buf, AdmitRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AdmitRequest>): Generator<AdmitRequestVersionFieldEvent | AdmitRequestNonceFieldEvent | AdmitRequestShareFieldEvent | AdmitRequestTagFieldEvent | AdmitRequestFingerprintFieldEvent | AdmitRequestResumeFieldEvent> {
    return streamMessage(buf, AdmitRequest.codec(), opts)
  }
}

export interface AdmitResponse {
  outcome: number
  share: Uint8Array<ArrayBuffer>
  tag: Uint8Array<ArrayBuffer>
  fingerprint: string
  retryAfterMs: number
  nonce: Uint8Array<ArrayBuffer>
}

export namespace AdmitResponse {
  export enum Outcome {
    UNKNOWN = 'UNKNOWN',
    CONTINUE = 'CONTINUE',
    ADMITTED = 'ADMITTED',
    FAILED = 'FAILED',
    REFUSED_BLOCKED = 'REFUSED_BLOCKED',
    REFUSED_LOCKED = 'REFUSED_LOCKED',
    REFUSED_DUPLICATE = 'REFUSED_DUPLICATE',
    REFUSED_RATE_LIMITED = 'REFUSED_RATE_LIMITED',
    RESUMED = 'RESUMED',
    RESUME_UNKNOWN = 'RESUME_UNKNOWN'
  }

  enum __OutcomeValues {
    UNKNOWN = 0,
    CONTINUE = 1,
    ADMITTED = 2,
    FAILED = 3,
    REFUSED_BLOCKED = 4,
    REFUSED_LOCKED = 5,
    REFUSED_DUPLICATE = 6,
    REFUSED_RATE_LIMITED = 7,
    RESUMED = 8,
    RESUME_UNKNOWN = 9
  }

  export namespace Outcome {
    export const codec = (): Codec<Outcome> => {
      return enumeration<Outcome>(__OutcomeValues)
    }
  }

  let _codec: Codec<AdmitResponse>

  export const codec = (): Codec<AdmitResponse> => {
    if (_codec == null) {
      _codec = message<AdmitResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.outcome != null && obj.outcome !== 0)) {
          w.uint32(8)
          w.uint32(obj.outcome)
        }

        if ((obj.share != null && obj.share.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.share)
        }

        if ((obj.tag != null && obj.tag.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.tag)
        }

        if ((obj.fingerprint != null && obj.fingerprint !== '')) {
          w.uint32(34)
          w.string(obj.fingerprint)
        }

        if ((obj.retryAfterMs != null && obj.retryAfterMs !== 0)) {
          w.uint32(40)
          w.uint32(obj.retryAfterMs)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.nonce)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          outcome: 0,
          share: uint8ArrayAlloc(0),
          tag: uint8ArrayAlloc(0),
          fingerprint: '',
          retryAfterMs: 0,
          nonce: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.outcome = reader.uint32()
              break
            }
            case 2: {
              obj.share = reader.bytes()
              break
            }
            case 3: {
              obj.tag = reader.bytes()
              break
            }
            case 4: {
              obj.fingerprint = reader.string()
              break
            }
            case 5: {
              obj.retryAfterMs = reader.uint32()
              break
            }
            case 6: {
              obj.nonce = reader.bytes()
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
                field: `${prefix}.outcome`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.share`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.tag`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.fingerprint`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.retryAfterMs`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
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

  export interface AdmitResponseOutcomeFieldEvent {
    field: '$.outcome'
    value: number
  }

  export interface AdmitResponseShareFieldEvent {
    field: '$.share'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AdmitResponseTagFieldEvent {
    field: '$.tag'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AdmitResponseFingerprintFieldEvent {
    field: '$.fingerprint'
    value: string
  }

  export interface AdmitResponseRetryAfterMsFieldEvent {
    field: '$.retryAfterMs'
    value: number
  }

  export interface AdmitResponseNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<AdmitResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AdmitResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AdmitResponse>): AdmitResponse {
    return decodeMessage(buf, AdmitResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AdmitResponse>): Generator<AdmitResponseOutcomeFieldEvent | AdmitResponseShareFieldEvent | AdmitResponseTagFieldEvent | AdmitResponseFingerprintFieldEvent | AdmitResponseRetryAfterMsFieldEvent | AdmitResponseNonceFieldEvent> {
    return streamMessage(buf, AdmitResponse.codec(), opts)
  }
}
