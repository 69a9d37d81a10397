import { isUuid } from './uuid';

describe('isUuid', () => {
  it('accepts UUIDs of any version in either case', () => {
    expect(isUuid('01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e0f')).toBe(true);
    expect(isUuid('01936B9E-3C1A-7B4E-9D2F-5A6B7C8D9E0F')).toBe(true);
  });

  it('refuses anything else', () => {
    for (const bad of ['', '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e0', 'x'.repeat(36), 42, null]) {
      expect(isUuid(bad)).toBe(false);
    }
    expect(isUuid('01936b9e3c1a7b4e9d2f5a6b7c8d9e0f0000')).toBe(false);
  });
});
