import { renderHtml } from './html-renderer';

const render = (markdown: string, title = 'Doc') => renderHtml({ title, markdown, toc: [] });

describe('renderHtml', () => {
  it('writes a standalone page with a strict CSP and the escaped title', () => {
    const html = render('text', 'A <b> & "c"');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<title>A &lt;b&gt; &amp; &quot;c&quot;</title>');
    expect(html).toContain(`content="default-src &#39;none&#39;;`);
  });

  it('shows raw HTML as text instead of passing it through', () => {
    const html = render('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img src=x');
  });

  it('drops links and images whose URL is not http(s), mailto or relative', () => {
    const html = render(
      '[a](javascript:alert(1)) [b](jav&#x61;script:alert(1)) ![c](data:image/svg+xml,x) [d](https://ok.example)',
    );
    expect(html).not.toMatch(/href="(?!https:\/\/ok\.example)/);
    expect(html).not.toContain('<img');
    expect(html).toContain('<a href="https://ok.example" rel="noopener noreferrer nofollow">d</a>');
  });

  it('renders the TOC as a nav list and a page break as a CSS break', () => {
    const html = renderHtml({
      title: 'Doc',
      markdown: '# One\n\n<!-- toc -->\n\n<!-- page-break -->\n\n## Two',
      toc: [
        { level: 1, text: 'One', number: '1' },
        { level: 2, text: 'Two', number: '1.1' },
      ],
    });
    expect(html).toContain('<li class="toc-level-2">1.1 Two</li>');
    expect(html).toContain('<div class="page-break"></div>');
    expect(html).toContain('<h2><span class="number">1.1</span> Two</h2>');
  });

  it('treats a marker inside a code block as code', () => {
    const html = render('```\n<!-- page-break -->\n```');
    expect(html).not.toContain('<div class="page-break">');
    expect(html).toContain('&lt;!-- page-break --&gt;');
  });
});
