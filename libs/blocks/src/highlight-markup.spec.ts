import { MARK_START, MARK_STOP, renderHighlight } from './highlight-markup';

describe('renderHighlight', () => {
  it('escapes every character of markup and turns only the sentinels into marks', () => {
    expect(renderHighlight(`<img src=x onerror="a('b')"> ${MARK_START}term${MARK_STOP} & co`)).toBe(
      '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt; <mark>term</mark> &amp; co',
    );
  });

  it('leaves escaped text escaped once more (no entity smuggling)', () => {
    expect(renderHighlight('&lt;script&gt;')).toBe('&amp;lt;script&amp;gt;');
  });
});
