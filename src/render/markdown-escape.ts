/**
 * Makes a value from AWS or the policy (an account name, a member-controlled contact) inert in GitHub's
 * Markdown: inline text or a table cell that renders as the same characters, never as a link, an image,
 * emphasis, a cell break or HTML.
 *
 * - `&`, `<` and `>` become entities: the one encoding that no Markdown or HTML parser reads as a tag.
 * - Every other ASCII punctuation character is backslash-escaped (CommonMark allows it for all of them):
 *   `[`, `]`, `(`, `)` and `!` cannot open a link or image, `*`, `_`, `~` and backticks no emphasis,
 *   strike-through or code, `|` no new table cell, `:` and `.` no `https://` / `www.` autolink.
 * - GFM links a bare address (`a@b.example`) after parsing, whatever was escaped: a zero-width space
 *   after each `@` keeps it text (and keeps `@name` from becoming a mention) while it reads the same.
 * - Line breaks and other control characters become a space, so one value is one line or one cell;
 *   bidirectional overrides are dropped, so a value cannot display reordered.
 */

const ENTITY: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '@': '@&#8203;' };
const SPECIAL = /[!-/:-@[-`{-~]/g;
// C0 and C1 controls, line and paragraph separators.
const LINE_BREAKING = /\r\n|[\p{Cc}\u2028\u2029]/gu;
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/g;

export function escapeMarkdown(text: string): string {
  return text
    .replace(LINE_BREAKING, ' ')
    .replace(BIDI_CONTROL, '')
    .replace(SPECIAL, (char) => ENTITY[char] ?? `\\${char}`);
}
