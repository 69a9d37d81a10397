import type { Browser } from 'playwright-core';
import { launchChromium } from './chromium';
import {
  countingServer,
  exporterHarness,
  type CountingServer,
  type Harness,
} from './exporter-harness';

/** Block content an attacker may write; every entry must come out inert. */
const CORPUS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)><circle r=1></svg>',
  '<svg><script>alert(1)</script></svg>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:alert(1)">raw link</a>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<form action="javascript:alert(1)"><button>go</button></form>',
  '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
  '[click](javascript:alert(1))',
  '[click](JAVASCRIPT:alert(1))',
  '[click](jav&#x61;script:alert(1))',
  '[click](jav&#97;script&colon;alert(1))',
  '[click](java%0ascript:alert(1))',
  '[click](<javascript:alert(1)>)',
  '[click]( javascript:alert(1) "title")',
  '[click](vbscript:msgbox(1))',
  '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[ref link][r]\n\n[r]: javascript:alert(1)',
  '<javascript:alert(1)>',
  '<jav&#x61;script:alert(1)>',
  '<vbscript:msgbox(1)>',
  '![img](javascript:alert(1))',
  '![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
  '![x" onerror="alert(1)](https://example.com/a.png)',
  '[x](https://example.com/" onmouseover="alert(1))',
  '[x](https://example.com/a "t\\" onclick=\\"alert(1)")',
  '**<img src=x onerror=alert(1)>**',
  '| a | b |\n| - | - |\n| <script>alert(1)</script> | [x](javascript:alert(1)) |',
  '- <svg/onload=alert(1)>\n  - [y](javascript:alert(1))',
  '> <img src=x onerror=alert(1)>\n> [q](javascript:alert(1))',
  '`<script>alert(1)</script>`',
  '```html\n<script>alert(1)</script>\n```',
  '<!-- page-break --><script>alert(1)</script>',
  '<!--><img src=x onerror=alert(1)>-->',
  '<style>@import "http://evil.example/x.css";</style>',
  '<base href="javascript:alert(1)//">',
  '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">entities</a>',
];

/** Resolves a URL as a browser does (WHATWG parser), against an https page. */
function protocolOf(value: string): string {
  return new URL(value, 'https://export.example/doc.html').protocol;
}

/**
 * Runs in the page (a string, as the project compiles without the DOM library): every script
 * element, every on* attribute and every attribute that can carry a URL, from the parsed DOM.
 */
const INSPECT_DOM = `(() => {
  const all = [...document.querySelectorAll('*')];
  const handlers = [];
  const unsafeUrls = [];
  for (const element of all) {
    for (const attr of [...element.attributes]) {
      if (/^on/i.test(attr.name)) handlers.push(element.tagName + ' ' + attr.name);
      if (/^(href|src|action|formaction|xlink:href|data|content|style|background|poster|srcset)$/i.test(attr.name)) {
        unsafeUrls.push(element.tagName + ' ' + attr.name + '=' + attr.value);
      }
    }
  }
  return {
    scripts: document.querySelectorAll('script').length,
    handlers,
    unsafeUrls,
    tags: [...new Set(all.map((e) => e.tagName.toLowerCase()))].sort(),
  };
})()`;

interface Findings {
  scripts: number;
  handlers: string[];
  unsafeUrls: string[];
  tags: string[];
  executed: boolean;
}

describe('the HTML export against an XSS corpus, parsed by Chromium', () => {
  let harness: Harness;
  let browser: Browser;
  let server: CountingServer;

  beforeAll(async () => {
    harness = exporterHarness();
    browser = await launchChromium();
    server = await countingServer();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await harness?.close();
  });

  async function inspect(html: string): Promise<Findings> {
    // Scripts allowed here on purpose: if anything in the export could run, `executed` says so.
    const context = await browser.newContext({ javaScriptEnabled: true });
    try {
      const page = await context.newPage();
      await page.route('**/*', (route) => route.abort());
      let dialogs = 0;
      page.on('dialog', (dialog) => {
        dialogs++;
        void dialog.dismiss();
      });
      await page.setContent(html, { waitUntil: 'load' });
      await page.mouse.move(10, 10);
      await page.waitForTimeout(50);
      const findings = await page.evaluate<Omit<Findings, 'executed'>>(INSPECT_DOM);
      return { ...findings, executed: dialogs > 0 };
    } finally {
      await context.close();
    }
  }

  it('has an inspector that sees a live payload (control)', async () => {
    const findings = await inspect(
      '<p><img src="x" onerror="alert(1)"><script>alert(2)</script></p>',
    );
    expect(findings.executed).toBe(true);
    expect(findings.scripts).toBe(1);
    expect(findings.handlers).toEqual(['IMG onerror']);
  });

  it.each(CORPUS.map((markdown) => [markdown]))('leaves %j inert', async (markdown) => {
    const { body } = await harness.exporter.export('html', {
      title: markdown.slice(0, 40),
      markdown,
      toc: [],
    });
    const findings = await inspect(body.toString('utf8'));
    expect(findings.executed).toBe(false);
    expect(findings.scripts).toBe(0);
    expect(findings.handlers).toEqual([]);
    for (const entry of findings.unsafeUrls) {
      const [, name, value] = /^\S+ (\S+?)=(.*)$/s.exec(entry) ?? [];
      if (name === 'content') continue; // the CSP and viewport meta tags, checked below
      if (name === 'style') {
        expect(value).toMatch(/^text-align:(left|center|right)$/);
        continue;
      }
      expect(['http:', 'https:', 'mailto:']).toContain(protocolOf(value));
    }
    const allowed = [
      'a',
      'blockquote',
      'body',
      'br',
      'code',
      'div',
      'em',
      'h1',
      'h2',
      'h3',
      'h4',
      'h5',
      'h6',
      'head',
      'hr',
      'html',
      'img',
      'li',
      'meta',
      'nav',
      'ol',
      'p',
      'pre',
      's',
      'span',
      'strong',
      'style',
      'table',
      'tbody',
      'td',
      'th',
      'thead',
      'title',
      'tr',
      'ul',
    ];
    expect(findings.tags.filter((tag) => !allowed.includes(tag))).toEqual([]);
  });

  it('keeps the whole corpus inert in one document and shows the raw HTML as text', async () => {
    const markdown = CORPUS.join('\n\n');
    const { body } = await harness.exporter.export('html', {
      title: '<script>alert(1)</script>',
      markdown,
      toc: [],
    });
    const html = body.toString('utf8');
    const findings = await inspect(html);
    expect(findings).toMatchObject({ executed: false, scripts: 0, handlers: [] });
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/,
    );
    // A style element exists exactly once: ours, in the head.
    expect((html.match(/<style>/g) ?? []).length).toBe(1);
  });

  it('keeps http(s) links and images, which is the point of a link', async () => {
    const markdown = `[site](https://example.com/a) ![logo](${server.url}/logo.png)`;
    const { body } = await harness.exporter.export('html', { title: 't', markdown, toc: [] });
    const findings = await inspect(body.toString('utf8'));
    expect(findings.unsafeUrls).toEqual(
      expect.arrayContaining(['A href=https://example.com/a', `IMG src=${server.url}/logo.png`]),
    );
  });
});
