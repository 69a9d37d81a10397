import { isRemoteUrl, isSafeUrl } from './safe-url';

describe('isSafeUrl', () => {
  it.each([
    'https://example.com/a',
    'http://example.com',
    'mailto:a@example.com',
    '/relative',
    'page.html',
    '#section',
  ])('allows %s', (url) => expect(isSafeUrl(url)).toBe(true));

  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'java\tscript:alert(1)',
    ' javascript:alert(1)',
    'java\u0000script:alert(1)',
    'vbscript:msgbox(1)',
    'data:text/html;base64,PHNjcmlwdD4=',
    'data:image/png;base64,AAAA',
    'file:///etc/passwd',
    '//evil.example/x',
  ])('refuses %j', (url) => expect(isSafeUrl(url)).toBe(false));
});

describe('isRemoteUrl', () => {
  it('tells network URLs from local references', () => {
    expect(isRemoteUrl('http://127.0.0.1:9/secret')).toBe(true);
    expect(isRemoteUrl('https://example.com/x.png')).toBe(true);
    expect(isRemoteUrl('//example.com/x.png')).toBe(true);
    expect(isRemoteUrl('images/x.png')).toBe(false);
  });
});
