import { ProblemException } from '@app/common';
import { VersionNumberPipe } from './version-number.pipe';

describe('VersionNumberPipe', () => {
  const pipe = new VersionNumberPipe();

  it('accepts positive 32-bit integers', () => {
    expect(pipe.transform('1')).toBe(1);
    expect(pipe.transform('2147483647')).toBe(2147483647);
  });

  it.each(['0', '-1', '1.5', 'abc', '01', '2147483648', '', '1e3'])(
    'refuses %p with a 400',
    (v) => {
      expect(() => pipe.transform(v)).toThrow(ProblemException);
    },
  );
});
