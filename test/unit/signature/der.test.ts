import { describe, expect, it } from '@jest/globals';
import {
  decodeOid,
  decodeSmallInteger,
  encodeElement,
  encodeOid,
  encodeUnsignedInteger,
  readChildren,
  readElement,
  TAG,
} from '../../../src/signature/der.js';

describe('DER reader and writer', () => {
  it('round-trips object identifiers', () => {
    for (const oid of [
      '2.5.29.19',
      '1.2.840.113549.1.1.11',
      '1.2.840.10045.4.3.4',
      '2.16.840.1.101.3.4.3.2',
    ]) {
      expect(decodeOid(readElement(encodeOid(oid)).content)).toBe(oid);
    }
  });

  it('reads long-form lengths', () => {
    const content = Buffer.alloc(300, 7);
    const element = readElement(encodeElement(TAG.octetString, content));
    expect(element.content.equals(content)).toBe(true);
    expect(element.encoded.length).toBe(304);
  });

  it('splits a sequence into its children', () => {
    const sequence = encodeElement(
      TAG.sequence,
      encodeOid('2.5.4.3'),
      encodeUnsignedInteger(Buffer.from([5])),
    );
    const children = readChildren(readElement(sequence));
    expect(children.map((child) => child.tag)).toEqual([TAG.oid, TAG.integer]);
    expect(decodeSmallInteger(children[1]!.content)).toBe(5);
  });

  it('adds a sign byte to a high first byte', () => {
    expect(encodeUnsignedInteger(Buffer.from([0x80])).toString('hex')).toBe('02020080');
    expect(encodeUnsignedInteger(Buffer.from([0, 0, 0x7f])).toString('hex')).toBe('02017f');
  });

  it('rejects truncated input', () => {
    expect(() => readElement(Buffer.from([0x30, 0x05, 0x01]))).toThrow('runs past the end');
    expect(() => readElement(Buffer.from([0x30]))).toThrow('truncated');
    expect(() => readElement(Buffer.from([0x30, 0x80]))).toThrow('invalid length');
  });

  it('rejects negative integers', () => {
    expect(() => decodeSmallInteger(Buffer.from([0xff]))).toThrow('negative or too large');
  });
});
