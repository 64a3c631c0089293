// Opaque page cursors: a prefix naming what they page over, then the position in base64url.
// A cursor from elsewhere, or altered, is refused as bad input naming the field.
import { invalid } from './errors.js'

export function cursorCodec (prefix: string) {
  const refuse = () => invalid('querystring/cursor is not a cursor this server issued')
  return {
    encode: (position: string | number) => prefix + Buffer.from(String(position)).toString('base64url'),
    decodeText (cursor: string): string {
      if (!cursor.startsWith(prefix)) throw refuse()
      const text = Buffer.from(cursor.slice(prefix.length), 'base64url').toString()
      if (text.length === 0) throw refuse()
      return text
    },
    /** a seq: a positive safe integer */
    decodeSeq (cursor: string): number {
      const seq = Number(this.decodeText(cursor))
      if (!Number.isSafeInteger(seq) || seq <= 0) throw refuse()
      return seq
    },
  }
}
