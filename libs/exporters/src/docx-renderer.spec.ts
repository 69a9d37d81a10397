import { renderDocx } from './docx-renderer';

const source = {
  title: 'Doc',
  markdown: '# One\n\n- a\n- b\n\n| x | y |\n| - | - |\n| 1 | 2 |',
  toc: [],
};

describe('renderDocx', () => {
  afterEach(() => jest.useRealTimers());

  it('gives the same bytes for the same source, whatever the clock says and however many came before', async () => {
    jest.useFakeTimers({
      now: new Date('2024-03-01T10:00:00Z'),
      doNotFake: ['nextTick', 'setImmediate'],
    });
    const first = await renderDocx(source);
    jest.setSystemTime(new Date('2031-07-15T23:59:58Z'));
    const second = await renderDocx(source);
    expect(first.equals(second)).toBe(true);
    // The zip entry dates and the package dates are fixed, not today's.
    expect(first.readUInt16LE(12)).toBe(33);
    expect(first.toString('latin1')).not.toContain('2031');
  });

  it('writes a zip that starts with a local file header', async () => {
    const zip = await renderDocx(source);
    expect(zip.readUInt32LE(0)).toBe(0x04034b50);
  });
});
