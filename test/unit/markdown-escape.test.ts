import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { describe, expect, it } from 'vitest';
import { escapeMarkdown } from '../../src/render/markdown-escape.js';

/** GitHub-flavoured Markdown as GitHub parses it (tables, autolink literals, strike-through, tag filter). */
function render(markdown: string): string {
  // Raw HTML passes through, as GitHub's renderer lets it through to its sanitizer (which keeps `<img>`).
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

function renderCell(value: string): string {
  return render(`| account | change |\n| --- | --- |\n| ${escapeMarkdown(value)} | x |\n`);
}

/** The text a browser shows for rendered HTML: tags dropped, entities decoded, zero-width spaces gone. */
function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\u200b/g, '')
    .trim();
}

const ATTACK = '[Approve](https://evil.example/x) <img src=x onerror=alert(1)>';

describe('escapeMarkdown', () => {
  it.each([
    ['\\', '\\\\'],
    ['|', '\\|'],
    ['[', '\\['],
    [']', '\\]'],
    ['`', '\\`'],
    ['*', '\\*'],
    ['_', '\\_'],
    ['#', '\\#'],
    ['!', '\\!'],
    ['(', '\\('],
    [')', '\\)'],
    ['~', '\\~'],
    [':', '\\:'],
    ['<', '&lt;'],
    ['>', '&gt;'],
    ['&', '&amp;'],
    ['@', '@&#8203;'],
  ])('escapes %s as %s', (char, escaped) => {
    expect(escapeMarkdown(`a${char}b`)).toBe(`a${escaped}b`);
  });

  it('leaves letters, digits, spaces and non-ASCII text alone', () => {
    expect(escapeMarkdown('Sécurité 24 Ops → Zürich')).toBe('Sécurité 24 Ops → Zürich');
  });

  it('turns line breaks and control characters into spaces and drops bidirectional overrides', () => {
    expect(escapeMarkdown('a\nb\r\nc\rd\te\u2028f\u0000g')).toBe('a b c d e f g');
    expect(escapeMarkdown('evil\u202etxt.exe')).toBe('eviltxt\\.exe');
  });

  it('renders the attack string as its own text: no link, no image, no HTML', () => {
    const html = renderCell(ATTACK);
    expect(html).not.toContain('<a');
    expect(html).not.toContain('<img');
    expect(html).toContain('<td>');
    expect(
      visibleText(html)
        .split('\n')
        .filter((line) => line.includes('Approve')),
    ).toEqual([ATTACK]);
  });

  it('unescaped, the same string would be a live link and HTML (the test can fail)', () => {
    const html = render(`| a |\n| --- |\n| ${ATTACK} |\n`);
    expect(html).toContain('<a href="https://evil.example/x">');
    expect(html).toContain('<img');
  });

  it.each([
    ['a bare URL', 'see https://evil.example/x now'],
    ['a www address', 'www.evil.example'],
    ['an email address', 'security@evil.example'],
    ['an autolink', '<https://evil.example>'],
    ['an image', '![x](https://evil.example/p.png)'],
    ['a reference link', '[Approve][1]\n\n[1]: https://evil.example'],
  ])('keeps %s from becoming a link', (_, value) => {
    const html = renderCell(value);
    expect(html).not.toMatch(/<a |<img /);
  });

  it('keeps emphasis, code, strike-through and a cell break out of a table cell', () => {
    const value = '*bold* _em_ `code` ~~gone~~ a | b';
    const html = renderCell(value);
    expect(html).not.toMatch(/<(em|strong|code|del)>/);
    expect((html.match(/<td>/g) ?? []).length).toBe(2);
    expect(visibleText(html)).toContain(value);
  });

  it('keeps a newline from ending the table or starting a heading', () => {
    const html = renderCell('Ops\n# Approved\n| injected | row |');
    expect(html).not.toContain('<h1>');
    expect((html.match(/<tr>/g) ?? []).length).toBe(2);
  });
});
