import { etagOf, ifMatchHolds, ifNoneMatchHits } from './etag';

describe('ETags', () => {
  it('derives a strong ETag from the version', () => {
    expect(etagOf(3)).toBe('"v3"');
  });

  it('treats If-None-Match with the weak comparison, lists and *', () => {
    expect(ifNoneMatchHits('"v3"', '"v3"')).toBe(true);
    expect(ifNoneMatchHits('W/"v3"', '"v3"')).toBe(true);
    expect(ifNoneMatchHits('"v1", "v3"', '"v3"')).toBe(true);
    expect(ifNoneMatchHits('*', '"v3"')).toBe(true);
    expect(ifNoneMatchHits('"v2"', '"v3"')).toBe(false);
    expect(ifNoneMatchHits(undefined, '"v3"')).toBe(false);
    expect(ifNoneMatchHits('', '"v3"')).toBe(false);
  });

  it('treats If-Match with the strong comparison; no header means no precondition', () => {
    expect(ifMatchHolds(undefined, '"v3"')).toBe(true);
    expect(ifMatchHolds('"v3"', '"v3"')).toBe(true);
    expect(ifMatchHolds('"v2" , "v3"', '"v3"')).toBe(true);
    expect(ifMatchHolds('*', '"v3"')).toBe(true);
    expect(ifMatchHolds('W/"v3"', '"v3"')).toBe(false);
    expect(ifMatchHolds('"v2"', '"v3"')).toBe(false);
    expect(ifMatchHolds('v3', '"v3"')).toBe(false);
  });
});
